import { SimulatedHal } from '@smartlocker/agent';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brokerBackends,
  databaseBackends,
  EMBEDDED_BROKER,
  EMBEDDED_DATABASE,
} from '../../../../test-support/backends';
import { readSse, type SseEvent, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { auditEvents } from '../../src/db/schema';
import { GOOD_PASSWORD, uniqueEmail } from './support/accounts';

/**
 * Sport sessions (SPEC §6, issue 6) through the HTTP API, over real MQTT and the simulated sport
 * locker: Premium checked before every action, start / open again / end, the door and the
 * distance sensor deciding whether End may go through, the grace open of a member who lost
 * Premium, the administrator's force-free, and a race of starts with one winner.
 *
 * One system per backend and one sport locker in it, so the scenarios run in order and each
 * ends its session (releasing the locker) before the next.
 */
const combos = [
  ...databaseBackends().map((db) => ({ db, broker: EMBEDDED_BROKER })),
  ...brokerBackends()
    .slice(1)
    .map((broker) => ({ db: EMBEDDED_DATABASE, broker })),
];

type ErrorBody = { error: { code: string; message: string } };
type SessionView = { id: string; lockerId: string; startedAt: string; graceOpenUsed: boolean };
type EndedView = SessionView & {
  endedAt: string;
  durationMinutes: number;
  endReason: string;
  objectLeftInside: boolean;
};
type LockerView = { id: string; online: boolean; door: string; lock: string; objectPresent: boolean | null };
type Me = {
  user: { id: string; premium: boolean };
  locker: LockerView | null;
  session: SessionView | null;
  stats: { sessions: number; minutes: number; spentCents: number };
};
type SessionState = { session: SessionView | null; stats: Me['stats'] };

describe.each(combos)('sport sessions on $db.name + $broker.name', ({ db, broker }) => {
  let system: TestSystem;
  let admin: TestBrowser;
  /** The member of the first two scenarios, whose session outlives the first. */
  let lea: TestBrowser;

  const sportAgent = () => {
    const agent = system.agents.find((a) => a.lockerId === system.lockerIds.sport);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error('no simulated sport locker');
    return { agent, hal: agent.hal };
  };

  async function me(browser: TestBrowser): Promise<Me> {
    const response = await browser.json<Me>('GET', '/api/me');
    expect(response.status).toBe(200);
    return response.body;
  }

  /** Waits until the server's view of the member's locker satisfies `predicate`. */
  async function serverSees(browser: TestBrowser, predicate: (locker: LockerView) => boolean, timeout = 10_000) {
    await expect
      .poll(
        async () => {
          const locker = (await me(browser)).locker;
          return locker !== null && predicate(locker);
        },
        { timeout },
      )
      .toBe(true);
  }

  /** The server's view of the sport locker, through the workbench (any signed-in person). */
  async function serverView(browser: TestBrowser): Promise<LockerView> {
    const bench = await browser.json<{ lockers: { id: string; locker: LockerView }[] }>('GET', '/api/dev/workbench');
    const card = bench.body.lockers.find((l) => l.id === system.lockerIds.sport);
    if (!card) throw new Error('the sport locker is not on the workbench');
    return card.locker;
  }

  /** Ends the member's session, saying why when the server refuses. */
  async function end(browser: TestBrowser, body?: unknown) {
    const ended = await browser.json<{ session: EndedView } & ErrorBody>('POST', '/api/sessions/current/end', body);
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    return ended.body.session;
  }

  /** A signed-up member paired with the sport locker, Premium unless told otherwise. */
  async function sportMember(prefix: string, premium = true) {
    const browser = new TestBrowser(system.url);
    await browser.signUp(uniqueEmail(prefix), GOOD_PASSWORD, `Sport ${prefix}`.slice(0, 40));
    if (premium) expect((await browser.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    expect((await browser.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    return browser;
  }

  beforeAll(async () => {
    system = await startTestSystem(db, broker);
    await Promise.all(system.agents.map((agent) => agent.waitUntilConnected()));
    // Doors move only when a test moves them.
    sportAgent().hal.setAutoPerson(false);
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    if (!account) throw new Error('no demo administrator');
    admin = new TestBrowser(system.url);
    expect(await admin.signIn(account.email, account.password)).toBe(200);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('refuses a member without Premium, then starts, opens again in the same session, and streams it', async () => {
    lea = await sportMember('lea', false);
    await serverSees(lea, (l) => l.online && l.door === 'closed');

    const refused = await lea.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.sport });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('premium_required');
    expect((await me(lea)).session).toBeNull();

    const stream = await lea.request('GET', '/api/events', undefined, { accept: 'text/event-stream' });
    const events = readSse(stream);
    const state = (e: SseEvent) => (e.event === 'session' ? (JSON.parse(e.data) as SessionState) : null);
    const initial = await waitForEvent(events, (e) => e.event === 'session');
    expect(state(initial)).toEqual({ session: null, stats: { sessions: 0, minutes: 0, spentCents: 0 } });

    expect((await lea.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    const started = await lea.json<{ session: SessionView; commandId: string }>('POST', '/api/sessions', {
      lockerId: system.lockerIds.sport,
    });
    expect(started.status).toBe(201);
    expect(started.body.commandId).toEqual(expect.any(String));
    expect(started.body.session).toMatchObject({ lockerId: system.lockerIds.sport, graceOpenUsed: false });
    // The start's open reaches the locker: its acknowledgement may come before or after the
    // session's own event (a fast broker and database answer before the session is streamed).
    const openAccepted = (e: SseEvent) => e.event === 'command' && JSON.parse(e.data).outcome === 'accepted';
    let accepted = false;
    const live = await waitForEvent(events, (e) => {
      if (openAccepted(e)) accepted = true;
      return state(e)?.session !== null && e.event === 'session';
    });
    expect(state(live)?.session?.id).toBe(started.body.session.id);
    if (!accepted) await waitForEvent(events, openAccepted);

    const current = await lea.json<{ session: SessionView }>('GET', '/api/sessions/current');
    expect(current.body.session.id).toBe(started.body.session.id);
    expect((await me(lea)).session?.id).toBe(started.body.session.id);

    // Open again: a new pulse, the same session. The generic open route does the same for sport.
    const again = await lea.json<{ commandId: string; graceOpen: boolean }>('POST', '/api/sessions/current/open');
    expect(again.status).toBe(202);
    expect(again.body.graceOpen).toBe(false);
    expect(again.body.commandId).not.toBe(started.body.commandId);
    const generic = await lea.json<{ commandId: string }>('POST', `/api/lockers/${system.lockerIds.sport}/open`);
    expect(generic.status).toBe(202);
    expect((await lea.json<{ session: SessionView }>('GET', '/api/sessions/current')).body.session.id).toBe(
      started.body.session.id,
    );

    // One session at a time, and the pairing is held while it runs.
    const second = await lea.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.sport });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('session_active');
    const unpair = await lea.json<ErrorBody>('DELETE', '/api/pairing');
    expect(unpair.status).toBe(409);
    expect(unpair.body.error.code).toBe('session_active');
    await events.return(undefined);
  });

  it('refuses End while the door is open, then ends once it is closed: logged, released, streamed', async () => {
    const { hal } = sportAgent();
    expect((await me(lea)).session).not.toBeNull();
    const stream = await lea.request('GET', '/api/events', undefined, { accept: 'text/event-stream' });
    const events = readSse(stream);
    await waitForEvent(events, (e) => e.event === 'locker');

    // A legitimate open, then the member pulls the door (inside the 15 s grace: no intrusion).
    const opened = await lea.json<{ commandId: string }>('POST', '/api/sessions/current/open');
    expect(opened.status).toBe(202);
    await waitForEvent(events, (e) => e.event === 'command' && JSON.parse(e.data).commandId === opened.body.commandId);
    hal.setDoor('open');
    await serverSees(lea, (l) => l.door === 'open');
    const refused = await lea.json<ErrorBody>('POST', '/api/sessions/current/end', {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('door_open');
    expect((await me(lea)).session).not.toBeNull();

    hal.setDoor('closed');
    await serverSees(lea, (l) => l.door === 'closed' && l.lock === 'locked');
    const ended = await lea.json<{ session: EndedView }>('POST', '/api/sessions/current/end');
    expect(ended.status).toBe(200);
    expect(ended.body.session).toMatchObject({ endReason: 'user', objectLeftInside: false });
    expect(Date.parse(ended.body.session.endedAt)).toBeGreaterThanOrEqual(Date.parse(ended.body.session.startedAt));

    const cleared = await waitForEvent(
      events,
      (e) => e.event === 'session' && (JSON.parse(e.data) as SessionState).session === null,
    );
    expect((JSON.parse(cleared.data) as SessionState).stats.sessions).toBe(1);
    await waitForEvent(events, (e) => e.event === 'locker' && e.data === 'null');
    await events.return(undefined);

    const after = await me(lea);
    expect(after.locker).toBeNull();
    expect(after.session).toBeNull();
    expect(after.stats.sessions).toBe(1);
    const history = await lea.json<{ entries: { type: string; endReason: string; endedAt: string | null }[] }>(
      'GET',
      '/api/history',
    );
    expect(history.body.entries).toEqual([
      expect.objectContaining({ type: 'sport', endReason: 'user', endedAt: ended.body.session.endedAt }),
    ]);
    // Ended means ended: nothing left to end or open.
    expect((await lea.json<ErrorBody>('POST', '/api/sessions/current/end')).body.error.code).toBe('no_active_session');
    expect((await lea.json<ErrorBody>('POST', '/api/sessions/current/open')).body.error.code).toBe('no_active_session');
  });

  it('lets the next member pair the released locker; End is refused while the locker is offline', async () => {
    const { agent } = sportAgent();
    const max = await sportMember('max');
    await serverSees(max, (l) => l.online);
    expect((await max.json('POST', '/api/sessions', { lockerId: system.lockerIds.sport })).status).toBe(201);

    agent.setNetwork(false);
    await serverSees(max, (l) => !l.online, 15_000);
    const refused = await max.json<ErrorBody>('POST', '/api/sessions/current/end');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('door_unknown');
    const open = await max.json<ErrorBody>('POST', '/api/sessions/current/open');
    expect(open.body.error.code).toBe('locker_offline');

    agent.setNetwork(true);
    await agent.waitUntilConnected(15_000);
    await serverSees(max, (l) => l.online && l.door === 'closed', 15_000);
    await end(max);
  });

  it('warns when the sensor still sees something inside, and ends once the member confirms', async () => {
    const { hal } = sportAgent();
    const zoe = await sportMember('zoe');
    expect((await zoe.json('POST', '/api/sessions', { lockerId: system.lockerIds.sport })).status).toBe(201);
    hal.setObjectPresent(true);
    await serverSees(zoe, (l) => l.objectPresent === true, 20_000);

    const warned = await zoe.json<ErrorBody>('POST', '/api/sessions/current/end', {});
    expect(warned.status).toBe(409);
    expect(warned.body.error.code).toBe('object_left_inside');
    expect((await me(zoe)).session).not.toBeNull();

    const ended = await zoe.json<{ session: EndedView }>('POST', '/api/sessions/current/end', {
      objectLeftConfirmed: true,
    });
    expect(ended.status).toBe(200);
    expect(ended.body.session.objectLeftInside).toBe(true);
    // Empty again, as the server sees it, for the next scenarios.
    hal.setObjectPresent(false);
    await expect.poll(async () => (await serverView(admin)).objectPresent, { timeout: 20_000 }).toBe(false);
  });

  it('lets a member who lost Premium open once to take their things out and end, but not start again', async () => {
    const ana = await sportMember('ana');
    expect((await ana.json('POST', '/api/sessions', { lockerId: system.lockerIds.sport })).status).toBe(201);
    expect((await ana.json('POST', '/api/me/premium', { premium: false })).status).toBe(200);

    const restart = await ana.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.sport });
    expect(restart.status).toBe(403);
    expect(restart.body.error.code).toBe('premium_required');

    const grace = await ana.json<{ graceOpen: boolean }>('POST', '/api/sessions/current/open');
    expect(grace.status).toBe(202);
    expect(grace.body.graceOpen).toBe(true);
    expect((await me(ana)).session?.graceOpenUsed).toBe(true);
    const again = await ana.json<ErrorBody>('POST', '/api/sessions/current/open');
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('grace_open_used');

    await serverSees(ana, (l) => l.door === 'closed');
    await end(ana);
    // Pairing needs no Premium; a session does.
    expect((await ana.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    const start = await ana.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.sport });
    expect(start.status).toBe(403);
    expect(start.body.error.code).toBe('premium_required');
    const open = await ana.json<ErrorBody>('POST', `/api/lockers/${system.lockerIds.sport}/open`);
    expect(open.status).toBe(409);
    expect(open.body.error.code).toBe('no_active_session');
    expect((await ana.json('DELETE', '/api/pairing')).status).toBe(204);
  });

  it("ends a member's session by an administrator's force-free, and refuses it to anyone else", async () => {
    const tom = await sportMember('tom');
    const started = await tom.json<{ session: SessionView }>('POST', '/api/sessions', {
      lockerId: system.lockerIds.sport,
    });
    expect(started.status).toBe(201);

    // An account cannot be erased with its things still inside the locker.
    const erase = await tom.json<ErrorBody>('DELETE', '/api/me', { password: GOOD_PASSWORD });
    expect(erase.status).toBe(409);
    expect(erase.body.error.code).toBe('session_active');
    expect((await me(tom)).session?.id).toBe(started.body.session.id);

    const path = `/api/admin/lockers/${system.lockerIds.sport}/force-free`;
    const byMember = await tom.json<ErrorBody>('POST', path);
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.code).toBe('admin_only');
    expect((await new TestBrowser(system.url).json('POST', path)).status).toBe(401);

    const freed = await admin.json<{ ended: string; refunded: boolean }>('POST', path, { reason: 'member gone' });
    expect(freed.status).toBe(200);
    expect(freed.body).toEqual({ ended: 'session', refunded: false });
    const after = await me(tom);
    expect(after.session).toBeNull();
    expect(after.locker).toBeNull();
    const history = await tom.json<{ entries: { endReason: string }[] }>('GET', '/api/history');
    expect(history.body.entries.map((e) => e.endReason)).toEqual(['admin']);

    // Issue 11 (docs/admin-api.md): nothing left to free is an answer, not an error.
    const again = await admin.json('POST', path, { reason: 'again' });
    expect([again.status, again.body]).toEqual([200, { ended: null, refunded: false }]);
    const unknown = await admin.json<ErrorBody>('POST', '/api/admin/lockers/NO_SUCH_LOCKER/force-free', {
      reason: 'x',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_locker');
  });

  it('lets exactly one of many concurrent starts win, and sends one open', async () => {
    const kim = await sportMember('kim');
    const starts = await Promise.all(
      Array.from({ length: 6 }, () =>
        kim.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.sport }),
      ),
    );
    const statuses = starts.map((s) => s.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of starts.filter((s) => s.status === 409)) {
      expect(refused.body.error.code).toBe('session_active');
    }
    const kimId = (await me(kim)).user.id;
    const opens = await system.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(auditEvents)
      .where(and(eq(auditEvents.actorId, kimId), eq(auditEvents.action, 'locker.open_requested')));
    expect(opens[0]?.n).toBe(1);
    await serverSees(kim, (l) => l.door === 'closed');
    await end(kim);
  });

  it('starts on the sport locker only, and only on the member’s own', async () => {
    const school = new TestBrowser(system.url);
    await school.signUp(uniqueEmail('school'), GOOD_PASSWORD, 'Élève');
    expect((await school.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    expect((await school.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    const onSchool = await school.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.school });
    expect(onSchool.status).toBe(409);
    expect(onSchool.body.error.code).toBe('not_sport_locker');
    const notMine = await school.json<ErrorBody>('POST', '/api/sessions', { lockerId: system.lockerIds.sport });
    expect(notMine.status).toBe(403);
    expect(notMine.body.error.code).toBe('not_paired');
    const bad = await school.json<ErrorBody>('POST', '/api/sessions', { lockerId: 'not an id' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_body');
  });
});
