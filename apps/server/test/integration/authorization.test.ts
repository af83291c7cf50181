import { randomUUID } from 'node:crypto';
import { SimulatedHal } from '@smartlocker/agent';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { GOOD_PASSWORD, sessionToken, uniqueEmail } from './support/accounts';

/**
 * The authorization matrix (issue 4): every route × (anonymous, user, Premium, administrator) ×
 * (own resource, someone else's) with the status each must get. The world: the user is paired
 * to the school locker, the Premium member to the sport locker, the administrator to nothing.
 * A route added to the server without a row here fails the first test.
 */
const ACTORS = ['anonymous', 'user', 'premium', 'admin'] as const;
type Actor = (typeof ACTORS)[number];
type Expect = Record<Actor, number>;

interface World {
  system: TestSystem;
  as: Record<Actor, TestBrowser>;
  /** The locker each actor is paired to (the administrator: none; "own" is then the school one). */
  own: Record<Actor, string>;
  other: Record<Actor, string>;
}

interface Row {
  method: string;
  /** The route as the server registers it. */
  route: string;
  /** Which locker the :id is: the actor's own, or one paired to someone else. */
  target?: 'own' | 'other';
  path?: (w: World, actor: Actor) => string;
  body?: (w: World, actor: Actor) => unknown;
  raw?: () => Promise<Uint8Array>;
  expect: Expect;
  /** When only some actors can be tried without spoiling the world for the next rows. */
  actors?: readonly Actor[];
  why?: string;
}

const all = (status: number): Expect => ({ anonymous: status, user: status, premium: status, admin: status });
const signedIn = (status: number): Expect => ({ anonymous: 401, user: status, premium: status, admin: status });
const adminOnly = (status: number): Expect => ({ anonymous: 401, user: 403, premium: 403, admin: status });
const tinyPng = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toBuffer();

/** Pairing needs the lockers online (SPEC §4): wait for both simulated ones. */
async function bothLockersOnline(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const report = (await (await fetch(`${url}/healthz`)).json()) as { lockersOnline: number };
    if (report.lockersOnline === 2) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the simulated lockers did not come online');
}

const ROWS: Row[] = [
  { method: 'GET', route: '/api/public-config', expect: all(200) },
  { method: 'GET', route: '/api/dev/outbox', expect: all(200), why: 'demo mode without SMTP only (mail.test.ts)' },
  { method: 'GET', route: '/api/me', expect: signedIn(200) },
  {
    method: 'PATCH',
    route: '/api/me',
    body: (_w, actor) => ({ name: `Matrice ${actor}` }),
    expect: signedIn(200),
    why: 'no id: acts on the signed-in person only',
  },
  {
    method: 'POST',
    route: '/api/me/premium',
    body: (_w, actor) => ({ premium: actor !== 'user' }),
    expect: signedIn(200),
    why: 'the demo self-toggle, on oneself only (DEMO_MODE)',
  },
  { method: 'PUT', route: '/api/me/photo', raw: tinyPng, expect: signedIn(200) },
  { method: 'GET', route: '/api/me/photo', expect: signedIn(200), why: 'one’s own photo; there is no id to change' },
  { method: 'DELETE', route: '/api/me/photo', expect: signedIn(200) },
  {
    method: 'DELETE',
    route: '/api/me',
    body: () => ({ password: 'not-the-password' }),
    expect: signedIn(403),
    why: 'erasure needs one’s own current password (invalid_password here)',
  },
  {
    method: 'POST',
    route: '/api/pairing',
    body: (w, actor) => ({ code: actor === 'premium' ? w.system.codes.school : w.system.codes.sport }),
    expect: signedIn(409),
    why: 'already paired (user, Premium) or the sport locker is someone else’s (admin)',
  },
  // Sport sessions (issue 6): the Premium member starts one, so the sport open below has one to open in.
  {
    method: 'POST',
    route: '/api/sessions',
    target: 'own',
    body: (w, actor) => ({ lockerId: w.own[actor] }),
    expect: { anonymous: 401, user: 409, premium: 201, admin: 403 },
    why: 'user: a school locker (not_sport_locker); admin: paired to nothing (not_paired)',
  },
  {
    method: 'POST',
    route: '/api/sessions',
    target: 'other',
    body: (w, actor) => ({ lockerId: w.other[actor] }),
    expect: { anonymous: 401, user: 403, premium: 403, admin: 403 },
    why: 'someone else’s locker: not_paired, whatever the role',
  },
  { method: 'GET', route: '/api/sessions/current', expect: signedIn(200), why: 'no id: one’s own session only' },
  {
    method: 'POST',
    route: '/api/sessions/current/open',
    expect: { anonymous: 401, user: 409, premium: 202, admin: 409 },
    why: 'no id: one’s own session only; the user and the administrator have none (no_active_session)',
  },
  {
    method: 'POST',
    route: '/api/lockers/:id/open',
    target: 'own',
    expect: { anonymous: 401, user: 409, premium: 202, admin: 403 },
    why: 'user: no active booking; admin: not paired (admin actions have their own routes)',
  },
  {
    method: 'POST',
    route: '/api/lockers/:id/open',
    target: 'other',
    expect: { anonymous: 401, user: 403, premium: 403, admin: 403 },
    why: 'someone else’s locker: not_paired, whatever the role',
  },
  {
    method: 'POST',
    route: '/api/lockers/:id/open',
    path: () => '/api/lockers/NO_SUCH_LOCKER/open',
    expect: { anonymous: 401, user: 403, premium: 403, admin: 403 },
    why: 'an id that exists nowhere answers like someone else’s: no probing',
  },
  {
    method: 'POST',
    route: '/api/sessions/current/end',
    body: () => ({}),
    expect: { anonymous: 401, user: 409, premium: 200, admin: 409 },
    why: 'no id: ends one’s own session only (and releases the Premium member’s pairing)',
  },
  {
    method: 'POST',
    route: '/api/admin/lockers/:id/force-free',
    target: 'other',
    body: () => ({ reason: 'matrix' }),
    expect: adminOnly(200),
    why: 'the sport locker’s session was ended just above: nothing to free, { ended: null } (adminFleet.test.ts frees one)',
  },
  { method: 'GET', route: '/api/history', expect: signedIn(200), why: 'no id: one’s own history only' },
  { method: 'GET', route: '/api/history.csv', expect: signedIn(200), why: 'no id: one’s own history only' },
  { method: 'GET', route: '/api/admin/history.csv', expect: adminOnly(200), why: 'every member’s history' },
  // School bookings and payments (issue 5; bookings.test.ts checks someone else's booking answers 404).
  {
    method: 'GET',
    route: '/api/bookings/calendar',
    expect: { anonymous: 401, user: 200, premium: 403, admin: 403 },
    why: 'one’s own paired school locker only (Premium’s pairing ended with the session above; admin: none)',
  },
  { method: 'GET', route: '/api/bookings', expect: signedIn(200), why: 'no id: one’s own bookings only' },
  {
    method: 'POST',
    route: '/api/bookings',
    body: () => ({ date: '2000-01-01', startHour: 10, durationHours: 1 }),
    expect: { anonymous: 401, user: 400, premium: 403, admin: 403 },
    why: 'books one’s own paired locker only; the date is past so nothing is held',
  },
  {
    method: 'GET',
    route: '/api/bookings/:id',
    path: () => `/api/bookings/${randomUUID()}`,
    expect: signedIn(404),
    why: 'a booking that is not one’s own answers like one that does not exist',
  },
  {
    method: 'POST',
    route: '/api/bookings/:id/cancel',
    path: () => `/api/bookings/${randomUUID()}/cancel`,
    expect: signedIn(404),
  },
  {
    method: 'POST',
    route: '/api/bookings/:id/extend',
    path: () => `/api/bookings/${randomUUID()}/extend`,
    expect: signedIn(404),
  },
  {
    method: 'POST',
    route: '/api/payments/confirm',
    body: () => ({ sessionId: 'cs_test_not_yours' }),
    expect: signedIn(200),
    why: 'answers {paid: false} for any session that is not one’s own and paid',
  },
  {
    method: 'POST',
    route: '/webhooks/stripe',
    body: () => ({ id: 'evt_forged', type: 'checkout.session.completed' }),
    expect: all(400),
    why: 'no cookie counts: only a valid Stripe signature is accepted',
  },
  {
    method: 'POST',
    route: '/api/admin/lockers/:id/release-bookings',
    target: 'other',
    expect: adminOnly(200),
    why: 'takes a locker out of service, refunding its bookings',
  },
  // Web Push (booking reminders): subscriptions belong to the signed-in person.
  { method: 'GET', route: '/api/push/config', expect: signedIn(200) },
  {
    method: 'POST',
    route: '/api/push/subscriptions',
    body: (_w, actor) => ({
      endpoint: `https://push.example.org/matrix-${actor}`,
      keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
    }),
    expect: signedIn(201),
  },
  {
    method: 'DELETE',
    route: '/api/push/subscriptions',
    body: (_w, actor) => ({ endpoint: `https://push.example.org/matrix-${actor}` }),
    expect: signedIn(204),
    why: 'removes only the person’s own subscription for that endpoint',
  },
  { method: 'GET', route: '/api/events', expect: signedIn(200), why: 'only the person’s own locker (see below)' },
  { method: 'GET', route: '/api/admin/badges', expect: adminOnly(200) },
  {
    method: 'POST',
    route: '/api/admin/badges',
    body: () => ({ uid: `0B${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()}`, label: 'Matrice' }),
    expect: adminOnly(201),
  },
  {
    method: 'DELETE',
    route: '/api/admin/badges/:id',
    path: () => `/api/admin/badges/${randomUUID()}`,
    expect: adminOnly(404),
  },
  {
    method: 'POST',
    route: '/api/admin/lockers/:id/reset-lockdown',
    target: 'other',
    expect: adminOnly(200),
    why: 'answers once the locker acknowledged the reset',
  },
  // Alarms and the audit trail (issue 10).
  { method: 'GET', route: '/api/admin/lockers/:id', target: 'other', expect: adminOnly(200), why: 'a locker’s page' },
  { method: 'GET', route: '/api/admin/alarms', expect: adminOnly(200) },
  {
    method: 'POST',
    route: '/api/admin/alarms/:id/acknowledge',
    path: () => `/api/admin/alarms/${randomUUID()}/acknowledge`,
    body: () => ({ note: 'matrix' }),
    expect: adminOnly(404),
  },
  {
    method: 'POST',
    route: '/api/admin/alarms/:id/clear',
    path: () => `/api/admin/alarms/${randomUUID()}/clear`,
    body: () => ({}),
    expect: adminOnly(404),
  },
  { method: 'GET', route: '/api/admin/audit', expect: adminOnly(200) },
  { method: 'GET', route: '/api/admin/audit.csv', expect: adminOnly(200) },
  { method: 'GET', route: '/api/admin/audit/verify', expect: adminOnly(200) },
  { method: 'GET', route: '/api/me/notifications', expect: signedIn(200), why: 'one’s own settings only' },
  {
    method: 'PUT',
    route: '/api/me/notifications/:kind',
    path: () => '/api/me/notifications/door_left_open',
    body: () => ({ muted: false }),
    expect: signedIn(200),
    why: 'one’s own settings only',
  },
  { method: 'POST', route: '/api/admin/lockers', body: () => ({}), expect: adminOnly(400) },
  // The admin panel (issue 11, docs/admin-api.md): ids that exist nowhere, so the world stays as it is.
  { method: 'GET', route: '/api/admin/overview', expect: adminOnly(200) },
  { method: 'GET', route: '/api/admin/users', expect: adminOnly(200) },
  ...(['premium', 'role', 'unpair', 'erase'] as const).map(
    (action): Row => ({
      method: 'POST',
      route: `/api/admin/users/:id/${action}`,
      path: () => `/api/admin/users/nobody-${randomUUID()}/${action}`,
      body: () => ({ premium: true, role: 'admin', reason: 'matrix' }),
      expect: adminOnly(404),
      why: 'unknown_user (adminUsers.test.ts acts on real people)',
    }),
  ),
  { method: 'GET', route: '/api/admin/sites', expect: adminOnly(200) },
  { method: 'POST', route: '/api/admin/sites', body: () => ({}), expect: adminOnly(400) },
  {
    method: 'PATCH',
    route: '/api/admin/sites/:id',
    path: () => `/api/admin/sites/${randomUUID()}`,
    body: () => ({ reason: 'matrix' }),
    expect: adminOnly(404),
  },
  {
    method: 'POST',
    route: '/api/admin/sites/:id/decommission',
    path: () => `/api/admin/sites/${randomUUID()}/decommission`,
    body: () => ({ reason: 'matrix' }),
    expect: adminOnly(404),
  },
  { method: 'GET', route: '/api/admin/lockers', expect: adminOnly(200) },
  ...(['maintenance-open', 'out-of-service', 'decommission'] as const).map(
    (action): Row => ({
      method: 'POST',
      route: `/api/admin/lockers/:id/${action}`,
      path: () => `/api/admin/lockers/NOPE_404/${action}`,
      body: () => ({ reason: 'matrix' }),
      expect: adminOnly(404),
      why: 'unknown_locker (adminFleet.test.ts acts on real lockers)',
    }),
  ),
  {
    method: 'PATCH',
    route: '/api/admin/lockers/:id',
    path: () => '/api/admin/lockers/NOPE_404',
    body: () => ({ name: 'x', reason: 'matrix' }),
    expect: adminOnly(404),
  },
  {
    method: 'POST',
    route: '/api/admin/lockers/:id/in-service',
    target: 'other',
    body: () => ({ reason: 'matrix' }),
    expect: adminOnly(200),
    why: 'already in service: nothing changes but the audit row',
  },
  {
    method: 'GET',
    route: '/api/admin/revenue',
    path: () => '/api/admin/revenue?from=2026-01-01&to=2026-01-31',
    expect: adminOnly(200),
  },
  ...(['bundle.json', 'bundle.svg', 'sticker.svg', 'sticker.pdf'] as const).map(
    (file): Row => ({
      method: 'GET',
      route: `/api/admin/lockers/:id/${file}`,
      target: 'other',
      expect: adminOnly(200),
    }),
  ),
  {
    method: 'GET',
    route: '/api/admin/stickers.pdf',
    path: (w, actor) => `/api/admin/stickers.pdf?ids=${w.other[actor]}`,
    expect: adminOnly(200),
  },
  {
    method: 'POST',
    route: '/api/admin/lockers/:id/rotate-secret',
    path: () => '/api/admin/lockers/NOPE_404/rotate-secret',
    body: () => ({}),
    expect: adminOnly(404),
  },
  {
    method: 'GET',
    route: '/api/dev/workbench',
    expect: signedIn(200),
    why: 'the simulated lockers’ bench (SIMULATED_LOCKERS only): any signed-in person',
  },
  {
    method: 'POST',
    route: '/api/dev/workbench/lockers/:id/door',
    target: 'other',
    body: () => ({ state: 'closed' }),
    expect: signedIn(200),
    why: 'simulated hardware, not an account’s resource',
  },
  {
    method: 'POST',
    route: '/api/dev/workbench/lockers/:id/object',
    target: 'other',
    body: () => ({ present: false }),
    expect: signedIn(200),
  },
  {
    method: 'POST',
    route: '/api/dev/workbench/lockers/:id/badge',
    target: 'other',
    body: () => ({ uid: '0AFFFFFFFF' }),
    expect: signedIn(200),
  },
  {
    method: 'POST',
    route: '/api/dev/workbench/lockers/:id/network',
    target: 'other',
    body: () => ({ connected: true }),
    expect: signedIn(200),
  },
  { method: 'GET', route: '/api/dev/workbench/events', expect: signedIn(200) },
  // better-auth's routes the web app uses, and the ones switched off.
  { method: 'GET', route: '/api/auth/get-session', expect: all(200) },
  { method: 'GET', route: '/api/auth/list-sessions', expect: signedIn(200), why: 'one’s own sessions only' },
  { method: 'GET', route: '/api/auth/list-accounts', expect: signedIn(200), why: 'one’s own sign-in methods only' },
  {
    method: 'POST',
    route: '/api/auth/revoke-session',
    target: 'other',
    body: (w, actor) => ({ token: sessionToken(w.as[actor === 'premium' ? 'user' : 'premium']) }),
    expect: signedIn(200),
    why: 'someone else’s session token: answered, but nothing is revoked (checked below)',
  },
  {
    method: 'POST',
    route: '/api/auth/change-email',
    body: () => ({ newEmail: uniqueEmail('x') }),
    expect: { ...all(0), anonymous: 401 },
  },
  {
    method: 'POST',
    route: '/api/auth/change-password',
    body: () => ({ currentPassword: 'not-the-password', newPassword: 'matrix-new-pass-1' }),
    expect: { ...all(0), anonymous: 401 },
  },
  {
    method: 'POST',
    route: '/api/auth/revoke-sessions',
    body: () => ({}),
    expect: { ...all(0), anonymous: 401 },
    actors: ['anonymous'],
    why: 'signed in, it works on one’s own sessions (auth.test.ts)',
  },
  { method: 'POST', route: '/api/auth/update-user', body: () => ({ name: 'Hacker', image: 'x' }), expect: all(404) },
  { method: 'POST', route: '/api/auth/delete-user', body: () => ({}), expect: all(404) },
  { method: 'POST', route: '/api/auth/unlink-account', body: () => ({ providerId: 'credential' }), expect: all(404) },
  { method: 'POST', route: '/api/auth/link-social', body: () => ({ provider: 'google' }), expect: all(404) },
  { method: 'POST', route: '/api/auth/send-verification-email', body: () => ({ email: 'a@b.c' }), expect: all(404) },
  // Last: it changes the world (the user and the Premium member lose their pairing).
  { method: 'DELETE', route: '/api/pairing', expect: signedIn(204), why: 'no id: ends one’s own pairing only' },
];

/** Routes outside the matrix on purpose: public, not per person, or better-auth's catch-all. */
const OUTSIDE = new Set(['GET /healthz', 'GET /metrics', 'GET /*', 'GET /api/auth/*', 'POST /api/auth/*']);
/** better-auth routes the HTTP layer mounts by name (rate limits), covered in auth.test.ts. */
const LIMITED_AUTH = new Set([
  'POST /api/auth/sign-in/email',
  'POST /api/auth/sign-up/email',
  'POST /api/auth/request-password-reset',
  'POST /api/auth/sign-in/oauth2',
]);

describe.each(databaseBackends())('authorization matrix on $name', (db: DatabaseBackend) => {
  const world = {} as World;

  beforeAll(async () => {
    const system = await startTestSystem(db, EMBEDDED_BROKER);
    world.system = system;
    await bothLockersOnline(system.url);
    // Doors stay shut: the session's End row must not depend on when the simulated person closes one.
    for (const agent of system.agents) if (agent.hal instanceof SimulatedHal) agent.hal.setAutoPerson(false);
    const admin = system.demoAccounts.find((a) => a.role === 'admin');
    if (!admin) throw new Error('no demo administrator');
    const as = {
      anonymous: new TestBrowser(system.url),
      user: new TestBrowser(system.url),
      premium: new TestBrowser(system.url),
      admin: new TestBrowser(system.url),
    };
    await as.user.signUp(uniqueEmail('matrix-user'), GOOD_PASSWORD, 'Utilisatrice');
    await as.premium.signUp(uniqueEmail('matrix-premium'), GOOD_PASSWORD, 'Premium');
    expect((await as.premium.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    expect(await as.admin.signIn(admin.email, admin.password)).toBe(200);
    expect((await as.user.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    expect((await as.premium.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    world.as = as;
    const { school, sport } = system.lockerIds;
    world.own = { anonymous: school, user: school, premium: sport, admin: school };
    world.other = { anonymous: sport, user: sport, premium: school, admin: sport };
  });
  afterAll(async () => {
    await world.system?.dispose();
  });

  it('has a row for every route the server serves', () => {
    const covered = new Set(ROWS.map((r) => `${r.method} ${r.route}`));
    const missing = world.system.httpRoutes
      .map((r) => `${r.method} ${r.path}`)
      .filter((r) => !OUTSIDE.has(r) && !LIMITED_AUTH.has(r) && !covered.has(r));
    expect(missing, 'add these routes to the authorization matrix').toEqual([]);
  });

  it.each(ROWS.map((row) => [`${row.method} ${row.route}${row.target ? ` (${row.target})` : ''}`, row] as const))(
    '%s',
    async (_name, row) => {
      const actual: Partial<Record<Actor, number>> = {};
      const expected: Partial<Record<Actor, number>> = {};
      for (const actor of row.actors ?? ACTORS) {
        const id = row.target === 'other' ? world.other[actor] : world.own[actor];
        const path = row.path ? row.path(world, actor) : row.route.replace(':id', id);
        const browser = world.as[actor];
        let status: number;
        if (row.raw) {
          const response = await fetch(new URL(path, world.system.url), {
            method: row.method,
            headers: { origin: new URL(world.system.url).origin, cookie: browser.cookieHeader },
            body: await row.raw(),
          });
          status = response.status;
        } else if (path.endsWith('/events')) {
          const controller = new AbortController();
          const response = await fetch(new URL(path, world.system.url), {
            headers: { cookie: browser.cookieHeader, accept: 'text/event-stream' },
            signal: controller.signal,
          });
          status = response.status;
          controller.abort();
        } else {
          status = (await browser.request(row.method, path, row.body?.(world, actor))).status;
        }
        actual[actor] = status;
        // 0 = "not an authorization refusal": anything but 401/403 (the endpoint itself answers).
        expected[actor] = row.expect[actor] === 0 && status !== 401 && status !== 403 ? status : row.expect[actor];
      }
      expect(actual, row.why).toEqual(expected);
    },
  );

  it('never lets a session token of someone else revoke their session', async () => {
    // The revoke-session row sent other people's tokens: they are all still signed in.
    for (const actor of ['user', 'premium', 'admin'] as const) {
      expect((await world.as[actor].json('GET', '/api/me')).status, actor).toBe(200);
    }
  });
});

describe('one person, someone else’s data', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(databaseBackends()[0] as DatabaseBackend, EMBEDDED_BROKER);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('never serves someone else’s photo, whatever the URL', async () => {
    const alice = new TestBrowser(system.url);
    const bob = new TestBrowser(system.url);
    await alice.signUp(uniqueEmail('alice'), GOOD_PASSWORD, 'Alice');
    await bob.signUp(uniqueEmail('bob'), GOOD_PASSWORD, 'Bob');
    const png = await tinyPng();
    const put = await fetch(new URL('/api/me/photo', system.url), {
      method: 'PUT',
      headers: { origin: new URL(system.url).origin, cookie: alice.cookieHeader },
      body: png,
    });
    const { user } = (await put.json()) as { user: { id: string; image: string } };
    expect(put.status).toBe(200);
    // Bob uses Alice's exact photo URL, adds her id every way he can think of: he gets his own (none).
    for (const path of [
      user.image,
      `/api/me/photo?user=${user.id}`,
      `/api/me/photo?id=${user.id}&userId=${user.id}`,
      `/api/users/${user.id}/photo`,
      `/api/me/photo/${user.id}`,
    ]) {
      const response = await bob.request('GET', path);
      expect(response.headers.get('content-type') ?? '', path).not.toContain('image/');
      expect([401, 404], path).toContain(response.status);
    }
    expect((await new TestBrowser(system.url).request('GET', user.image)).status).toBe(401);
    expect((await alice.request('GET', user.image)).status).toBe(200);
  });

  it('streams only one’s own locker and one’s own commands', async () => {
    await bothLockersOnline(system.url);
    const owner = new TestBrowser(system.url);
    const watcher = new TestBrowser(system.url);
    await owner.signUp(uniqueEmail('owner'), GOOD_PASSWORD, 'Owner');
    await watcher.signUp(uniqueEmail('watcher'), GOOD_PASSWORD, 'Watcher');
    expect((await owner.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    expect((await owner.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    const controller = new AbortController();
    const stream = await fetch(new URL('/api/events', system.url), {
      headers: { cookie: watcher.cookieHeader, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const events = readSse(stream);
    const first = await waitForEvent(events, (e) => e.event === 'locker');
    expect(first.data).toBe('null');
    // The watcher cannot open the owner's locker, nor hear about it when the owner does.
    expect((await watcher.json('POST', `/api/lockers/${system.lockerIds.sport}/open`)).status).toBe(403);
    // SPEC §6: the owner's sport locker opens within a session; starting one sends the first open.
    expect((await owner.json('POST', '/api/sessions', { lockerId: system.lockerIds.sport })).status).toBe(201);
    await expect(waitForEvent(events, (e) => e.event !== 'ping', 3_000)).rejects.toThrow(/no matching event/);
    controller.abort();
  });
});
