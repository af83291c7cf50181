import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, startAgent } from '@smartlocker/agent';
import { CHANNEL_DIRECTION, CHANNELS, TOPIC_ROOT } from '@smartlocker/protocol';
import { and, eq } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends, EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { type DynsecBroker, dynsecInstalled, startDynsecMosquitto } from '../../../../test-support/dynsecMosquitto';
import { captureLogs } from '../../../../test-support/logs';
import {
  addBridgeAccount,
  renderSiteBridge,
  type SiteBroker,
  startSiteBroker,
} from '../../../../test-support/mosquittoBridge';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { MosquittoDynamicSecurity } from '../../src/broker/MosquittoDynamicSecurity';
import { siteBridgeTopic } from '../../src/broker/siteBridges';
import { auditEvents, lockers, sites } from '../../src/db/schema';
import type { LockerView } from '../../src/services/lockerView';

/**
 * Issue 13 "Sites with their own broker", on two private Mosquitto processes on loopback: a
 * central one with dynamic security, where the server is, and a site's own, where its lockers
 * are, bridged by the shipped deploy/mosquitto/site-bridge.conf (the account on the central side
 * made by the shipped central-site-bridge.sh). Commands and reports cross the bridge; the site's
 * broker dying is the site's lockers going offline; its return brings them back.
 *
 * TEST_MQTT_URL is how the suite knows Mosquitto is installed: without it this suite is not
 * defined at all (nothing counted as skipped); with CI=true and no TEST_MQTT_URL, brokerBackends()
 * fails the run. The shared broker on TEST_MQTT_URL itself is never touched.
 */
const withMosquitto = brokerBackends().filter((backend) => backend.name === 'mosquitto');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** The template needs no broker to be read: this part runs everywhere. */
describe('the shipped site bridge template', () => {
  const siteId = '0b6f3a52-4c1e-4d8e-9a57-3f0c2d9e8b11';
  const rendered = renderSiteBridge({ siteId, centralAddress: 'central.example.org:8883', bridgePassword: 'secret' });
  const settings = rendered
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('forwards exactly the protocol topics, reports out and commands in, at QoS 1', () => {
    const expected = CHANNELS.map(
      (channel) =>
        `topic ${TOPIC_ROOT}/+/${channel} ${CHANNEL_DIRECTION[channel] === 'device→server' ? 'out' : 'in'} 1`,
    );
    expect(settings.filter((line) => line.startsWith('topic ')).sort()).toEqual(expected.sort());
  });

  it('names the site in its notification, keeps persistent sessions and notifies the central side', () => {
    expect(settings).toEqual(
      expect.arrayContaining([
        `connection smartlocker-site-${siteId}`,
        'address central.example.org:8883',
        `notification_topic ${siteBridgeTopic(siteId)}`,
        'notifications true',
        'notifications_local_only false',
        'cleansession false',
        'local_cleansession false',
        `remote_username smartlocker-bridge-${siteId}`,
        'remote_password secret',
      ]),
    );
  });
});

/** How long the server may take to see the site offline once its broker died (loopback: a TCP reset, well under a second). */
const OFFLINE_BOUND_MS = 10_000;
/** Back online: the site broker's start, the bridge's connection, and the agents' next attempt (at most 1 s apart here). */
const ONLINE_BOUND_MS = 20_000;

describe.each(withMosquitto)('a site with its own Mosquitto bridged to the central one', () => {
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const siteLockers = [`BRIDGE_A${suffix}`, `BRIDGE_B${suffix}`];
  const bridgePassword = randomBytes(24).toString('base64url');
  const logs = captureLogs('info');
  const agents: RunningAgent[] = [];
  const told: LockerView[] = [];
  let central: DynsecBroker;
  let site: SiteBroker;
  let system: TestSystem;
  let siteId: string;
  let stateRoot: string;
  let stopListening: () => void = () => {};

  async function row(id: string) {
    const [found] = await system.database.db.select().from(lockers).where(eq(lockers.id, id));
    if (!found) throw new Error(`no locker ${id}`);
    return found;
  }

  async function allOnline(ids: readonly string[], online: boolean): Promise<boolean> {
    const rows = await Promise.all(ids.map(row));
    return rows.every((r) => r.online === online);
  }

  /**
   * What a client of the central broker reads on the bridge's notification topic: the retained
   * message, or the first one published if there is none yet (a bridge still connecting).
   */
  async function centralNotification(): Promise<string> {
    const client = await mqtt.connectAsync(central.url, { ...central.admin, reconnectPeriod: 0 });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const received = new Promise<string>((resolve, reject) => {
        client.on('message', (_topic, payload) => resolve(payload.toString()));
        timer = setTimeout(() => reject(new Error('no bridge notification on the central broker within 10 s')), 10_000);
      });
      await client.subscribeAsync(siteBridgeTopic(siteId), { qos: 1 });
      return await received;
    } finally {
      clearTimeout(timer);
      await client.endAsync();
    }
  }

  beforeAll(async () => {
    if (!dynsecInstalled) {
      throw new Error('TEST_MQTT_URL is set but mosquitto, mosquitto_ctrl or the dynamic-security plugin is missing');
    }
    central = await startDynsecMosquitto();
    // EMBEDDED_BROKER with MQTT_URL in the environment, as mosquittoDynsec.test.ts: the central
    // broker refuses anonymous clients, so the test system must not clear retained messages anonymously.
    system = await startTestSystem(
      EMBEDDED_DATABASE,
      EMBEDDED_BROKER,
      {
        MQTT_URL: central.url,
        MQTT_USERNAME: central.admin.username,
        MQTT_PASSWORD: central.admin.password,
        MQTT_DYNSEC: 'true',
      },
      { logger: logs.logger },
    );
    stopListening = system.bus.on('locker.changed', ({ locker }) => told.push(locker));
    const [created] = await system.database.db
      .insert(sites)
      .values({ name: `Site pont ${suffix}`, timeZone: 'Europe/Brussels' })
      .returning({ id: sites.id });
    if (!created) throw new Error('no site created');
    siteId = created.id;
    await addBridgeAccount(central, siteId, bridgePassword);
    site = await startSiteBroker(central, { siteId, bridgePassword });
    stateRoot = mkdtempSync(join(tmpdir(), 'smartlocker-bridge-agents-'));
    for (const [index, id] of siteLockers.entries()) {
      const { agentConfig } = await system.provisioning.provision(
        {
          id,
          name: `Casier du site ${index + 1}`,
          type: index === 0 ? 'sport' : 'school',
          siteId,
          agent: { mqttUrl: site.url, stateDir: join(stateRoot, id), hal: { driver: 'simulator' } },
        },
        { kind: 'system', id: null },
      );
      const mqttSettings = agentConfig.mqtt as Record<string, unknown>;
      // Retries close together, so that the return of the site broker is seen within the bound.
      const agent = await startAgent({
        ...agentConfig,
        mqtt: { ...mqttSettings, reconnect: { initialDelayMs: 200, maxDelayMs: 1_000, jitter: 0.2 } },
        logLevel: 'silent',
      });
      agents.push(agent);
    }
  });

  afterAll(async () => {
    stopListening();
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    await site?.dispose();
    await central?.stop();
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });

  it('runs the bridge from the shipped template, and the central broker tells it is up', async () => {
    expect(site.bridgeConfig).toContain(`notification_topic smartlocker/v1/sites/${siteId}/bridge`);
    expect(site.bridgeConfig).toContain(`remote_clientid smartlocker-bridge-${siteId}`);
    expect(await centralNotification()).toBe('1');
  });

  it("brings the site's lockers online on the server through the bridge", async () => {
    await Promise.all(agents.map((agent) => agent.waitUntilConnected(15_000)));
    await waitUntil('the site lockers online', () => allOnline(siteLockers, true), ONLINE_BOUND_MS);
    expect((await row(siteLockers[0] as string)).siteId).toBe(siteId);
  });

  it('carries a command to the locker and its acknowledgement and state back', async () => {
    const lockerId = siteLockers[0] as string;
    const before = await row(lockerId);
    const reported = await system.gateway.sendCommandAndWait(lockerId, 'report_state', { kind: 'system' }, null);
    expect(reported.answer).toEqual({ outcome: 'accepted' });
    // report_state answers with a fresh `state`: a higher sequence, through the bridge.
    await waitUntil('the fresh state report', async () => (await row(lockerId)).stateSeq > before.stateSeq, 10_000);

    const opened = await system.gateway.sendCommandAndWait(lockerId, 'open', { kind: 'admin' }, null);
    expect(opened.answer).toEqual({ outcome: 'accepted' });
    await waitUntil('the strike released', async () => (await row(lockerId)).lock === 'unlocked', 10_000);
    const acks = await system.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lockerId, lockerId), eq(auditEvents.action, 'command.accepted')));
    expect(acks.map((a) => (a.data as { commandId: string }).commandId)).toEqual(
      expect.arrayContaining([reported.commandId, opened.commandId]),
    );
  });

  it('ignores a malformed bridge notification with a log, and nothing moves', async () => {
    // An account allowed to publish on every site topic: a misconfigured bridge, or worse.
    const admin = await MosquittoDynamicSecurity.connect({
      url: central.url,
      ...central.admin,
      logger: pino({ level: 'silent' }),
    });
    const notifier = `notifier-${suffix}`;
    const password = randomBytes(16).toString('base64url');
    let client: MqttClient | null = null;
    try {
      await admin.execute([
        {
          command: 'createRole',
          rolename: notifier,
          acls: [{ acltype: 'publishClientSend', topic: 'smartlocker/v1/sites/#', priority: 0, allow: true }],
        },
        { command: 'createClient', username: notifier, password, roles: [{ rolename: notifier, priority: 0 }] },
      ]);
      client = await mqtt.connectAsync(central.url, { username: notifier, password, reconnectPeriod: 0 });
      const warnings = () => logs.lines().filter((l) => l.part === 'site-bridges' && l.level === 40).length;
      const seen = warnings();
      await client.publishAsync(siteBridgeTopic(siteId), 'offline', { qos: 1 });
      await client.publishAsync(siteBridgeTopic(siteId), '2', { qos: 1 });
      await client.publishAsync('smartlocker/v1/sites/not-a-site/bridge', '0', { qos: 1 });
      await waitUntil('three warnings', async () => warnings() >= seen + 3, 10_000);
    } finally {
      await client?.endAsync();
      await admin.close();
    }
    const ignored = logs.lines().filter((l) => l.part === 'site-bridges' && l.level === 40);
    expect(ignored.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'site bridge notification is neither "0" nor "1"; ignored',
        'site bridge notification on a topic that names no site; ignored',
      ]),
    );
    expect(system.gateway.connected).toBe(true);
    expect(await allOnline(siteLockers, true)).toBe(true);
  });

  it("marks every locker of the site offline when the site's broker dies, and tells the browsers", async () => {
    const others = Object.values(system.lockerIds);
    await waitUntil('the other site lockers online', () => allOnline(others, true), ONLINE_BOUND_MS);
    told.length = 0;
    const killedAt = Date.now();
    await site.kill();
    await waitUntil('the site lockers offline', () => allOnline(siteLockers, false), OFFLINE_BOUND_MS);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(OFFLINE_BOUND_MS);
    expect(await centralNotification()).toBe('0');

    // Told as any locker going offline is: a `locker.changed` with online false, for each.
    await waitUntil(
      'the browsers told',
      async () => siteLockers.every((id) => told.some((view) => view.id === id && !view.online)),
      5_000,
    );
    const recorded = await system.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, 'locker.offline'));
    for (const id of siteLockers) {
      expect(recorded.find((r) => r.lockerId === id)?.data).toEqual({ reason: 'site_bridge_down', siteId });
    }
    for (const id of siteLockers) expect((await row(id)).offlineSince).not.toBeNull();
    // Lockers of another site, on the central broker directly, are not that site.
    expect(await allOnline(others, true)).toBe(true);
  });

  it('brings them back online when the site broker returns, and commands cross again', async () => {
    await site.start();
    await waitUntil('the site lockers back online', () => allOnline(siteLockers, true), ONLINE_BOUND_MS);
    expect(await centralNotification()).toBe('1');
    const lockerId = siteLockers[1] as string;
    const sent = await system.gateway.sendCommandAndWait(lockerId, 'report_state', { kind: 'system' }, null);
    expect(sent.answer).toEqual({ outcome: 'accepted' });
  });
});
