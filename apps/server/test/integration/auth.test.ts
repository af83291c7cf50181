import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { scratchDatabase } from '../../../../test-support/databases';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import type { DatabaseTarget } from '../../src/db/database';
import { authAccounts, authSessions, users } from '../../src/db/schema';
import { loadConfig, type RunningSystem, startSystem } from '../../src/index';
import { GOOD_PASSWORD, mailTo, member, outbox, sessionToken, uniqueEmail } from './support/accounts';

/**
 * Sign-up, sign-in and sessions (issue 4, docs/security.md): the password policy, errors that
 * never say whether an address has an account, cookie flags, rotation, sign-out everywhere, the
 * Origin check on every state-changing route, and the rate limits, on every database backend.
 */
type AuthError = { code?: string; message?: string; error?: { code: string } };

const FOREIGN = 'https://evil.example';

/** Every state-changing endpoint of better-auth the app exposes, with a body it would accept. */
const AUTH_WRITES: [string, unknown][] = [
  ['/api/auth/sign-up/email', { email: 'x@example.org', password: GOOD_PASSWORD, name: 'Xavier' }],
  ['/api/auth/sign-in/email', { email: 'x@example.org', password: GOOD_PASSWORD }],
  ['/api/auth/sign-in/social', { provider: 'google', callbackURL: '/' }],
  ['/api/auth/sign-in/oauth2', { providerId: 'google', callbackURL: '/' }],
  ['/api/auth/sign-out', {}],
  ['/api/auth/request-password-reset', { email: 'x@example.org', redirectTo: '/reinitialiser' }],
  ['/api/auth/reset-password', { newPassword: GOOD_PASSWORD, token: 'nope' }],
  ['/api/auth/change-password', { currentPassword: GOOD_PASSWORD, newPassword: `${GOOD_PASSWORD}!` }],
  ['/api/auth/change-email', { newEmail: 'y@example.org', callbackURL: '/' }],
  ['/api/auth/revoke-sessions', {}],
  ['/api/auth/revoke-other-sessions', {}],
  ['/api/auth/revoke-session', { token: 'nope' }],
];

function setCookieOf(response: Response, suffix: string): string | undefined {
  return response.headers.getSetCookie().find((line) => line.split('=')[0]?.endsWith(suffix));
}

describe.each(databaseBackends())('authentication on $name', (db) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(db, EMBEDDED_BROKER);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  describe('password policy', () => {
    const signUp = (password: string, name = 'Testeur', email = uniqueEmail('policy')) =>
      new TestBrowser(system.url).json<AuthError>('POST', '/api/auth/sign-up/email', { email, password, name });

    it('refuses passwords shorter than 8 or longer than 128 characters', async () => {
      expect(await signUp('Ab3$efg')).toMatchObject({ status: 400, body: { code: 'PASSWORD_TOO_SHORT' } });
      expect(await signUp('x'.repeat(129))).toMatchObject({ status: 400, body: { code: 'PASSWORD_TOO_LONG' } });
      expect((await signUp(`${'é'.repeat(60)}42casier`)).status).toBe(200);
    });

    it('refuses passwords from the common-password list, whatever their case', async () => {
      for (const common of ['password123', 'Azerty123', 'iloveyou', '12345678', 'motdepasse']) {
        expect(await signUp(common), common).toMatchObject({ status: 400, body: { code: 'PASSWORD_TOO_COMMON' } });
      }
    });

    it('refuses the account’s own address or the product name as the password', async () => {
      const email = uniqueEmail('self');
      expect(await signUp(email, 'Testeur', email)).toMatchObject({
        status: 400,
        body: { code: 'PASSWORD_MATCHES_ACCOUNT' },
      });
      expect(await signUp('SmartLocker2024!')).toMatchObject({
        status: 400,
        body: { code: 'PASSWORD_MATCHES_ACCOUNT' },
      });
    });

    it('refuses a pseudo outside 2–40 characters', async () => {
      expect(await signUp(GOOD_PASSWORD, 'A')).toMatchObject({ status: 400, body: { code: 'INVALID_NAME' } });
      expect(await signUp(GOOD_PASSWORD, 'x'.repeat(41))).toMatchObject({
        status: 400,
        body: { code: 'INVALID_NAME' },
      });
    });

    it('stores a salted scrypt hash, never the password', async () => {
      const email = uniqueEmail('hash');
      await new TestBrowser(system.url).signUp(email, GOOD_PASSWORD);
      const rows = await system.database.db
        .select({ password: authAccounts.password })
        .from(authAccounts)
        .innerJoin(users, eq(users.id, authAccounts.userId))
        .where(eq(users.email, email));
      const stored = rows[0]?.password ?? '';
      expect(stored).not.toContain(GOOD_PASSWORD);
      // better-auth's scrypt format: 16-byte salt and 64-byte key, hex.
      expect(stored).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    });
  });

  describe('errors that do not reveal whether an address has an account', () => {
    it('answers a wrong password and an unknown address the same way', async () => {
      const { email } = await member(system, 'known');
      const wrong = await new TestBrowser(system.url).json<AuthError>('POST', '/api/auth/sign-in/email', {
        email,
        password: 'not-the-password-1',
      });
      const unknown = await new TestBrowser(system.url).json<AuthError>('POST', '/api/auth/sign-in/email', {
        email: uniqueEmail('nobody'),
        password: 'not-the-password-1',
      });
      expect(wrong).toEqual({ status: 401, body: { code: 'INVALID_EMAIL_OR_PASSWORD', message: expect.any(String) } });
      expect(unknown).toEqual(wrong);
    });

    it('answers a sign-up with a taken address like one awaiting its mail, and tells the owner', async () => {
      const { email } = await member(system, 'taken');
      const again = new TestBrowser(system.url);
      const response = await again.request('POST', '/api/auth/sign-up/email', {
        email: email.toUpperCase(),
        password: 'someone-else-pw-9',
        name: 'Intrus',
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { token: string | null; user: { email: string; id: string } };
      expect(body.token).toBeNull();
      expect(body.user.email).toBe(email);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await again.json('GET', '/api/me')).status).toBe(401);
      const notice = await mailTo(system, email, /déjà un compte/);
      expect(notice.links.some((l) => l.endsWith('/mot-de-passe-oublie'))).toBe(true);
      // The taken account is untouched: its owner still signs in with their password.
      expect(await new TestBrowser(system.url).signIn(email, GOOD_PASSWORD)).toBe(200);
    });

    it('answers a reset request the same way for known and unknown addresses', async () => {
      const { email } = await member(system, 'reset-known');
      const known = await new TestBrowser(system.url).json('POST', '/api/auth/request-password-reset', {
        email,
        redirectTo: '/reinitialiser',
      });
      const unknown = await new TestBrowser(system.url).json('POST', '/api/auth/request-password-reset', {
        email: uniqueEmail('reset-unknown'),
        redirectTo: '/reinitialiser',
      });
      expect(known.status).toBe(200);
      expect(unknown).toEqual(known);
      await mailTo(system, email, /Réinitialisation/);
    });
  });

  describe('sessions', () => {
    it('sets an HttpOnly, SameSite=Lax, host-wide cookie (not Secure over plain http)', async () => {
      const { email } = await member(system, 'cookie');
      const response = await new TestBrowser(system.url).request('POST', '/api/auth/sign-in/email', {
        email,
        password: GOOD_PASSWORD,
      });
      const cookie = setCookieOf(response, '.session_token') ?? '';
      expect(cookie).toMatch(/^smartlocker\.session_token=/);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
      expect(cookie).toMatch(/;\s*Path=\//i);
      expect(cookie).not.toMatch(/;\s*Secure/i);
      expect(cookie).not.toMatch(/;\s*Domain=/i);
      // The session records the address the connection came from, not one the client wrote.
      const rows = await system.database.db
        .select({ ip: authSessions.ipAddress })
        .from(authSessions)
        .innerJoin(users, eq(users.id, authSessions.userId))
        .where(eq(users.email, email));
      expect(rows.map((r) => r.ip)).toContain('127.0.0.1');
      const spoofed = await fetch(new URL('/api/auth/sign-in/email', system.url), {
        method: 'POST',
        headers: {
          origin: new URL(system.url).origin,
          'content-type': 'application/json',
          'x-forwarded-for': '6.6.6.6',
          'x-smartlocker-client-address': '6.6.6.6',
        },
        body: JSON.stringify({ email, password: GOOD_PASSWORD }),
      });
      expect(spoofed.status).toBe(200);
      const after = await system.database.db
        .select({ ip: authSessions.ipAddress })
        .from(authSessions)
        .innerJoin(users, eq(users.id, authSessions.userId))
        .where(eq(users.email, email));
      expect(after.map((r) => r.ip)).not.toContain('6.6.6.6');
    });

    it('issues a new session token at every sign-in and ends the one it replaces', async () => {
      const { browser, email } = await member(system, 'rotate');
      const first = sessionToken(browser);
      const stale = browser.cookieHeader;
      expect(await browser.signIn(email, GOOD_PASSWORD)).toBe(200);
      const second = sessionToken(browser);
      expect(first).toBeTruthy();
      expect(second).toBeTruthy();
      expect(second).not.toBe(first);
      expect((await browser.json('GET', '/api/me')).status).toBe(200);
      // The cookie from before the sign-in no longer opens anything.
      const old = await fetch(new URL('/api/me', system.url), { headers: { cookie: stale } });
      expect(old.status).toBe(401);
    });

    it('signs out: the cookie is cleared and the session is gone', async () => {
      const { browser } = await member(system, 'signout');
      const cookie = browser.cookieHeader;
      const out = await browser.request('POST', '/api/auth/sign-out', {});
      expect(out.status).toBe(200);
      expect(setCookieOf(out, '.session_token')).toMatch(/Max-Age=0/i);
      expect((await browser.json('GET', '/api/me')).status).toBe(401);
      expect((await fetch(new URL('/api/me', system.url), { headers: { cookie } })).status).toBe(401);
    });

    it('signs out of every device', async () => {
      const { browser: phone, email } = await member(system, 'everywhere');
      const laptop = new TestBrowser(system.url);
      expect(await laptop.signIn(email, GOOD_PASSWORD)).toBe(200);
      expect((await phone.json('GET', '/api/me')).status).toBe(200);
      expect((await laptop.json('POST', '/api/auth/revoke-sessions', {})).status).toBe(200);
      expect((await phone.json('GET', '/api/me')).status).toBe(401);
      expect((await laptop.json('GET', '/api/me')).status).toBe(401);
    });
  });

  describe('CSRF', () => {
    it('refuses every state-changing route from a foreign Origin, ours and better-auth’s', async () => {
      const { browser } = await member(system, 'csrf');
      const writes = system.httpRoutes
        .filter((r) => r.path.startsWith('/api/') && r.method !== 'GET' && !r.path.includes('*'))
        .map((r) => [r.method, r.path.replace(/:id\b/, system.lockerIds.sport).replace(/:\w+/g, 'x')] as const);
      expect(writes.length).toBeGreaterThan(8);
      const all = [...writes, ...AUTH_WRITES.map(([path]) => ['POST', path] as const)];
      for (const [method, path] of all) {
        const body = AUTH_WRITES.find(([p]) => p === path)?.[1] ?? {};
        const response = await browser.request(method, path, body, { origin: FOREIGN });
        expect(response.status, `${method} ${path}`).toBe(403);
        expect(response.headers.getSetCookie(), `${method} ${path}`).toEqual([]);
        // A request with no Origin that the browser marks cross-site is refused too.
        const noOrigin = await fetch(new URL(path, system.url), {
          method,
          headers: { cookie: browser.cookieHeader, 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
          body: JSON.stringify(body),
        });
        expect(noOrigin.status, `${method} ${path} without Origin`).toBe(403);
      }
      // Nothing happened: still signed in, still the same account.
      expect((await browser.json('GET', '/api/me')).status).toBe(200);
    });

    it('refuses a cross-site sign-in (login CSRF) even with no session cookie', async () => {
      const { email } = await member(system, 'login-csrf');
      const response = await new TestBrowser(system.url).request(
        'POST',
        '/api/auth/sign-in/email',
        { email, password: GOOD_PASSWORD },
        { origin: FOREIGN },
      );
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
    });
  });

  describe('rate limits', () => {
    const signIn = (email: string, password: string) =>
      fetch(new URL('/api/auth/sign-in/email', system.url), {
        method: 'POST',
        headers: { origin: new URL(system.url).origin, 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });

    it('refuses the 11th failed sign-in in 15 minutes for one account with 429 and Retry-After', async () => {
      const { email } = await member(system, 'brute');
      for (let i = 1; i <= 10; i++) expect((await signIn(email, `wrong-guess-${i}`)).status, `attempt ${i}`).toBe(401);
      const eleventh = await signIn(email, 'wrong-guess-11');
      expect(eleventh.status).toBe(429);
      const retryAfter = Number(eleventh.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(14 * 60);
      expect(retryAfter).toBeLessThanOrEqual(15 * 60);
      expect(((await eleventh.json()) as AuthError).error?.code).toBe('rate_limited');
      // Issue 10: the burst is in the audit trail, at the 5th failure and when the account locked.
      const account = await system.database.db.query.users.findFirst({ where: (u, { eq }) => eq(u.email, email) });
      const bursts = (await system.database.db.query.auditEvents.findMany()).filter(
        (r) => r.action === 'auth.sign_in_failure_burst' && r.subjectUserId === account?.id,
      );
      expect(bursts.map((r) => r.data)).toEqual([
        { failures: 5, windowS: 900, locked: false, knownAccount: true },
        { failures: 10, windowS: 900, locked: true, knownAccount: true },
      ]);
      // The right password does not get through either while the account is locked…
      expect((await signIn(email, GOOD_PASSWORD)).status).toBe(429);
      // …another account from the same address still can…
      const other = await member(system, 'bystander');
      expect((await signIn(other.email, GOOD_PASSWORD)).status).toBe(200);
      // …and once the failures are 15 minutes old, the owner can again.
      await system.database.db.execute(sql`update rate_limit_hits set at = at - interval '15 minutes'`);
      expect((await signIn(email, GOOD_PASSWORD)).status).toBe(200);
    });

    it('forgets an account’s failures after a successful sign-in', async () => {
      const { email } = await member(system, 'forgiven');
      for (let i = 0; i < 9; i++) expect((await signIn(email, `oops-${i}-password`)).status).toBe(401);
      expect((await signIn(email, GOOD_PASSWORD)).status).toBe(200);
      for (let i = 0; i < 10; i++) expect((await signIn(email, `oops-again-${i}`)).status).toBe(401);
      expect((await signIn(email, 'oops-eleven-x')).status).toBe(429);
    });

    it('counts a form-encoded attempt like a JSON one', async () => {
      const { email } = await member(system, 'form');
      for (let i = 0; i < 10; i++) {
        const response = await fetch(new URL('/api/auth/sign-in/email', system.url), {
          method: 'POST',
          headers: { origin: new URL(system.url).origin, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email, password: `form-guess-${i}` }).toString(),
        });
        expect(response.status).toBe(401);
      }
      expect((await signIn(email, 'json-guess-11')).status).toBe(429);
    });

    it('limits sign-ups and reset requests per account', async () => {
      const email = uniqueEmail('flood');
      const browser = new TestBrowser(system.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const body = { email, password: GOOD_PASSWORD, name: 'Flood' };
        statuses.push((await browser.request('POST', '/api/auth/sign-up/email', body)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const resets: number[] = [];
      for (let i = 0; i < 4; i++) {
        const body = { email, redirectTo: '/reinitialiser' };
        resets.push((await browser.request('POST', '/api/auth/request-password-reset', body)).status);
      }
      expect(resets).toEqual([200, 200, 200, 429]);
      // Known or not, the same limit: the 429 tells nothing about the address either.
      const unknown = uniqueEmail('flood-unknown');
      const unknownResets: number[] = [];
      for (let i = 0; i < 4; i++) {
        const body = { email: unknown, redirectTo: '/reinitialiser' };
        unknownResets.push((await browser.request('POST', '/api/auth/request-password-reset', body)).status);
      }
      expect(unknownResets).toEqual(resets);
      const mails = (await outbox(system)).filter((m) => m.to === email && /Réinitialisation/.test(m.subject));
      expect(mails).toHaveLength(3);
    });

    it('limits wrong current passwords on change-password', async () => {
      const { browser } = await member(system, 'changer');
      for (let i = 0; i < 10; i++) {
        const body = { currentPassword: `not-it-${i}-xx`, newPassword: 'a-new-good-one-7' };
        expect((await browser.json<AuthError>('POST', '/api/auth/change-password', body)).body.code).toBe(
          'INVALID_PASSWORD',
        );
      }
      const body = { currentPassword: GOOD_PASSWORD, newPassword: 'a-new-good-one-7' };
      expect((await browser.json('POST', '/api/auth/change-password', body)).status).toBe(429);
    });
  });
});

describe('per-address limits', () => {
  let system: TestSystem;

  beforeAll(async () => {
    // Behind a proxy the client address is the last X-Forwarded-For hop: tests can be many clients.
    system = await startTestSystem(databaseBackends()[0] as DatabaseBackend, EMBEDDED_BROKER, { TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  const post = (path: string, body: unknown, address: string) =>
    fetch(new URL(path, system.url), {
      method: 'POST',
      headers: {
        origin: new URL(system.url).origin,
        'content-type': 'application/json',
        // The first hop is whatever the client wrote; only the last one, the proxy's, counts.
        'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}, ${address}`,
      },
      body: JSON.stringify(body),
    });

  // 52 sign-ins, each a deliberately slow scrypt check (docs/security.md): ~10 s on a quiet 2-core
  // machine, over 30 s when it is busy, so this test gets a budget for its own work.
  it('refuses the 51st failed sign-in from one address, across accounts', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 50; i++) {
      const response = await post(
        '/api/auth/sign-in/email',
        { email: uniqueEmail('spray'), password: 'x1y2z3w4v5' },
        '198.51.100.7',
      );
      expect(response.status, `attempt ${i + 1}`).toBe(401);
    }
    const refused = await post(
      '/api/auth/sign-in/email',
      { email: uniqueEmail('spray'), password: 'x1y2z3w4v5' },
      '198.51.100.7',
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const elsewhere = await post(
      '/api/auth/sign-in/email',
      { email: uniqueEmail('spray'), password: 'x1y2z3w4v5' },
      '198.51.100.8',
    );
    expect(elsewhere.status).toBe(401);
  });

  it('refuses the 11th reset request and the 31st sign-up from one address', async () => {
    for (let i = 0; i < 10; i++) {
      expect(
        (await post('/api/auth/request-password-reset', { email: uniqueEmail('r') }, '2001:db8:1:2::5')).status,
      ).toBe(200);
    }
    // Another address in the same IPv6 /64 is the same client.
    expect(
      (await post('/api/auth/request-password-reset', { email: uniqueEmail('r') }, '2001:db8:1:2::99')).status,
    ).toBe(429);
    for (let i = 0; i < 30; i++) {
      const body = { email: uniqueEmail('s'), password: GOOD_PASSWORD, name: 'Signup' };
      expect((await post('/api/auth/sign-up/email', body, '192.0.2.44')).status, `sign-up ${i + 1}`).toBe(200);
    }
    const body = { email: uniqueEmail('s'), password: GOOD_PASSWORD, name: 'Signup' };
    expect((await post('/api/auth/sign-up/email', body, '192.0.2.44')).status).toBe(429);
  });
});

describe('cookies over https', () => {
  let system: TestSystem;
  const PUBLIC = 'https://lockers.example.test';

  beforeAll(async () => {
    system = await startTestSystem(databaseBackends()[0] as DatabaseBackend, EMBEDDED_BROKER, { PUBLIC_URL: PUBLIC });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('names the session cookie __Host- and marks it Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const browser = new TestBrowser(system.url);
    const email = uniqueEmail('https');
    const response = await browser.request(
      'POST',
      '/api/auth/sign-up/email',
      { email, password: GOOD_PASSWORD, name: 'Https' },
      { origin: PUBLIC },
    );
    expect(response.status).toBe(200);
    const cookie = setCookieOf(response, '.session_token') ?? '';
    expect(cookie).toMatch(/^__Host-smartlocker\.session_token=/);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).not.toMatch(/;\s*Domain=/i);
    const me = await browser.request('GET', '/api/me', undefined, { origin: PUBLIC });
    expect(me.status).toBe(200);
    // The local origin is not the public one: a write from it is refused.
    const write = await browser.request('PATCH', '/api/me', { name: 'Autre' }, { origin: 'http://evil.localhost' });
    expect(write.status).toBe(403);
  });
});

describe.each(databaseBackends())('the sign-in limit across instances on $name', (backend) => {
  const started: RunningSystem[] = [];
  const dataDirs: string[] = [];
  let dropDatabase: (() => Promise<void>) | null = null;
  const sharedSecret = randomBytes(32).toString('base64url');

  afterAll(async () => {
    for (const system of started.splice(0)) await system.stop();
    await dropDatabase?.();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A bare server (no demo, no simulated lockers), as a second instance or a restart would be. */
  async function instance(dataDir: string, target?: DatabaseTarget) {
    const result = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATA_DIR: dataDir,
      EMBEDDED_MQTT_PORT: '0',
      STRIPE_EMULATOR_PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DEMO_MODE: 'false',
      SIMULATED_LOCKERS: 'false',
      // Instances of one deployment share their secret (required in production).
      AUTH_SECRET: sharedSecret,
    });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const system = await startSystem(result.config, target ? { database: target } : {});
    started.push(system);
    return system;
  }

  it('holds on another instance (PostgreSQL) or after a restart (PGlite on disk)', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'smartlocker-limit-'));
    const dirB = mkdtempSync(join(tmpdir(), 'smartlocker-limit-'));
    dataDirs.push(dirA, dirB);
    let target: DatabaseTarget | undefined;
    if (backend.name === 'postgres') {
      const scratch = await scratchDatabase(backend);
      dropDatabase = scratch.drop;
      target = scratch.target;
    }
    const first = await instance(dirA, target);
    const browser = new TestBrowser(first.url);
    const email = uniqueEmail('instances');
    await browser.signUp(email, GOOD_PASSWORD);
    for (let i = 0; i < 10; i++) expect(await new TestBrowser(first.url).signIn(email, `bad-${i}-password`)).toBe(401);

    let second: RunningSystem;
    if (backend.name === 'postgres') {
      second = await instance(dirB, target);
    } else {
      await first.stop();
      started.splice(started.indexOf(first), 1);
      second = await instance(dirA);
    }
    expect(await new TestBrowser(second.url).signIn(email, GOOD_PASSWORD)).toBe(429);
  }, 90_000);
});
