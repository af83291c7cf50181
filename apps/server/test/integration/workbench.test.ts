import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { readSse, type SseEvent, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import type { WorkbenchLocker } from '../../src/http/devRoutes';

/**
 * The workbench (issue 3, "Simulator"): hands on the simulated lockers' hardware over HTTP, and
 * both sides of each change live on its event stream — the simulator's physical fact at once,
 * then the server's view once the locker has reported it over MQTT.
 */
type ErrorBody = { error: { code: string } };

describe('workbench', () => {
  let system: TestSystem;
  let person: TestBrowser;
  let events: AsyncGenerator<SseEvent>;

  const card = (event: SseEvent): WorkbenchLocker | null =>
    event.event === 'workbench' ? (JSON.parse(event.data) as WorkbenchLocker) : null;

  /** Waits for a card of `id` on the stream that satisfies `predicate`. */
  function waitForCard(id: string, predicate: (c: WorkbenchLocker) => boolean, timeoutMs = 10_000) {
    return waitForEvent(
      events,
      (e) => {
        const c = card(e);
        return c !== null && c.id === id && predicate(c);
      },
      timeoutMs,
    ).then((e) => card(e) as WorkbenchLocker);
  }

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    await Promise.all(system.agents.map((agent) => agent.waitUntilConnected()));
    person = new TestBrowser(system.url);
    await person.signUp(`bench-${randomUUID()}@example.org`);
    const stream = await person.request('GET', '/api/dev/workbench/events', undefined, {
      accept: 'text/event-stream',
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    events = readSse(stream);
  });
  afterAll(async () => {
    await events?.return(undefined);
    await system?.dispose();
  });

  it('is for signed-in people and lists the simulated lockers with both views', async () => {
    expect((await fetch(`${system.url}/api/dev/workbench`)).status).toBe(401);
    const list = await person.json<{ lockers: WorkbenchLocker[] }>('GET', '/api/dev/workbench');
    expect(list.status).toBe(200);
    expect(list.body.lockers.map((l) => l.id)).toEqual([system.lockerIds.school, system.lockerIds.sport]);
    const sport = list.body.lockers[1];
    expect(sport?.locker).toMatchObject({ id: system.lockerIds.sport, type: 'sport' });
    expect(sport?.hardware).toMatchObject({
      lockerId: system.lockerIds.sport,
      door: 'closed',
      relayEnergised: false,
      network: 'up',
      supports: { door: true, object: true, badge: true, network: true },
    });
    // The stream starts with every card.
    await waitForCard(system.lockerIds.school, () => true);
    await waitForCard(system.lockerIds.sport, () => true);
  });

  it('opens and closes a door by hand, and the server sees it live', async () => {
    const id = system.lockerIds.sport;
    const opened = await person.json<{ locker: WorkbenchLocker }>('POST', `/api/dev/workbench/lockers/${id}/door`, {
      state: 'open',
    });
    expect(opened.status).toBe(200);
    expect(opened.body.locker.hardware.door).toBe('open');
    const seen = await waitForCard(id, (c) => c.locker?.door === 'open');
    const closed = await person.json<{ locker: WorkbenchLocker }>('POST', `/api/dev/workbench/lockers/${id}/door`, {
      state: 'closed',
    });
    expect(closed.body.locker.hardware.door).toBe('closed');
    // Each card read is numbered after the ones before it, whichever way it travels.
    expect(seen.revision).toBeGreaterThan(opened.body.locker.revision);
    expect(closed.body.locker.revision).toBeGreaterThan(seen.revision);
    await waitForCard(id, (c) => c.locker?.door === 'closed');
  });

  it('puts an object in and takes it out', async () => {
    const id = system.lockerIds.school;
    const put = await person.json<{ locker: WorkbenchLocker }>('POST', `/api/dev/workbench/lockers/${id}/object`, {
      present: true,
    });
    expect(put.status).toBe(200);
    expect(put.body.locker.hardware.objectPresent).toBe(true);
    await waitForCard(id, (c) => c.locker?.objectPresent === true, 20_000);
    const removed = await person.json<{ locker: WorkbenchLocker }>('POST', `/api/dev/workbench/lockers/${id}/object`, {
      present: false,
    });
    expect(removed.body.locker.hardware.objectPresent).toBe(false);
    await waitForCard(id, (c) => c.locker?.objectPresent === false, 20_000);
  });

  it('cuts the network (the broker fires the last will) and restores it', async () => {
    const id = system.lockerIds.school;
    const cut = await person.json<{ locker: WorkbenchLocker }>('POST', `/api/dev/workbench/lockers/${id}/network`, {
      connected: false,
    });
    expect(cut.status).toBe(200);
    expect(cut.body.locker.hardware.network).toBe('cut');
    await waitForCard(id, (c) => c.locker?.online === false && c.hardware.connected === false);
    const restored = await person.json<{ locker: WorkbenchLocker }>(
      'POST',
      `/api/dev/workbench/lockers/${id}/network`,
      { connected: true },
    );
    expect(restored.body.locker.hardware.network).toBe('up');
    await waitForCard(id, (c) => c.locker?.online === true && c.hardware.connected === true);
  });

  it("opens a locker with the demo administrator badge, with the agent's own rules", async () => {
    const id = system.lockerIds.school;
    const uid = system.demoBadgeUid;
    expect(uid).toMatch(/^[0-9A-F]{8,20}$/);
    const presented = await person.json('POST', `/api/dev/workbench/lockers/${id}/badge`, { uid });
    expect(presented.status).toBe(200);
    await waitForCard(id, (c) => c.locker?.lock === 'unlocked');
  });

  it('answers 400 to a bad body and 404 to a locker it does not simulate', async () => {
    const id = system.lockerIds.sport;
    const bad = await person.json<ErrorBody>('POST', `/api/dev/workbench/lockers/${id}/door`, { state: 'ajar' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_body');
    const badUid = await person.json<ErrorBody>('POST', `/api/dev/workbench/lockers/${id}/badge`, { uid: 'zz' });
    expect(badUid.body.error.code).toBe('invalid_body');
    const unknown = await person.json<ErrorBody>('POST', '/api/dev/workbench/lockers/NOT_SIMULATED/door', {
      state: 'open',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('unknown_locker');
  });
});

describe('workbench without simulated lockers', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, { SIMULATED_LOCKERS: 'false' });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('does not exist', async () => {
    const person = new TestBrowser(system.url);
    await person.signUp(`nobench-${randomUUID()}@example.org`);
    expect(system.agents).toEqual([]);
    const list = await person.json<ErrorBody>('GET', '/api/dev/workbench');
    expect(list.status).toBe(404);
    expect(list.body.error.code).toBe('not_found');
  });
});
