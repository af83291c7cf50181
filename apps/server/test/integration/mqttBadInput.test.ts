import { randomUUID } from 'node:crypto';
import { SimulatedHal } from '@smartlocker/agent';
import type { AlertKind } from '@smartlocker/domain';
import { type Channel, MAX_PAYLOAD_BYTES, topicFor } from '@smartlocker/protocol';
import { and, eq } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { alerts, auditEvents, lockers } from '../../src/db/schema';

/**
 * Hostile input on the device side (issue 14): whatever arrives over MQTT — malformed, mistyped,
 * oversized, on a topic outside the protocol, naming another locker, a command published by a
 * locker's own account, a signed command replayed, re-addressed or altered — is rejected, logged
 * and counted; where it means an attack it raises an alert; the server never crashes and no
 * locker's state moves.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

const envelope = (lockerId: string, seq: number) => ({ v: 1, id: randomUUID(), lockerId, ts: Date.now(), seq });

describe.each(brokerBackends())('hostile MQTT input on $name', (broker) => {
  let system: TestSystem;
  /** The server's broker account: it may publish anywhere, so it can play any sender. */
  let anywhere: MqttClient;
  /** A locker known to the database with no agent: nothing but the test speaks for it. */
  let quiet: string;

  async function counter(name: string, labels: Record<string, string>): Promise<number> {
    const text = await system.metrics.registry.getSingleMetricAsString(name);
    let total = 0;
    for (const line of text.split('\n')) {
      const match = /^\w+\{(.*)\} (\S+)$/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      const found = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[2]);
    }
    return total;
  }

  async function row(id: string) {
    const [found] = await system.database.db.select().from(lockers).where(eq(lockers.id, id));
    if (!found) throw new Error(`no locker ${id}`);
    return found;
  }

  async function alertsOf(lockerId: string, type: AlertKind) {
    return system.database.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.lockerId, lockerId), eq(alerts.type, type)));
  }

  function agentOf(lockerId: string) {
    const agent = system.agents.find((a) => a.lockerId === lockerId);
    if (!agent) throw new Error(`no simulated agent for ${lockerId}`);
    return agent;
  }

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, broker);
    quiet = `QUIET_${system.lockerIds.school.slice('ECOLE_'.length)}`;
    const school = await row(system.lockerIds.school);
    await system.database.db
      .insert(lockers)
      .values({ id: quiet, siteId: school.siteId, name: 'Quiet', type: 'school', pairingCode: `SL-${quiet}` });
    for (const agent of system.agents) {
      await agent.waitUntilConnected();
      // Doors stay shut unless a test moves them: the relay counters are what is compared.
      if (agent.hal instanceof SimulatedHal) agent.hal.setAutoPerson(false);
    }
    anywhere = await mqtt.connectAsync(system.brokerUrl, {
      clientId: `hostile-${randomUUID().slice(0, 8)}`,
      clean: true,
      reconnectPeriod: 0,
      ...system.brokerAccount,
    });
  });

  afterAll(async () => {
    if (anywhere?.connected && broker.url) {
      for (const id of [quiet]) await anywhere.publishAsync(topicFor(id, 'state'), '', { qos: 1, retain: true });
    }
    await anywhere?.endAsync();
    await system?.dispose();
  });

  it('rejects malformed, mistyped and oversized payloads on every channel, moving nothing', async () => {
    const before = await row(quiet);
    const cases: { channel: Channel; payload: string | Buffer; outcome: string }[] = [
      { channel: 'state', payload: '{"v":1,', outcome: 'invalid_json' },
      { channel: 'event', payload: Buffer.from([0xff, 0xfe, 0x00, 0x7b]), outcome: 'invalid_json' },
      { channel: 'ack', payload: '[]', outcome: 'invalid_message' },
      { channel: 'heartbeat', payload: 'null', outcome: 'invalid_message' },
      {
        channel: 'state',
        payload: JSON.stringify({ ...envelope(quiet, 10_000), door: 42, lock: 'locked', lockdown: 'no' }),
        outcome: 'invalid_message',
      },
      {
        channel: 'event',
        payload: JSON.stringify({ ...envelope(quiet, 10_001), type: 'intrusion', count: '3; DROP TABLE lockers' }),
        outcome: 'invalid_message',
      },
      {
        channel: 'status',
        payload: JSON.stringify({ ...envelope(quiet, -1), online: 'yes', reason: '../../etc/passwd' }),
        outcome: 'invalid_message',
      },
      {
        channel: 'presence',
        payload: JSON.stringify({ ...envelope(quiet, 2 ** 60), distanceCm: 12, objectPresent: true }),
        outcome: 'invalid_message',
      },
      {
        channel: 'state',
        payload: JSON.stringify({ ...envelope(quiet, 10_002), pad: 'x'.repeat(MAX_PAYLOAD_BYTES) }),
        outcome: 'payload_too_large',
      },
      { channel: 'event', payload: `${'['.repeat(5_000)}${']'.repeat(5_000)}`, outcome: 'payload_too_large' },
    ];
    for (const { channel, payload, outcome } of cases) {
      const counted = await counter('smartlocker_mqtt_messages_total', { channel, outcome });
      await anywhere.publishAsync(topicFor(quiet, channel), payload, { qos: 1 });
      await waitUntil(
        `${channel} counted as ${outcome}`,
        async () => (await counter('smartlocker_mqtt_messages_total', { channel, outcome })) > counted,
      );
    }
    const after = await row(quiet);
    expect(after).toEqual(before);
    const recorded = await system.database.db.select().from(auditEvents).where(eq(auditEvents.lockerId, quiet));
    expect(recorded).toEqual([]);
    // Still answering: a valid state is applied at once.
    await anywhere.publishAsync(
      topicFor(quiet, 'state'),
      JSON.stringify({
        ...envelope(quiet, 1),
        door: 'closed',
        lock: 'locked',
        lockdown: { active: false, until: null },
        objectPresent: false,
        distanceCm: 50,
      }),
      { qos: 1 },
    );
    await waitUntil('the valid state', async () => (await row(quiet)).door === 'closed');
    expect((await system.health()).status).toBe('ok');
  });

  it('counts and drops messages on topics outside the protocol', async () => {
    const counted = await counter('smartlocker_mqtt_messages_total', { outcome: 'invalid_topic' });
    for (const topic of [
      'smartlocker/v1/lockers/lower-case/state',
      'smartlocker/v1/lockers/%2e%2e/event',
      `smartlocker/v1/lockers/${'A'.repeat(65)}/ack`,
    ]) {
      await anywhere.publishAsync(topic, JSON.stringify(envelope('X', 1)), { qos: 1 });
    }
    await waitUntil(
      'three invalid topics counted',
      async () => (await counter('smartlocker_mqtt_messages_total', { outcome: 'invalid_topic' })) >= counted + 3,
    );
  });

  it('raises an impersonation alert for a payload naming another locker, and applies nothing', async () => {
    const before = await row(quiet);
    const counted = await counter('smartlocker_security_events_total', { type: 'impersonation' });
    await anywhere.publishAsync(
      topicFor(quiet, 'event'),
      JSON.stringify({ ...envelope(system.lockerIds.sport, 500), type: 'lockdown_ended', by: 'server' }),
      { qos: 1 },
    );
    await waitUntil('impersonation counted', async () => {
      return (await counter('smartlocker_security_events_total', { type: 'impersonation' })) > counted;
    });
    const raised = await waitUntil('the alert', async () => (await alertsOf(quiet, 'impersonation'))[0]);
    expect(raised).toMatchObject({ severity: 'critical', data: { channel: 'event', claimed: system.lockerIds.sport } });
    expect(await row(quiet)).toEqual(before);
  });

  it('never carries out a signed command replayed, re-addressed or altered, and raises alerts', async () => {
    const { school, sport } = system.lockerIds;
    // Overhear one genuine signed command to the school locker (the server's account may listen).
    const captured = new Promise<Buffer>((resolve) => {
      anywhere.on('message', (topic, payload) => {
        if (topic === topicFor(school, 'cmd')) resolve(payload);
      });
    });
    await anywhere.subscribeAsync(topicFor(school, 'cmd'), { qos: 1 });
    const relayOf = (id: string) => agentOf(id).snapshot().counters.relayCycles;
    const schoolBefore = relayOf(school);
    const sportBefore = relayOf(sport);
    const sent = await system.gateway.sendCommand(school, 'open', { kind: 'admin', ref: 'bad-input-test' }, null);
    const original = await captured;
    await waitUntil('the genuine open carried out', async () => relayOf(school) === schoolBefore + 1);
    await waitUntil('the pulse over', async () => !agentOf(school).snapshot().pulseInProgress, 10_000);

    // 1. The same bytes again: acknowledged as a duplicate, never a second pulse.
    await anywhere.publishAsync(topicFor(school, 'cmd'), original, { qos: 1 });
    // 2. The same signed command on another locker's topic: wrong_locker.
    await anywhere.publishAsync(topicFor(sport, 'cmd'), original, { qos: 1 });
    // 3. Re-addressed in the payload too: the signature no longer matches (bad_signature).
    const altered = { ...JSON.parse(original.toString()), lockerId: sport };
    await anywhere.publishAsync(topicFor(sport, 'cmd'), JSON.stringify(altered), { qos: 1 });

    const replayed = await waitUntil(
      'replayed_command alert',
      async () => (await alertsOf(school, 'replayed_command'))[0],
    );
    expect(replayed.data).toMatchObject({ commandId: sent.commandId });
    const forged = await waitUntil('forged_command alert', async () => (await alertsOf(sport, 'forged_command'))[0]);
    expect(forged.severity).toBe('critical');
    await waitUntil(
      'both refusals counted',
      async () =>
        (await counter('smartlocker_command_acks_total', { outcome: 'refused', reason: 'wrong_locker' })) >= 1 &&
        (await counter('smartlocker_command_acks_total', { outcome: 'refused', reason: 'bad_signature' })) >= 1,
    );
    // One alert per (locker, type) however many forgeries: the second forgery added none.
    expect(await alertsOf(sport, 'forged_command')).toHaveLength(1);
    expect(relayOf(school)).toBe(schoolBefore + 1);
    expect(relayOf(sport)).toBe(sportBefore);
  });

  // The embedded broker's own access rules; Mosquitto's (dynamic security) have their test in
  // mosquittoDynsec.test.ts, and the shared Mosquitto of the test machine has none.
  if (broker.name !== 'aedes') return;
  it("refuses a command published with a locker's own account, and raises an alert", async () => {
    const id = `ROGUE_${system.lockerIds.school.slice('ECOLE_'.length)}`;
    const provisioned = await system.provisioning.provision(
      { id, name: 'Rogue', type: 'school', agent: { hal: { driver: 'simulator' } } },
      { kind: 'system', id: null },
    );
    const { username, password } = provisioned.agentConfig.mqtt as { username: string; password: string };
    const rogue = await mqtt.connectAsync(system.brokerUrl, {
      clientId: `smartlocker-agent-${id}`,
      username,
      password,
      clean: true,
      reconnectPeriod: 0,
    });
    const relayBefore = agentOf(system.lockerIds.school).snapshot().counters.relayCycles;
    const denied = await counter('smartlocker_broker_denied_total', { action: 'publish' });
    const closed = new Promise<void>((resolve) => rogue.once('close', () => resolve()));
    // A command for the school locker from the rogue locker's account: the broker refuses and
    // closes the session [MQTT-3.3.5-2]; the school locker never hears of it.
    rogue.publish(topicFor(system.lockerIds.school, 'cmd'), JSON.stringify({ v: 1, type: 'open' }), { qos: 1 });
    await closed;
    await waitUntil(
      'the refusal counted',
      async () => (await counter('smartlocker_broker_denied_total', { action: 'publish' })) > denied,
    );
    const raised = await waitUntil('the alert', async () => (await alertsOf(id, 'device_acl_violation'))[0]);
    expect(raised).toMatchObject({
      severity: 'critical',
      data: { action: 'publish', topic: topicFor(system.lockerIds.school, 'cmd') },
    });
    await rogue.endAsync(true);
    expect(agentOf(system.lockerIds.school).snapshot().counters.relayCycles).toBe(relayBefore);
  });
});
