import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { auditEvents } from '../../src/db/schema';
import { GOOD_PASSWORD, uniqueEmail } from './support/accounts';
import { lockersOnline, signedInAdmin } from './support/admin';

/**
 * Issue 11, "People": the administrators' list of people (search, sort, pages over 100,000 rows)
 * and what they do to one — Premium, role, force-unpair, erasure — each audited with its reason.
 */
type ErrorBody = { error: { code: string; message: string } };
interface AdminUser {
  id: string;
  name: string;
  email: string;
  role: 'user' | 'admin';
  premium: boolean;
  createdAt: string;
  sessions: number;
  revenueCents: number;
  locker: { id: string; name: string } | null;
}
interface UsersPage {
  users: AdminUser[];
  total: number;
  page: number;
  pageSize: number;
  totals: { revenueCents: number };
}

const BULK = 100_000;

describe.each(databaseBackends())('the administrators’ people on $name', (db: DatabaseBackend) => {
  let system: TestSystem;
  let admin: TestBrowser;
  let adminId: string;

  beforeAll(async () => {
    system = await startTestSystem(db, EMBEDDED_BROKER);
    ({ browser: admin, id: adminId } = await signedInAdmin(system));
    await lockersOnline(system.url);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  async function person(prefix: string): Promise<{ browser: TestBrowser; id: string; email: string }> {
    const browser = new TestBrowser(system.url);
    const email = uniqueEmail(prefix);
    await browser.signUp(email, GOOD_PASSWORD, `Personne ${prefix}`);
    const id = (await browser.json<{ user: { id: string } }>('GET', '/api/me')).body.user.id;
    return { browser, id, email };
  }

  async function auditOf(action: string, subjectUserId: string) {
    return system.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.subjectUserId, subjectUserId)));
  }

  it('refuses every people route to a member with 403 admin_only', async () => {
    const member = await person('nosy');
    for (const [method, path, body] of [
      ['GET', '/api/admin/users', undefined],
      ['POST', `/api/admin/users/${member.id}/premium`, { premium: true, reason: 'me' }],
      ['POST', `/api/admin/users/${member.id}/role`, { role: 'admin', reason: 'me' }],
      ['POST', `/api/admin/users/${adminId}/erase`, { reason: 'coup' }],
    ] as const) {
      const answer = await member.browser.json<ErrorBody>(method, path, body);
      expect(answer.status, path).toBe(403);
      expect(answer.body.error.code).toBe('admin_only');
    }
    expect((await admin.json<AdminUser>('GET', `/api/admin/users?q=${member.email}`)).status).toBe(200);
  });

  it('grants and revokes Premium, auditing each with its reason', async () => {
    const lea = await person('lea');
    const granted = await admin.json<{ user: AdminUser }>('POST', `/api/admin/users/${lea.id}/premium`, {
      premium: true,
      reason: 'club member',
    });
    expect(granted.status).toBe(200);
    expect(granted.body.user).toMatchObject({ id: lea.id, email: lea.email, premium: true, locker: null });
    expect((await lea.browser.json<{ user: { premium: boolean } }>('GET', '/api/me')).body.user.premium).toBe(true);
    const revoked = await admin.json<{ user: AdminUser }>('POST', `/api/admin/users/${lea.id}/premium`, {
      premium: false,
      reason: 'left the club',
    });
    expect(revoked.body.user.premium).toBe(false);
    const [grant] = await auditOf('user.premium_granted', lea.id);
    expect(grant).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'club member' } });
    const [revoke] = await auditOf('user.premium_revoked', lea.id);
    expect(revoke?.data).toMatchObject({ reason: 'left the club' });

    const unknown = await admin.json<ErrorBody>('POST', '/api/admin/users/no-such-person/premium', {
      premium: true,
      reason: 'x',
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_user']);
    for (const body of [{ premium: 'yes', reason: 'x' }, { premium: true }, { premium: true, reason: '' }]) {
      const bad = await admin.json<ErrorBody & { error: { details: { fields: unknown[] } } }>(
        'POST',
        `/api/admin/users/${lea.id}/premium`,
        body,
      );
      expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
      expect(bad.body.error.details.fields.length).toBeGreaterThan(0);
    }
  });

  it('makes and unmakes administrators, and never demotes the last one', async () => {
    const max = await person('max');
    const made = await admin.json<{ user: AdminUser }>('POST', `/api/admin/users/${max.id}/role`, {
      role: 'admin',
      reason: 'new operator',
    });
    expect(made.body.user.role).toBe('admin');
    // Max is an administrator now: the panel's routes answer him.
    expect((await max.browser.json('GET', '/api/admin/users')).status).toBe(200);
    const unmade = await admin.json<{ user: AdminUser }>('POST', `/api/admin/users/${max.id}/role`, {
      role: 'user',
      reason: 'left',
    });
    expect(unmade.body.user.role).toBe('user');
    expect((await max.browser.json('GET', '/api/admin/users')).status).toBe(403);
    const audit = await auditOf('user.role_changed', max.id);
    expect(audit.map((a) => a.data)).toEqual([
      expect.objectContaining({ role: 'admin', reason: 'new operator' }),
      expect.objectContaining({ role: 'user', reason: 'left' }),
    ]);

    // The demo administrator is the only one left.
    const last = await admin.json<ErrorBody>('POST', `/api/admin/users/${adminId}/role`, { role: 'user', reason: 'x' });
    expect([last.status, last.body.error.code]).toEqual([409, 'last_admin']);
    expect((await admin.json('GET', '/api/admin/users')).status).toBe(200);
  });

  it('lets exactly one of two administrators demoting each other at once succeed', async () => {
    const a = await person('duel-a');
    const b = await person('duel-b');
    for (const p of [a, b]) {
      await admin.json('POST', `/api/admin/users/${p.id}/role`, { role: 'admin', reason: 'duel' });
    }
    // The demo administrator steps down first, leaving a and b.
    const maxDemo = await admin.json('POST', `/api/admin/users/${a.id}/role`, { role: 'admin', reason: 'again' });
    expect(maxDemo.status).toBe(200);
    const stepDown = await a.browser.json('POST', `/api/admin/users/${adminId}/role`, { role: 'user', reason: 'rest' });
    expect(stepDown.status).toBe(200);
    const [ab, ba] = await Promise.all([
      a.browser.json<ErrorBody>('POST', `/api/admin/users/${b.id}/role`, { role: 'user', reason: 'duel' }),
      b.browser.json<ErrorBody>('POST', `/api/admin/users/${a.id}/role`, { role: 'user', reason: 'duel' }),
    ]);
    const statuses = [ab.status, ba.status].sort();
    // The loser is refused either as the last administrator, or because they are no longer one.
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const admins = await system.database.db.execute(sql`select count(*)::int as n from users where role = 'admin'`);
    expect((admins as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(1);
    // Put the demo administrator back for the next tests, through whoever is still in charge.
    const still = ab.status === 200 ? a : b;
    expect(
      (await still.browser.json('POST', `/api/admin/users/${adminId}/role`, { role: 'admin', reason: 'back' })).status,
    ).toBe(200);
  });

  it('force-unpairs a person, and refuses while a sport session runs', async () => {
    const sam = await person('sam');
    expect((await sam.browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    const listed = await admin.json<UsersPage>('GET', `/api/admin/users?q=${encodeURIComponent(sam.email)}`);
    expect(listed.body.users[0]?.locker).toEqual({ id: system.lockerIds.school, name: 'Casier école test' });
    const unpaired = await admin.json<{ user: AdminUser }>('POST', `/api/admin/users/${sam.id}/unpair`, {
      reason: 'lost card',
    });
    expect(unpaired.status).toBe(200);
    expect(unpaired.body.user.locker).toBeNull();
    expect((await sam.browser.json<{ locker: unknown }>('GET', '/api/me')).body.locker).toBeNull();
    const [audit] = await auditOf('pairing.force_unpaired', sam.id);
    expect(audit).toMatchObject({ lockerId: system.lockerIds.school, data: { reason: 'lost card' } });
    const again = await admin.json<ErrorBody>('POST', `/api/admin/users/${sam.id}/unpair`, { reason: 'again' });
    expect([again.status, again.body.error.code]).toEqual([409, 'not_paired']);

    const zoe = await person('zoe');
    await admin.json('POST', `/api/admin/users/${zoe.id}/premium`, { premium: true, reason: 'sport' });
    expect((await zoe.browser.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    expect((await zoe.browser.json('POST', '/api/sessions', { lockerId: system.lockerIds.sport })).status).toBe(201);
    const running = await admin.json<ErrorBody>('POST', `/api/admin/users/${zoe.id}/unpair`, { reason: 'x' });
    expect([running.status, running.body.error.code]).toEqual([409, 'session_active']);
  });

  it('erases a person’s data through the account erasure, never the administrator’s own', async () => {
    const eve = await person('eve');
    const self = await admin.json<ErrorBody>('POST', `/api/admin/users/${adminId}/erase`, { reason: 'oops' });
    expect([self.status, self.body.error.code]).toEqual([409, 'cannot_erase_self']);
    const erased = await admin.request('POST', `/api/admin/users/${eve.id}/erase`, { reason: 'asked by mail' });
    expect(erased.status).toBe(204);
    expect((await eve.browser.json('GET', '/api/me')).status).toBe(401);
    const [audit] = await auditOf('account.erased_by_admin', eve.id);
    expect(audit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'asked by mail' } });
    const gone = await admin.json<ErrorBody>('POST', `/api/admin/users/${eve.id}/erase`, { reason: 'again' });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'unknown_user']);
  });

  it('searches, sorts and pages 100,000 people with exact totals', { timeout: 300_000 }, async () => {
    // Inserted in one statement, as an import would; the triggers give each their user_stats row.
    await system.database.db.execute(sql`
      INSERT INTO users (id, name, email, premium, created_at, updated_at)
      SELECT 'bulk-' || lpad(n::text, 6, '0'), 'Bulk ' || lpad(n::text, 6, '0'),
             'bulk' || lpad(n::text, 6, '0') || '@bulk.test', n % 10 = 0,
             timestamptz '2020-01-01 00:00:00+00' + n * interval '1 minute', now()
      FROM generate_series(1, ${BULK}) AS n`);
    // Revenue and sessions are kept by triggers from payments and bookings; set a few directly.
    await system.database.db.execute(sql`
      UPDATE user_stats SET revenue_cents = 1000 + n, sessions = n
      FROM generate_series(1, 5) AS n WHERE user_id = 'bulk-' || lpad((n * 1000)::text, 6, '0')`);

    // The browser's keep-alive connection sat idle through the insert; the server may have closed it.
    await admin.json('GET', '/api/me').catch(() => undefined);
    const page = async (query: string) => {
      const answer = await admin.json<UsersPage>('GET', `/api/admin/users?${query}`);
      expect(answer.status, query).toBe(200);
      return answer.body;
    };
    const byEmail = await page('q=bulk.test&sort=email&dir=asc&page=3&pageSize=100');
    expect(byEmail.total).toBe(BULK);
    expect(byEmail.users).toHaveLength(100);
    expect(byEmail.users[0]?.email).toBe('bulk000201@bulk.test');
    expect(byEmail.users[99]?.email).toBe('bulk000300@bulk.test');

    const newest = await page('q=BULK.TEST&sort=created&dir=desc&pageSize=25');
    expect(newest.users.map((u) => u.id).slice(0, 2)).toEqual(['bulk-100000', 'bulk-099999']);
    const lastPage = await page('q=bulk.test&sort=created&dir=desc&page=4000&pageSize=25');
    expect(lastPage.users.map((u) => u.id).at(-1)).toBe('bulk-000001');
    expect(await page('q=bulk.test&page=4001&pageSize=25')).toMatchObject({ users: [], total: BULK });

    const byName = await page('q=bulk&sort=name&dir=desc&pageSize=1');
    expect(byName.users[0]?.name).toBe('Bulk 100000');
    const search = await page('q=bulk04242');
    expect(search.total).toBe(10);
    expect(search.users.map((u) => u.email).sort()[0]).toBe('bulk042420@bulk.test');

    const premium = await page('q=bulk.test&premium=true&pageSize=100&page=100');
    expect(premium.total).toBe(BULK / 10);
    expect(premium.users.every((u) => u.premium)).toBe(true);
    const plain = await page('q=bulk.test&premium=false&role=user&pageSize=1');
    expect(plain.total).toBe(BULK - BULK / 10);

    const richest = await page('q=bulk.test&sort=revenue&dir=desc&pageSize=5');
    expect(richest.users.map((u) => [u.id, u.revenueCents, u.sessions])).toEqual([
      ['bulk-005000', 1005, 5],
      ['bulk-004000', 1004, 4],
      ['bulk-003000', 1003, 3],
      ['bulk-002000', 1002, 2],
      ['bulk-001000', 1001, 1],
    ]);
    expect(richest.totals.revenueCents).toBe(1001 + 1002 + 1003 + 1004 + 1005);
    const busiest = await page('q=bulk.test&sort=sessions&dir=asc&page=1&pageSize=1');
    expect(busiest.users[0]?.sessions).toBe(0);
    // Past the five with money, everyone has 0 cents: ties come in id order, deep pages included.
    const ties = await page('q=bulk.test&sort=revenue&dir=desc&page=2001&pageSize=25');
    // Offsets 50,000 to 50,024: the five come first, so these are the 49,996th to 50,020th newest ids.
    expect(ties.users.map((u) => u.id)).toEqual(
      Array.from({ length: 25 }, (_, i) => `bulk-${String(50_005 - i).padStart(6, '0')}`),
    );

    // Unfiltered, the pager's totals are read from user_stats alone: the same people and money.
    const everyone = await page('pageSize=1&sort=created&dir=asc');
    const counted = (await system.database.db.execute(sql`
      SELECT count(*)::int AS n, coalesce(sum(s.revenue_cents), 0)::int AS cents
      FROM users u JOIN user_stats s ON s.user_id = u.id`)) as unknown as { rows: { n: number; cents: number }[] };
    expect([everyone.total, everyone.totals.revenueCents]).toEqual([counted.rows[0]?.n, counted.rows[0]?.cents]);

    // A literal % or _ in the search is not a wildcard.
    expect((await page('q=bulk_0')).total).toBe(0);
    for (const bad of ['pageSize=0', 'pageSize=101', 'page=0', 'sort=age', 'dir=up', 'premium=maybe', 'role=root']) {
      const refused = await admin.json<ErrorBody>('GET', `/api/admin/users?${bad}`);
      expect([refused.status, refused.body.error.code], bad).toEqual([400, 'invalid_request']);
    }
  });
});
