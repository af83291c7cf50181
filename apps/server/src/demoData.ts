import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Auth } from './auth/auth';
import type { LockerProvisioning } from './provisioning/LockerProvisioning';
import type { AdminBadgeRepository } from './repositories/AdminBadgeRepository';
import type { LockerRepository } from './repositories/LockerRepository';
import type { UserRepository } from './repositories/UserRepository';

export interface DemoLocker {
  id: string;
  name: string;
  type: 'school' | 'sport';
  pairingCode: string;
}

/** The two lockers of the seed (SPEC §4), on one site. */
export const DEMO_LOCKERS: readonly DemoLocker[] = [
  { id: 'ECOLE_01', name: 'Casier école 1', type: 'school', pairingCode: 'SL-ECOLE-01' },
  { id: 'SPORT_01', name: 'Casier sport 1', type: 'sport', pairingCode: 'SL-SPORT-01' },
];

export interface DemoAccount {
  role: 'admin' | 'premium' | 'user';
  email: string;
  password: string;
  name: string;
}

/** The demo site's name; the provisioning service finds it or creates it. */
export const DEMO_SITE = { name: 'Campus SmartLocker', timeZone: 'Europe/Brussels' } as const;

/**
 * The demo lockers are provisioned like any other (issue 11): a site, a locker row with a hashed
 * broker secret, an audit entry. One that already exists is left as it is (the simulated lockers
 * get a fresh secret at every start anyway).
 */
export async function ensureDemoLockers(
  provisioning: Pick<LockerProvisioning, 'provision'>,
  lockers: Pick<LockerRepository, 'exists'>,
  demoLockers: readonly DemoLocker[],
): Promise<void> {
  for (const locker of demoLockers) {
    if (await lockers.exists(locker.id)) continue;
    await provisioning.provision(
      { ...locker, siteName: DEMO_SITE.name, siteTimeZone: DEMO_SITE.timeZone },
      { kind: 'system', id: null },
    );
  }
}

/**
 * Demo accounts with passwords generated on the first start and kept under DATA_DIR (0600):
 * nothing secret is in the repository, and the accounts survive restarts.
 */
export async function ensureDemoAccounts(auth: Auth, users: UserRepository, dataDir: string): Promise<DemoAccount[]> {
  const path = join(dataDir, 'demo-accounts.json');
  const accounts: DemoAccount[] = existsSync(path)
    ? (JSON.parse(readFileSync(path, 'utf8')) as DemoAccount[])
    : [
        { role: 'admin', email: 'admin@smartlocker.test', name: 'Admin', password: randomPassword() },
        { role: 'premium', email: 'premium@smartlocker.test', name: 'Membre Premium', password: randomPassword() },
        { role: 'user', email: 'user@smartlocker.test', name: 'Étudiant', password: randomPassword() },
      ];
  writeFileSync(path, JSON.stringify(accounts, null, 2), { mode: 0o600 });
  for (const account of accounts) {
    let user = await users.findByEmail(account.email);
    if (!user) {
      await auth.api.signUpEmail({ body: { email: account.email, password: account.password, name: account.name } });
      user = await users.findByEmail(account.email);
    }
    if (!user) throw new Error(`could not create demo account ${account.email}`);
    await users.update(user.id, {
      role: account.role === 'admin' ? 'admin' : 'user',
      premium: account.role !== 'user',
    });
  }
  return accounts;
}

/** One administrator badge, so the offline badge path can be tried on the simulated lockers. */
export const DEMO_ADMIN_BADGE = { uid: '04A1B2C3D4', label: 'Badge administrateur (démo)' };

export async function ensureDemoBadge(badges: AdminBadgeRepository): Promise<string> {
  const existing = await badges.list();
  if (!existing.some((b) => b.uid === DEMO_ADMIN_BADGE.uid))
    await badges.add(DEMO_ADMIN_BADGE.uid, DEMO_ADMIN_BADGE.label);
  return DEMO_ADMIN_BADGE.uid;
}

function randomPassword(): string {
  return `demo-${randomBytes(9).toString('base64url')}`;
}
