import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChannelPayload,
  type CommandType,
  decodeMessage,
  generateCommandKeyPair,
  loadPrivateKey,
  parseTopic,
  signCommand,
  TOPIC_ROOT,
  topicFor,
} from '@smartlocker/protocol';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends } from '../../../../test-support/backends';
import type { DeviceChannel } from '../../src/DeviceEnvelope';
import { type AgentConfigInput, type RunningAgent, SimulatedHal, startAgent } from '../../src/index';

const serverKeys = generateCommandKeyPair();
const serverPrivateKey = loadPrivateKey(serverKeys.privateKeyPem);
const strangerPrivateKey = loadPrivateKey(generateCommandKeyPair().privateKeyPem);
const runId = randomBytes(3).toString('hex').toUpperCase();
const logger = pino({ level: 'silent' });

/** Short timings so a full open (pulse, person, confirmation) takes about a second. */
const FAST_TIMINGS = { relayPulseMs: 1_000, doorSampleMs: 100, heartbeatMs: 60_000, openConfirmWindowMs: 1_500 };
const FAST_PERSON = { autoOpenAfterMs: 200, autoCloseAfterMs: 400 };

type Received = { [C in DeviceChannel]: { channel: C; message: ChannelPayload[C]; retain: boolean } }[DeviceChannel];

/** Watches a locker's topics the way the server does, and checks every payload against protocol v1. */
class Observer {
  readonly received: Received[] = [];
  readonly invalid: string[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const parsed = parseTopic(topic);
      // Only what the device says; `cmd` is ours (some tests send garbage on purpose).
      if (!parsed || parsed.channel === 'cmd' || payload.length === 0) return;
      const decoded = decodeMessage(parsed.channel, payload);
      if (!decoded.ok) this.invalid.push(`${topic}: ${decoded.detail}`);
      else this.received.push({ channel: parsed.channel, message: decoded.message, retain: packet.retain } as Received);
    });
  }

  static async connect(url: string, lockerId: string): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { clientId: `observer-${randomUUID()}`, reconnectPeriod: 0 });
    const observer = new Observer(client);
    await client.subscribeAsync(`${TOPIC_ROOT}/${lockerId}/+`, { qos: 1 });
    return observer;
  }

  of<C extends DeviceChannel>(channel: C): ChannelPayload[C][] {
    return this.received.flatMap((r) => (r.channel === channel ? [r.message as ChannelPayload[C]] : []));
  }

  async waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 8_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined && found !== false) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

function command(lockerId: string, type: CommandType, overrides: { issuedAt?: number; expiresAt?: number } = {}) {
  const now = Date.now();
  const issuedAt = overrides.issuedAt ?? now;
  return {
    v: 1 as const,
    id: randomUUID(),
    lockerId,
    ts: issuedAt,
    type,
    issuedAt,
    expiresAt: overrides.expiresAt ?? issuedAt + 10_000,
    origin: { kind: 'user' as const, ref: 'integration-test' },
  };
}

describe.each(brokerBackends())('agent against a real broker ($name)', (backend) => {
  let url: string;
  let stopBroker: () => Promise<void> = async () => {};
  const lockerIds: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  let counter = 0;

  beforeAll(async () => {
    if (backend.url) {
      url = backend.url;
      return;
    }
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stopBroker = async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    // A shared broker keeps retained messages forever: clear the ones this run created.
    if (lockerIds.length > 0) {
      const client = await mqtt.connectAsync(url, { clientId: `cleaner-${randomUUID()}`, reconnectPeriod: 0 });
      for (const lockerId of lockerIds) {
        await client.publishAsync(topicFor(lockerId, 'state'), '', { qos: 1, retain: true });
        await client.publishAsync(topicFor(lockerId, 'status'), '', { qos: 1, retain: true });
      }
      await client.endAsync();
    }
    await stopBroker();
  });

  /** A connected agent on a simulated locker, an observer on its topics, and a way to send it commands. */
  async function lockerScenario(options: { reconnectPeriodMs?: number } = {}) {
    counter += 1;
    const lockerId = `IT-${backend.name.toUpperCase()}-${runId}-${counter}`;
    lockerIds.push(lockerId);
    const stateDir = mkdtempSync(join(tmpdir(), 'agent-it-'));
    const observer = await Observer.connect(url, lockerId);
    const hal = new SimulatedHal({ autoPerson: FAST_PERSON });
    const config: AgentConfigInput = {
      lockerId,
      mqtt: { url, reconnectPeriodMs: options.reconnectPeriodMs ?? 300 },
      commandPublicKeyPem: serverKeys.publicKeyPem,
      stateDir,
      hal: { driver: 'simulator' },
      timings: FAST_TIMINGS,
    };
    const agent: RunningAgent<SimulatedHal> = await startAgent(config, { hal, logger });
    cleanups.push(async () => {
      await agent.stop();
      await observer.close();
      rmSync(stateDir, { recursive: true, force: true });
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
    return { lockerId, agent, hal, observer, send, ackFor };
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

  it('opens on a signed command: ack, unlocked then locked, door opened and closed, open confirmed', async () => {
    const { lockerId, hal, observer, send, ackFor } = await lockerScenario();
    const open = signCommand(command(lockerId, 'open'), serverPrivateKey);

    await send(open);

    expect(await ackFor(open.id)).toMatchObject({ outcome: 'accepted', commandType: 'open' });
    await observer.waitFor(() => observer.of('event').find((e) => e.type === 'door_closed'), 'door_closed');
    await observer.waitFor(() => observer.of('state').at(-1)?.lock === 'locked' || undefined, 'locked again');
    expect(observer.of('state').map((s) => s.lock)).toEqual(expect.arrayContaining(['unlocked', 'locked']));
    const locks = observer.of('state').map((s) => s.lock);
    expect(locks.indexOf('unlocked')).toBeLessThan(locks.lastIndexOf('locked'));
    expect(observer.of('event').map((e) => e.type)).toEqual(['door_opened', 'open_result', 'door_closed']);
    expect(observer.of('event')).toMatchObject([
      { type: 'door_opened', legitimate: true },
      { type: 'open_result', commandId: open.id, result: 'opened' },
      { type: 'door_closed' },
    ]);
    expect(hal.relayEnergised).toBe(false);
    expect(hal.relayActivations).toBe(1);
    const seqs = observer.received.map((r) => r.message.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('refuses a command signed with another key, and never touches the relay', async () => {
    const { lockerId, hal, send, ackFor } = await lockerScenario();
    const forged = signCommand(command(lockerId, 'open'), strangerPrivateKey);

    await send(forged);

    expect(await ackFor(forged.id)).toMatchObject({ outcome: 'refused', reason: 'bad_signature' });
    expect(hal.relayActivations).toBe(0);
  });

  it('refuses an expired command (SPEC §2: older than 10 s is ignored)', async () => {
    const { lockerId, hal, send, ackFor } = await lockerScenario();
    const now = Date.now();
    const stale = signCommand(
      command(lockerId, 'open', { issuedAt: now - 20_000, expiresAt: now - 12_000 }),
      serverPrivateKey,
    );

    await send(stale);

    expect(await ackFor(stale.id)).toMatchObject({ outcome: 'refused', reason: 'expired' });
    expect(hal.relayActivations).toBe(0);
  });

  it('applies a command delivered twice only once (SPEC §2: at most once)', async () => {
    const { lockerId, hal, send, ackFor } = await lockerScenario();
    const open = signCommand(command(lockerId, 'open'), serverPrivateKey);

    await send(open);
    await send(open);

    expect(await ackFor(open.id, 0)).toMatchObject({ outcome: 'accepted' });
    expect(await ackFor(open.id, 1)).toMatchObject({ outcome: 'refused', reason: 'replayed' });
    expect(hal.relayActivations).toBe(1);
  });

  it('drops undecodable payloads without crashing and keeps serving', async () => {
    const { lockerId, observer, send, ackFor } = await lockerScenario();
    await observer.client.publishAsync(topicFor(lockerId, 'cmd'), '{ not json', { qos: 1 });
    await send({ v: 1, type: 'open' });
    const report = signCommand(command(lockerId, 'report_state'), serverPrivateKey);

    await send(report);

    expect(await ackFor(report.id)).toMatchObject({ outcome: 'accepted' });
    expect(observer.of('ack')).toHaveLength(1);
  });

  it('leaves a retained status offline (connection_lost) when the connection dies', async () => {
    const { lockerId, agent, observer } = await lockerScenario({ reconnectPeriodMs: 60_000 });

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

  it('comes back by itself and republishes status and state, with a freshly stamped will', async () => {
    const { agent, observer } = await lockerScenario({ reconnectPeriodMs: 200 });
    const wills = () => observer.of('status').filter((s) => !s.online);
    const onlines = () => observer.of('status').filter((s) => s.online);

    for (let drop = 1; drop <= 2; drop++) {
      const statesBefore = observer.of('state').length;
      agent.dropConnection();
      await observer.waitFor(() => wills()[drop - 1], `last will #${drop}`);
      await observer.waitFor(() => onlines()[drop], `status online #${drop + 1}`);
      await observer.waitFor(() => observer.of('state').length > statesBefore || undefined, `state #${drop + 1}`);
    }

    await agent.waitUntilConnected();
    expect(observer.of('status').map((s) => s.reason)).toEqual([
      'connected',
      'connection_lost',
      'connected',
      'connection_lost',
      'connected',
    ]);
    // A will is fixed at CONNECT, so it is older than what follows in its session; it is re-stamped
    // before each reconnect, so the second will is newer than everything of the first session.
    expect(wills()[1]?.seq).toBeGreaterThan(onlines()[0]?.seq ?? Number.POSITIVE_INFINITY);
  });

  it('stops cleanly: relay released mid-pulse, status offline (shutdown) retained', async () => {
    const { lockerId, agent, hal, observer, send, ackFor } = await lockerScenario();
    const open = signCommand(command(lockerId, 'open'), serverPrivateKey);
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
