import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brokerBackends,
  databaseBackends,
  EMBEDDED_BROKER,
  EMBEDDED_DATABASE,
} from '../../../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * The foundation slice end to end over real MQTT: sign up, pair the sport locker, open it (by
 * starting a session, SPEC §6), and see unlocked → open → closed pushed on the event stream. Runs
 * on every database backend (with the embedded broker) and on every broker backend (with PGlite).
 */
const combos = [
  ...databaseBackends().map((db) => ({ db, broker: EMBEDDED_BROKER })),
  ...brokerBackends()
    .slice(1)
    .map((broker) => ({ db: EMBEDDED_DATABASE, broker })),
];

describe.each(combos)('slice on $db.name + $broker.name', ({ db, broker }) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(db, broker);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('reports healthy with both simulated lockers online', async () => {
    let report: { status?: string; lockersOnline?: number } = {};
    for (let i = 0; i < 50 && report.lockersOnline !== 2; i++) {
      report = (await (await fetch(`${system.url}/healthz`)).json()) as typeof report;
      if (report.lockersOnline !== 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(report).toEqual({ status: 'ok', db: 'ok', broker: 'ok', lockersOnline: 2 });
  });

  it('lets a Premium member pair the sport locker and watch it open and close live', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`member-${Date.now()}@example.org`);
    expect((await browser.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);

    const paired = await browser.json<{ locker: { id: string; type: string } }>('POST', '/api/pairing', {
      code: system.codes.sport.toLowerCase(),
    });
    expect(paired.status).toBe(201);
    expect(paired.body.locker).toMatchObject({ id: system.lockerIds.sport, type: 'sport' });

    const stream = await browser.request('GET', '/api/events', undefined, { accept: 'text/event-stream' });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const events = readSse(stream);
    const first = await waitForEvent(events, (e) => e.event === 'locker');
    expect(JSON.parse(first.data)).toMatchObject({ id: system.lockerIds.sport, online: true, door: 'closed' });

    // SPEC §6: a sport locker opens within a session; starting one sends the first open.
    const opened = await browser.json<{ commandId: string }>('POST', '/api/sessions', {
      lockerId: system.lockerIds.sport,
    });
    expect(opened.status).toBe(201);

    // The acknowledgement and the `unlocked` state travel on different topics: either may come first.
    const lockerState = (e: { event: string; data: string }) => (e.event === 'locker' ? JSON.parse(e.data) : null);
    let ack: { commandId?: string; outcome?: string } | null = null;
    let unlocked = false;
    await waitForEvent(events, (e) => {
      if (e.event === 'command') ack = JSON.parse(e.data);
      if (lockerState(e)?.lock === 'unlocked') unlocked = true;
      return ack !== null && unlocked;
    });
    expect(ack).toMatchObject({ commandId: opened.body.commandId, outcome: 'accepted' });
    await waitForEvent(events, (e) => lockerState(e)?.door === 'open');
    const closed = await waitForEvent(events, (e) => lockerState(e)?.door === 'closed', 15_000);
    expect(lockerState(closed)).toMatchObject({ id: system.lockerIds.sport, online: true });
    await events.return(undefined);
  });

  it('refuses to open a sport locker for a member without Premium', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`plain-${Date.now()}@example.org`);
    const paired = await browser.json('POST', '/api/pairing', { code: system.codes.school });
    expect(paired.status).toBe(201);
    const open = await browser.json<{ error: { code: string } }>(
      'POST',
      `/api/lockers/${system.lockerIds.school}/open`,
    );
    expect(open.status).toBe(409);
    expect(open.body.error.code).toBe('no_active_booking');
  });
});
