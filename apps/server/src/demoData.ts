import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Auth } from './auth/auth';
import type { Database } from './db/database';
import { lockers, sites } from './db/schema';
import type { AdminBadgeRepository } from './repositories/AdminBadgeRepository';
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

export async function ensureDemoLockers(db: Database, demoLockers: readonly DemoLocker[]): Promise<void> {
  const siteName = 'Campus SmartLocker';
  let site = (await db.select().from(sites).where(eq(sites.name, siteName)).limit(1))[0];
  if (!site) {
    site = (await db.insert(sites).values({ name: siteName, timeZone: 'Europe/Brussels' }).returning())[0];
  }
  if (!site) throw new Error('could not create the demo site');
  await db
    .insert(lockers)
    .values(demoLockers.map((l) => ({ ...l, siteId: site.id })))
    .onConflictDoNothing();
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
