import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, startAgent } from '@smartlocker/agent';
import { topicFor } from '@smartlocker/protocol';
import { and, eq } from 'drizzle-orm';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { type DynsecBroker, dynsecInstalled, startDynsecMosquitto } from '../../../../test-support/dynsecMosquitto';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import {
  agentClientId,
  lockerRoleName,
  MosquittoDynamicSecurity,
  SERVER_ROLE,
} from '../../src/broker/MosquittoDynamicSecurity';
import { type BrokerDenial, followLogFile, MosquittoLogWatch } from '../../src/broker/mosquittoLogWatch';
import { alerts, lockers } from '../../src/db/schema';

/**
 * Issue 11 "Broker permissions for production", against real Mosquitto 2.0 processes: each test
 * starts its own broker with the dynamic-security plugin on a free loopback port (never the
 * shared one on 1883), bootstrapped as docs/deploy-mosquitto.md says, and drives it through
 * MosquittoDynamicSecurity as the server does. Under CI a missing Mosquitto is a failure.
 */
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (!dynsecInstalled && inCi) {
  throw new Error('mosquitto, mosquitto_ctrl and the dynamic-security plugin must be installed when CI=true');
}

const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const secret = () => randomBytes(32).toString('base64url');

/** The CONNACK return code for these credentials (0 = accepted; Mosquitto says 5 to a refused login). */
async function connackCode(url: string, options: IClientOptions): Promise<number> {
  try {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    await client.endAsync();
    return 0;
  } catch (error) {
    return Number((error as { code?: number }).code ?? -1);
  }
}

/** The SUBACK return codes (0x80 = refused); mqtt.js rejects when any filter is refused. */
async function subackCodes(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (error) {
    const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw error;
    return granted;
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!dynsecInstalled)('MosquittoDynamicSecurity on a private Mosquitto', () => {
  let broker: DynsecBroker;
  let dynsec: MosquittoDynamicSecurity;
  const clients: MqttClient[] = [];
  const suffix = () => randomBytes(3).toString('hex').toUpperCase();

  async function connect(options: IClientOptions): Promise<MqttClient> {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    clients.push(client);
    return client;
  }

  async function lockerSession(lockerId: string, password: string): Promise<MqttClient> {
    return connect({ username: lockerId, password, clientId: agentClientId(lockerId) });
  }

  /** The server's own client, subscribed to every locker topic, recording what it receives. */
  async function serverObserver(): Promise<{ client: MqttClient; received: { topic: string; payload: string }[] }> {
    const client = await connect({ ...broker.admin, clientId: `smartlocker-server-${suffix()}` });
    const received: { topic: string; payload: string }[] = [];
    client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    await client.subscribeAsync('smartlocker/v1/lockers/#', { qos: 1 });
    return { client, received };
  }

  async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
      await sleep(25);
    }
  }

  beforeEach(async () => {
    broker = await startDynsecMosquitto();
    dynsec = await MosquittoDynamicSecurity.connect({ url: broker.url, ...broker.admin, logger, timeoutMs: 5_000 });
    await dynsec.setUp();
  });
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.endAsync(true)));
    await dynsec?.close();
    await broker?.stop();
  });

  it('grants the server every locker topic, and setting up again drops no session', async () => {
    const { client: server, received } = await serverObserver();
    const [role] = await dynsec.execute([{ command: 'getClient', username: broker.admin.username }]);
    const client = role?.data?.client as { roles?: { rolename: string }[] } | undefined;
    const roles = (client?.roles ?? []).map((r) => r.rolename);
    expect(roles).toEqual(expect.arrayContaining(['admin', SERVER_ROLE]));
    let dropped = false;
    server.once('close', () => {
      dropped = true;
    });
    await dynsec.setUp();
    await server.publishAsync(topicFor('ANY_1', 'cmd'), 'hello', { qos: 1 });
    await until(() => received.length === 1, 'the server hearing its own command');
    expect(dropped).toBe(false);
  });

  it('lets a new locker connect with its secret and its own client id only, on its own topics', async () => {
    const id = `DYN_${suffix()}`;
    const key = secret();
    await dynsec.upsert(id, key);
    expect(await dynsec.listLockerAccounts()).toEqual([id]);
    const { received } = await serverObserver();

    const locker = await lockerSession(id, key);
    await locker.publishAsync(topicFor(id, 'state'), '{"ok":true}', { qos: 1 });
    await until(() => received.some((m) => m.topic === topicFor(id, 'state')), 'the server hearing the locker');
    expect(await subackCodes(locker, [topicFor(id, 'cmd'), topicFor(id, 'config')])).toEqual([1, 1]);
    expect(await subackCodes(locker, [topicFor(id, 'state')])).toEqual([128]);

    expect(await connackCode(broker.url, { username: id, password: 'wrong', clientId: agentClientId(id) })).toBe(5);
    // Its client id is pinned: no session under another locker's id, nor under a made-up one.
    expect(await connackCode(broker.url, { username: id, password: key, clientId: agentClientId('OTHER') })).toBe(5);
    expect(await connackCode(broker.url, { username: id, password: key, clientId: 'anything' })).toBe(5);
    expect(await connackCode(broker.url, { clientId: 'anonymous' })).toBe(5);

    // Provisioning the same id again resets its secret: the old one stops working.
    const again = secret();
    await dynsec.upsert(id, again);
    expect(await connackCode(broker.url, { username: id, password: key, clientId: agentClientId(id) })).toBe(5);
    expect(await connackCode(broker.url, { username: id, password: again, clientId: agentClientId(id) })).toBe(0);
  });

  it('rotates a secret at once: the open session with the old one is dropped and the old one refused', async () => {
    const id = `ROT_${suffix()}`;
    const old = secret();
    await dynsec.upsert(id, old);
    const session = await lockerSession(id, old);
    const drop = closed(session);

    const renewed = secret();
    await dynsec.rotate(id, renewed);
    await within(drop, 5_000, 'the old session being dropped');
    expect(session.connected).toBe(false);
    expect(await connackCode(broker.url, { username: id, password: old, clientId: agentClientId(id) })).toBe(5);
    expect(await connackCode(broker.url, { username: id, password: renewed, clientId: agentClientId(id) })).toBe(0);

    // Rotating a locker the broker never heard of creates its account.
    const late = `LATE_${suffix()}`;
    await dynsec.rotate(late, renewed);
    expect(await connackCode(broker.url, { username: late, password: renewed, clientId: agentClientId(late) })).toBe(0);
  });

  it('refuses a locker publishing as another, and its denial names the locker from the broker log', async () => {
    const a = `ACL_A${suffix()}`;
    const b = `ACL_B${suffix()}`;
    const keyA = secret();
    await dynsec.upsert(a, keyA);
    await dynsec.upsert(b, secret());
    const denials: BrokerDenial[] = [];
    const watch = new MosquittoLogWatch({
      onDenied: (d) => denials.push(d),
      serverUsername: broker.admin.username,
      logger,
    });
    const followed = followLogFile(broker.logFile, (line) => watch.feed(line), { pollMs: 50, logger });
    try {
      await followed.caughtUp();
      const { received } = await serverObserver();
      const rogue = await lockerSession(a, keyA);
      await rogue.publishAsync(topicFor(b, 'state'), '{"lockerId":"forged"}', { qos: 1, retain: true });
      await rogue.publishAsync(topicFor(b, 'cmd'), '{"type":"open"}', { qos: 1 });
      await rogue.publishAsync(topicFor(a, 'cmd'), '{"type":"open"}', { qos: 1 });
      // Mosquitto keeps each client's messages in order: once A's own heartbeat arrives, anything
      // of the forbidden ones that had been let through would have arrived before it.
      await rogue.publishAsync(topicFor(a, 'heartbeat'), '{}', { qos: 1 });
      await until(() => received.some((m) => m.topic === topicFor(a, 'heartbeat')), 'the allowed heartbeat');
      expect(received.map((m) => m.topic)).toEqual([topicFor(a, 'heartbeat')]);
      // And nobody subscribing later gets a forged retained state.
      const late = await serverObserver();
      await sleep(200);
      expect(late.received).toEqual([]);

      // Listening to another locker's commands, or to everyone's, is refused too (SUBACK 0x80).
      expect(await subackCodes(rogue, [topicFor(b, 'cmd'), 'smartlocker/v1/lockers/+/cmd', '#'])).toEqual([
        128, 128, 128,
      ]);

      await until(() => denials.length >= 3, 'three denials in the broker log');
      expect(denials).toEqual(
        [topicFor(b, 'state'), topicFor(b, 'cmd'), topicFor(a, 'cmd')].map((topic) => ({
          action: 'publish',
          reason: 'topic_not_allowed',
          clientId: agentClientId(a),
          lockerId: a,
          topic,
        })),
      );
    } finally {
      await followed.stop();
    }
  });

  it('removes a decommissioned locker: its session ends, it cannot log in again, and reconciling cleans up', async () => {
    const gone = `GONE_${suffix()}`;
    const kept = `KEPT_${suffix()}`;
    const key = secret();
    await dynsec.upsert(gone, key);
    await dynsec.upsert(kept, secret());
    const session = await lockerSession(gone, key);
    const drop = closed(session);
    await dynsec.remove(gone);
    await within(drop, 5_000, 'the removed locker being dropped');
    expect(await connackCode(broker.url, { username: gone, password: key, clientId: agentClientId(gone) })).toBe(5);
    const [role] = await dynsec.execute([{ command: 'getRole', rolename: lockerRoleName(gone) }], {
      accept: ['Role not found'],
    });
    expect(role?.error).toBe('Role not found');
    await dynsec.remove(gone);

    const stale = `STALE_${suffix()}`;
    await dynsec.upsert(stale, secret());
    const fresh = `FRESH_${suffix()}`;
    expect(await dynsec.reconcile([kept, fresh])).toEqual({ removed: [stale], missing: [fresh] });
    expect(await dynsec.listLockerAccounts()).toEqual([kept]);
  });
});

/**
 * The same through the whole server (MQTT_DYNSEC=true, MQTT_BROKER_LOG_FILE): provisioning and
 * rotation go to the broker through DeviceCredentials, and a refused publication in the broker's
 * log becomes a `device_acl_violation` alert through SecurityAlerts.
 */
describe.skipIf(!dynsecInstalled)('the server on a private Mosquitto with MQTT_DYNSEC', () => {
  let broker: DynsecBroker;
  let system: TestSystem;
  let stateRoot: string;
  const agents: RunningAgent[] = [];
  const clients: MqttClient[] = [];
  const id = `DYNSYS_${randomBytes(3).toString('hex').toUpperCase()}`;
  let firstSecret = '';

  beforeAll(async () => {
    broker = await startDynsecMosquitto();
    stateRoot = mkdtempSync(join(tmpdir(), 'smartlocker-dynsec-agents-'));
    // EMBEDDED_BROKER with MQTT_URL in the environment: the test system must not try to clear
    // retained messages anonymously on a broker that refuses anonymous clients.
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, {
      MQTT_URL: broker.url,
      MQTT_USERNAME: broker.admin.username,
      MQTT_PASSWORD: broker.admin.password,
      MQTT_DYNSEC: 'true',
      MQTT_BROKER_LOG_FILE: broker.logFile,
    });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    await broker?.stop();
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });

  async function lockersOnline(expected: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const health = (await (await fetch(`${system.url}/healthz`)).json()) as { lockersOnline: number | null };
      if (health.lockersOnline === expected) return;
      if (Date.now() > deadline) throw new Error(`lockers online: ${health.lockersOnline}, not ${expected}`);
      await sleep(100);
    }
  }

  it('brings the simulated lockers and a newly provisioned one online with their own accounts', async () => {
    await lockersOnline(2);
    const { agentConfig } = await system.provisioning.provision(
      {
        id,
        name: 'Casier Mosquitto',
        type: 'school',
        agent: { stateDir: join(stateRoot, id), hal: { driver: 'simulator' } },
      },
      { kind: 'system', id: null },
    );
    firstSecret = agentConfig.mqtt.password as string;
    const agent = await startAgent({ ...agentConfig, logLevel: 'silent' });
    agents.push(agent);
    await agent.waitUntilConnected(10_000);
    await lockersOnline(3);
  });

  it('rotates through the broker: the running agent is cut off and its secret refused', async () => {
    const agent = agents[0];
    if (!agent) throw new Error('the previous test started no agent');
    const rotated = await system.provisioning.rotateSecret(
      id,
      { kind: 'system', id: null },
      {
        stateDir: join(stateRoot, `${id}-renewed`),
        hal: { driver: 'simulator' },
      },
    );
    const deadline = Date.now() + 5_000;
    while (agent.connected && Date.now() < deadline) await sleep(25);
    expect(agent.connected).toBe(false);
    expect(await connackCode(broker.url, { username: id, password: firstSecret, clientId: agentClientId(id) })).toBe(5);
    await agent.stop();
    const renewed = await startAgent({ ...rotated.agentConfig, logLevel: 'silent' });
    agents.push(renewed);
    await renewed.waitUntilConnected(10_000);
  });

  it('raises a device_acl_violation alert when a locker publishes as another', async () => {
    const renewed = agents[1];
    if (!renewed) throw new Error('the previous test started no agent');
    const rotatedSecret = (await system.provisioning.rotateSecret(id, { kind: 'system', id: null })).agentConfig.mqtt
      .password as string;
    await renewed.stop();
    const rogue = await mqtt.connectAsync(broker.url, {
      username: id,
      password: rotatedSecret,
      clientId: agentClientId(id),
      reconnectPeriod: 0,
    });
    clients.push(rogue);
    await rogue.publishAsync(topicFor(system.lockerIds.school, 'status'), '{"online":false}', { qos: 1, retain: true });
    const deadline = Date.now() + 10_000;
    let raised: (typeof alerts.$inferSelect)[] = [];
    while (raised.length === 0 && Date.now() < deadline) {
      raised = await system.database.db
        .select()
        .from(alerts)
        .where(and(eq(alerts.lockerId, id), eq(alerts.type, 'device_acl_violation')));
      if (raised.length === 0) await sleep(100);
    }
    expect(raised).toHaveLength(1);
    expect(raised[0]?.data).toMatchObject({ action: 'publish', topic: topicFor(system.lockerIds.school, 'status') });
    // The school locker is still online: the forged retained status never reached the server.
    const [school] = await system.database.db
      .select({ online: lockers.online })
      .from(lockers)
      .where(eq(lockers.id, system.lockerIds.school));
    expect(school?.online).toBe(true);
  });
});
