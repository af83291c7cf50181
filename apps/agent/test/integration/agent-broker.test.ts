import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashBadge, signDeviceConfig, topicFor } from '@smartlocker/protocol';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends } from '../../../../test-support/backends';
import { type AgentConfigInput, type RunningAgent, SimulatedHal, startAgent } from '../../src/index';
import {
  AedesBroker,
  clearRetained,
  command,
  Observer,
  serverKeys,
  serverPrivateKey,
  signedCommand,
  sleep,
} from './brokerHarness';

const runId = randomBytes(3).toString('hex').toUpperCase();
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Short timings so a full open (pulse, person, confirmation) takes about a second. */
const FAST_TIMINGS = {
  relayPulseMs: 1_000,
  doorSampleMs: 100,
  doorDebounceMs: 20,
  heartbeatMs: 60_000,
  openConfirmWindowMs: 1_500,
  intrusionGraceMs: 1_500,
};
const FAST_PERSON = { autoOpenAfterMs: 200, autoCloseAfterMs: 400 };
const ADMIN_UID = '04C0FFEE42';

describe.each(brokerBackends())('agent against a real broker ($name)', (backend) => {
  let url: string;
  let aedes: AedesBroker | null = null;
  const lockerIds: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let counter = 0;

  beforeAll(async () => {
    if (backend.url) {
      url = backend.url;
      return;
    }
    aedes = await AedesBroker.start();
    url = aedes.url;
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    // A shared broker keeps retained messages forever: clear every retained topic this run created.
    if (backend.url) await clearRetained(url, lockerIds);
    await aedes?.stop();
  });

  interface ScenarioOptions {
    reconnectDelayMs?: number;
    stateDir?: string;
    brokerUrl?: string;
    lockerId?: string;
    observer?: Observer;
    heartbeatMs?: number;
  }

  /** A connected agent on a simulated locker, an observer on its topics, and a way to send it commands. */
  async function lockerScenario(options: ScenarioOptions = {}) {
    const brokerUrl = options.brokerUrl ?? url;
    let lockerId = options.lockerId;
    if (!lockerId) {
      counter += 1;
      lockerId = `IT-${backend.name.toUpperCase()}-${runId}-${counter}`;
      lockerIds.push(lockerId);
    }
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'agent-it-'));
    const observer = options.observer ?? (await Observer.connect(brokerUrl, lockerId, { reconnect: true }));
    const hal = new SimulatedHal({ autoPerson: FAST_PERSON });
    const config: AgentConfigInput = {
      lockerId,
      mqtt: {
        url: brokerUrl,
        reconnect: { initialDelayMs: options.reconnectDelayMs ?? 200, maxDelayMs: 1_000 },
      },
      commandPublicKeyPem: serverKeys.publicKeyPem,
      stateDir,
      hal: { driver: 'simulator' },
      timings: { ...FAST_TIMINGS, heartbeatMs: options.heartbeatMs ?? FAST_TIMINGS.heartbeatMs },
    };
    const agent: RunningAgent<SimulatedHal> = await startAgent(config, { hal, logger });
    cleanups.push(async () => {
      await agent.stop();
      if (!options.observer) await observer.close();
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
      expect(observer.invalid).toEqual([]);
    });
    await agent.waitUntilConnected();
    await observer.waitFor(() => observer.of('state')[0], 'the first retained state');

    const send = async (payload: object): Promise<void> => {
      await observer.client.publishAsync(topicFor(lockerId, 'cmd'), JSON.stringify(payload), { qos: 1 });
    };
    const ackFor = (commandId: string, nth = 0) =>
      observer.waitFor(
        () => observer.of('ack').filter((a) => a.commandId === commandId)[nth],
        `ack #${nth} of ${commandId}`,
      );
    return { lockerId, agent, hal, observer, send, ackFor, stateDir, config };
  }

  it('announces itself: status online and state, both retained', async () => {
    const { lockerId, observer } = await lockerScenario();
    const late = await Observer.connect(url, lockerId);
    try {
      const status = await late.waitFor(() => late.received.find((r) => r.channel === 'status'), 'retained status');
      const state = await late.waitFor(() => late.received.find((r) => r.channel === 'state'), 'retained state');
      expect(status).toMatchObject({ retain: true, message: { online: true, reason: 'connected' } });
      expect(state).toMatchObject({ retain: true, message: { door: 'closed', lock: 'locked' } });
    } finally {
      await late.close();
    }
    expect(observer.of('status')).toMatchObject([{ online: true }]);
  });

  it('command round trip: ack, unlocked then locked, door opened and closed, open confirmed', async () => {
    const { lockerId, hal, observer, send, ackFor } = await lockerScenario();
    const open = signedCommand(lockerId, 'open');

    await send(open);

    expect(await ackFor(open.id)).toMatchObject({ outcome: 'accepted', commandType: 'open' });
    await observer.waitFor(() => observer.of('event').find((e) => e.type === 'door_closed'), 'door_closed');
    await observer.waitFor(() => observer.of('state').at(-1)?.lock === 'locked', 'locked again');
    const locks = observer.of('state').map((s) => s.lock);
    expect(locks.indexOf('unlocked')).toBeGreaterThanOrEqual(0);
    expect(locks.indexOf('unlocked')).toBeLessThan(locks.lastIndexOf('locked'));
    expect(observer.of('event')).toMatchObject([
      { type: 'door_opened', legitimate: true },
      { type: 'open_result', commandId: open.id, result: 'opened' },
      { type: 'door_closed' },
    ]);
    expect(hal.relayEnergised).toBe(false);
    expect(hal.relayActivations).toBe(1);
    // The answer first, then what it caused: the ack arrives before the unlocked state.
    const ackIndex = observer.received.findIndex((r) => r.channel === 'ack');
    const unlockedIndex = observer.received.findIndex((r) => r.channel === 'state' && r.message.lock === 'unlocked');
    expect(ackIndex).toBeLessThan(unlockedIndex);
    const seqs = observer.received.map((r) => r.message.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('names the last state report it sent in each heartbeat, so a server that missed it can ask again', async () => {
    const { lockerId, observer, send, ackFor } = await lockerScenario({ heartbeatMs: 250 });
    const open = signedCommand(lockerId, 'open');
    await send(open);
    await ackFor(open.id);
    await observer.waitFor(() => observer.of('event').find((e) => e.type === 'door_closed'), 'door_closed');
    await observer.waitFor(() => observer.of('state').at(-1)?.lock === 'locked', 'locked again');
    const lastState = observer.of('state').at(-1);
    const beat = await observer.waitFor(
      () => observer.of('heartbeat').find((h) => h.seq > (lastState?.seq ?? Number.POSITIVE_INFINITY)),
      'a heartbeat after the last state',
    );
    expect(observer.of('state').length).toBeGreaterThanOrEqual(3);
    expect(beat.stateSeq).toBe(lastState?.seq);
  });

  it('refuses a forged command without touching the relay', async () => {
    const { lockerId, hal, send, ackFor } = await lockerScenario();
    const { signCommand, loadPrivateKey, generateCommandKeyPair } = await import('@smartlocker/protocol');
    const forged = signCommand(command(lockerId, 'open'), loadPrivateKey(generateCommandKeyPair().privateKeyPem));

    await send(forged);

    expect(await ackFor(forged.id)).toMatchObject({ outcome: 'refused', reason: 'bad_signature' });
    expect(hal.relayActivations).toBe(0);
  });

  it('refuses an expired command: a remote open held back past its expiry never opens (SPEC §2)', async () => {
    const { lockerId, hal, observer, send, ackFor } = await lockerScenario();
    const now = Date.now();
    const stale = signedCommand(lockerId, 'open', { issuedAt: now - 20_000, expiresAt: now - 12_000 });

    await send(stale);

    expect(await ackFor(stale.id)).toMatchObject({ outcome: 'refused', reason: 'expired' });
    expect(hal.relayActivations).toBe(0);
    expect(observer.of('event').filter((e) => e.type === 'open_result')).toEqual([]);
  });

  it('never actuates a replayed command twice; the replay is acknowledged with the original outcome', async () => {
    const { lockerId, hal, send, ackFor } = await lockerScenario();
    const open = signedCommand(lockerId, 'open');

    await send(open);
    await ackFor(open.id, 0);
    await send(open);
    await send(open);

    expect(await ackFor(open.id, 0)).toMatchObject({ outcome: 'accepted' });
    expect(await ackFor(open.id, 0)).not.toHaveProperty('duplicate');
    expect(await ackFor(open.id, 1)).toMatchObject({ outcome: 'accepted', duplicate: true });
    expect(await ackFor(open.id, 2)).toMatchObject({ outcome: 'accepted', duplicate: true });
    await sleep(1_500);
    expect(hal.relayActivations).toBe(1);
  });

  it('drops undecodable payloads without crashing and keeps serving', async () => {
    const { lockerId, observer, send, ackFor } = await lockerScenario();
    await observer.client.publishAsync(topicFor(lockerId, 'cmd'), '{ not json', { qos: 1 });
    await send({ v: 1, type: 'open' });
    const report = signedCommand(lockerId, 'report_state');

    await send(report);

    expect(await ackFor(report.id)).toMatchObject({ outcome: 'accepted' });
    expect(observer.of('ack')).toHaveLength(1);
  });

  it('leaves a retained status offline (connection_lost) when the connection dies', async () => {
    const { lockerId, agent, observer } = await lockerScenario({ reconnectDelayMs: 60_000 });

    agent.dropConnection();

    await observer.waitFor(
      () => observer.of('status').find((s) => !s.online && s.reason === 'connection_lost'),
      'the last will',
    );
    expect(agent.connected).toBe(false);
    const late = await Observer.connect(url, lockerId);
    try {
      const retained = await late.waitFor(() => late.received.find((r) => r.channel === 'status'), 'retained status');
      expect(retained).toMatchObject({ retain: true, message: { online: false, reason: 'connection_lost' } });
    } finally {
      await late.close();
    }
  });

  it('comes back by itself after a drop and republishes status and state, with a freshly stamped will', async () => {
    const { agent, observer } = await lockerScenario();
    const wills = () => observer.of('status').filter((s) => !s.online);
    const onlines = () => observer.of('status').filter((s) => s.online);

    for (let drop = 1; drop <= 2; drop++) {
      const statesBefore = observer.of('state').length;
      agent.dropConnection();
      await observer.waitFor(() => wills()[drop - 1], `last will #${drop}`);
      await observer.waitFor(() => onlines()[drop], `status online #${drop + 1}`);
      await observer.waitFor(() => observer.of('state').length > statesBefore, `state #${drop + 1}`);
    }

    await agent.waitUntilConnected();
    expect(observer.of('status').map((s) => s.reason)).toEqual([
      'connected',
      'connection_lost',
      'connected',
      'connection_lost',
      'connected',
    ]);
    // A will is fixed at CONNECT and re-stamped before each attempt, so the second will is newer
    // than everything of the first session.
    expect(wills()[1]?.seq).toBeGreaterThan(onlines()[0]?.seq ?? Number.POSITIVE_INFINITY);
  });

  it(
    backend.url
      ? 'rides out a network outage mid-session (setNetwork), then serves commands again'
      : 'rides out a broker restart mid-session (same port), then serves commands again',
    async () => {
      // aedes: a broker of this test's own, so stopping it disturbs no other test.
      const own = backend.url ? null : await AedesBroker.start();
      cleanups.push(async () => {
        await own?.stop();
      });
      const { lockerId, agent, hal, observer, send, ackFor } = await lockerScenario({ brokerUrl: own?.url });
      const statesBefore = observer.of('state').length;

      if (own) {
        await own.stop();
        await observer.waitFor(() => !agent.connected, 'the agent noticing the broker is gone');
        // The locker keeps its rules while the broker is away.
        hal.setDoor('open');
        await sleep(1_000);
        await own.restart();
      } else {
        agent.setNetwork(false);
        await observer.waitFor(() => observer.of('status').find((s) => s.reason === 'connection_lost'), 'last will');
        hal.setDoor('open');
        await sleep(500);
        agent.setNetwork(true);
      }

      await agent.waitUntilConnected(15_000);
      await observer.waitFor(() => observer.of('state').length > statesBefore, 'the state republished');
      await observer.waitFor(
        () => observer.of('event').find((e) => e.type === 'intrusion'),
        'the intrusion queued offline',
      );
      expect(observer.of('state').at(-1)).toMatchObject({ door: 'open' });
      hal.setDoor('closed');
      await sleep(300);
      const open = signedCommand(lockerId, 'open');
      await send(open);
      expect(await ackFor(open.id)).toMatchObject({ outcome: 'accepted' });
    },
  );

  it('offline queue: events produced while the network is cut arrive after restore, in seq order, each once, before anything newer', async () => {
    const { agent, hal, observer } = await lockerScenario();
    agent.setNetwork(false);
    await observer.waitFor(() => observer.of('status').find((s) => s.reason === 'connection_lost'), 'the last will');
    const receivedBefore = observer.received.length;

    // Facts while offline: a forced door (intrusion), closed again, an unknown badge.
    hal.setDoor('open');
    await sleep(300);
    hal.setDoor('closed');
    await sleep(300);
    hal.presentBadge('04BADBAD01');
    await sleep(300);
    expect(agent.snapshot().queued).toBe(4);
    expect(observer.received.length).toBe(receivedBefore);

    agent.setNetwork(true);
    await agent.waitUntilConnected();
    await observer.waitFor(() => agent.snapshot().queued === 0, 'the queue drained');
    await sleep(300);

    const after = observer.received.slice(receivedBefore);
    const events = after.filter((r) => r.channel === 'event').map((r) => r.message);
    expect(events.map((e) => e.type)).toEqual(['door_opened', 'intrusion', 'door_closed', 'badge']);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(observer.of('event').map((e) => e.id)).size).toBe(observer.of('event').length);
    // Nothing newer overtakes the backlog: the republished state comes after the last queued event.
    const lastQueued = after.findIndex((r) => r.channel === 'event' && r.message.type === 'badge');
    const firstState = after.findIndex((r) => r.channel === 'state');
    expect(firstState).toBeGreaterThan(lastQueued);
    expect(after[firstState]?.message.seq).toBeGreaterThan(Math.max(...seqs));
  });

  it('offline queue survives a restart of the agent: the next run delivers what the last one could not', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'agent-it-restart-'));
    cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const first = await lockerScenario({ stateDir });
    first.agent.setNetwork(false);
    await first.observer.waitFor(
      () => first.observer.of('status').find((s) => s.reason === 'connection_lost'),
      'the last will',
    );
    first.hal.presentBadge('04BADBAD02');
    first.hal.presentBadge('04BADBAD03');
    await sleep(100);
    await first.agent.stop();
    const lost = first.observer.of('event').length;
    expect(lost).toBe(0);

    const second = await lockerScenario({ stateDir, lockerId: first.lockerId, observer: first.observer });
    await second.observer.waitFor(() => second.observer.of('event').length >= 2, 'the queued badges');
    expect(second.observer.of('event')).toMatchObject([
      { type: 'badge', known: false, badgeHash: hashBadge(first.lockerId, '04BADBAD02') },
      { type: 'badge', known: false, badgeHash: hashBadge(first.lockerId, '04BADBAD03') },
    ]);
  });

  it('admin badges: applies the retained signed config, then opens and ends a lockdown with no network at all', async () => {
    const { lockerId, agent, hal, observer } = await lockerScenario();
    const config = signDeviceConfig(
      {
        v: 1,
        id: `cfg-${runId}-${lockerId}`.slice(0, 64),
        lockerId,
        ts: Date.now(),
        issuedAt: Date.now(),
        adminBadges: [hashBadge(lockerId, ADMIN_UID)],
      },
      serverPrivateKey,
    );
    await observer.client.publishAsync(topicFor(lockerId, 'config'), JSON.stringify(config), { qos: 1, retain: true });
    await observer.waitFor(() => agent.snapshot().adminBadges === 1, 'the config applied');

    agent.setNetwork(false);
    await observer.waitFor(() => observer.of('status').find((s) => s.reason === 'connection_lost'), 'the last will');
    // Three forced openings: lockdown, decided on the locker itself.
    for (let i = 0; i < 3; i++) {
      hal.setDoor('open');
      await sleep(150);
      hal.setDoor('closed');
      await sleep(150);
    }
    expect(agent.snapshot().lockdown.active).toBe(true);
    hal.presentBadge(ADMIN_UID);
    expect(hal.relayEnergised).toBe(true);
    expect(agent.snapshot().lockdown.active).toBe(false);

    agent.setNetwork(true);
    await agent.waitUntilConnected();
    await observer.waitFor(() => observer.of('event').find((e) => e.type === 'open_result'), 'the badge open result');
    const types = observer.of('event').map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['intrusion', 'lockdown_started', 'badge', 'lockdown_ended', 'open_result']),
    );
    expect(observer.of('event').find((e) => e.type === 'lockdown_ended')).toMatchObject({ by: 'badge' });
    expect(observer.of('event').find((e) => e.type === 'badge')).toMatchObject({ known: true });
  });

  it('reset_lockdown from the server ends a lockdown at once, so the next open is carried out (SPEC §11.2)', async () => {
    const { lockerId, hal, observer, send, ackFor } = await lockerScenario();
    for (let i = 0; i < 3; i++) {
      hal.setDoor('open');
      await sleep(150);
      hal.setDoor('closed');
      await sleep(150);
    }
    await observer.waitFor(() => observer.of('event').find((e) => e.type === 'lockdown_started'), 'lockdown');
    const refused = signedCommand(lockerId, 'open');
    await send(refused);
    expect(await ackFor(refused.id)).toMatchObject({ outcome: 'refused', reason: 'lockdown' });

    const reset = signedCommand(lockerId, 'reset_lockdown');
    await send(reset);
    expect(await ackFor(reset.id)).toMatchObject({ outcome: 'accepted' });
    const open = signedCommand(lockerId, 'open');
    await send(open);

    expect(await ackFor(open.id)).toMatchObject({ outcome: 'accepted' });
    expect(observer.of('event').find((e) => e.type === 'lockdown_ended')).toMatchObject({ by: 'server' });
    expect(observer.of('event').find((e) => e.type === 'open_refused')).toMatchObject({ reason: 'lockdown' });
  });

  it('stops cleanly: relay released mid-pulse, status offline (shutdown) retained', async () => {
    const { lockerId, agent, hal, observer, send, ackFor } = await lockerScenario();
    const open = signedCommand(lockerId, 'open');
    await send(open);
    await ackFor(open.id);
    expect(hal.relayEnergised).toBe(true);

    await agent.stop();

    expect(hal.relayEnergised).toBe(false);
    expect(agent.connected).toBe(false);
    await observer.waitFor(() => observer.of('status').find((s) => s.reason === 'shutdown'), 'shutdown status');
    expect(observer.of('state').at(-1)).toMatchObject({ lock: 'locked' });
    const late = await Observer.connect(url, lockerId);
    try {
      const retained = await late.waitFor(() => late.received.find((r) => r.channel === 'status'), 'retained status');
      expect(retained).toMatchObject({ retain: true, message: { online: false, reason: 'shutdown' } });
    } finally {
      await late.close();
    }
  });
});
