import { randomUUID } from 'node:crypto';
import { type Channel, type ChannelPayload, encodeMessage, topicFor } from '@smartlocker/protocol';
import { eq } from 'drizzle-orm';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { auditEvents, lockers } from '../../src/db/schema';
import type { BusEvents } from '../../src/eventBus';

/**
 * The gateway against a real broker, with a raw MQTT client playing a locker: what it must drop
 * (bad JSON, bad shape, a payload claiming another locker, a replayed seq, an unknown locker), the
 * last will of a locker whose connection dies, and a signed command acknowledged by a simulated agent.
 */
type Outcome = 'applied' | 'duplicate' | 'unknown_locker' | 'topic_mismatch' | 'invalid_json' | 'invalid_message';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

function envelope(lockerId: string, seq: number) {
  return { v: 1 as const, id: randomUUID(), lockerId, ts: Date.now(), seq };
}

function stateMessage(lockerId: string, seq: number): ChannelPayload['state'] {
  return {
    ...envelope(lockerId, seq),
    door: 'closed',
    lock: 'locked',
    lockdown: { active: false, until: null },
    objectPresent: false,
    distanceCm: 42,
  };
}

describe.each(brokerBackends())('gateway on $name', (broker) => {
  let system: TestSystem;
  let device: MqttClient;
  /** A locker known to the database but with no agent: the raw client speaks for it. */
  let fake: string;
  /** A locker id nobody knows. */
  let ghost: string;

  async function mqttCount(channel: Channel, outcome: Outcome): Promise<number> {
    const text = await system.metrics.registry.getSingleMetricAsString('smartlocker_mqtt_messages_total');
    for (const line of text.split('\n')) {
      const match = /^smartlocker_mqtt_messages_total\{(.*)\} (\S+)$/.exec(line);
      if (!match?.[1] || !match[2]) continue;
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (labels.channel === channel && labels.outcome === outcome) return Number(match[2]);
    }
    return 0;
  }

  /** Publishes as a device and waits until the gateway has counted the message under `outcome`. */
  async function deliver(lockerId: string, channel: Channel, payload: string, outcome: Outcome): Promise<void> {
    const before = await mqttCount(channel, outcome);
    await device.publishAsync(topicFor(lockerId, channel), payload, { qos: 1, retain: false });
    await waitUntil(`${channel} counted as ${outcome}`, async () => (await mqttCount(channel, outcome)) > before);
    // The system's own simulated lockers have their messages applied at any moment, so a count of
    // `applied` says nothing about this one: callers wait for its effect on this locker instead.
    // An external broker is shared with the other suites, whose lockers are unknown to this
    // server: there, other messages may be counted as unknown_locker at the same moment.
    if (outcome === 'applied' || (broker.url && outcome === 'unknown_locker')) return;
    expect(await mqttCount(channel, outcome)).toBe(before + 1);
  }

  async function lockerRow(id: string) {
    const [row] = await system.database.db.select().from(lockers).where(eq(lockers.id, id));
    return row ?? null;
  }

  async function auditOf(lockerId: string) {
    return system.database.db.select().from(auditEvents).where(eq(auditEvents.lockerId, lockerId));
  }

  function agentOf(lockerId: string) {
    const agent = system.agents.find((a) => a.lockerId === lockerId);
    if (!agent) throw new Error(`no simulated agent for ${lockerId}`);
    return agent;
  }

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, broker);
    const suffix = system.lockerIds.school.slice('ECOLE_T'.length);
    fake = `FAKE_T${suffix}`;
    ghost = `GHOST_T${suffix}`;
    const school = await lockerRow(system.lockerIds.school);
    if (!school) throw new Error('school locker not seeded');
    await system.database.db.insert(lockers).values({
      id: fake,
      siteId: school.siteId,
      name: 'Impersonated locker',
      type: 'school',
      pairingCode: `SL-FAKE-T${suffix}`,
    });
    // Let the simulated agents settle (connected, status and state applied) so their own
    // messages do not land in the middle of a test's counts.
    for (const id of [system.lockerIds.school, system.lockerIds.sport]) {
      await agentOf(id).waitUntilConnected();
      await waitUntil(`${id} online with its state applied`, async () => {
        const row = await lockerRow(id);
        return row?.online && row.stateSeq > 0 && row.door !== 'unknown';
      });
    }
    // The server's own broker account: a locker's account could not speak for other lockers.
    device = await mqtt.connectAsync(system.brokerUrl, {
      clientId: `impersonator-${suffix}-${randomUUID().slice(0, 8)}`,
      clean: true,
      reconnectPeriod: 0,
      ...system.brokerAccount,
    });
  });

  afterAll(async () => {
    const ids = system ? [system.lockerIds.school, system.lockerIds.sport, fake, ghost] : [];
    await system?.dispose();
    if (device) {
      // Leave nothing retained on a shared external broker: the agents retained status and state.
      if (broker.url && device.connected) {
        for (const id of ids) {
          for (const channel of ['status', 'state'] as const) {
            await device.publishAsync(topicFor(id, channel), '', { qos: 1, retain: true });
          }
        }
      }
      await device.endAsync();
    }
  });

  it('drops invalid JSON and schema-invalid state without disturbing the server', async () => {
    await deliver(fake, 'state', '{"v":1,"lockerId":', 'invalid_json');
    await deliver(
      fake,
      'state',
      JSON.stringify({ v: 1, id: randomUUID(), lockerId: fake, door: 'ajar' }),
      'invalid_message',
    );
    // A valid state with a seq that is not a positive integer is a schema failure too.
    await deliver(fake, 'state', JSON.stringify({ ...stateMessage(fake, 1), seq: 0 }), 'invalid_message');
    expect(await lockerRow(fake)).toMatchObject({ door: 'unknown', stateSeq: 0, online: false });

    // Still running: the broker connection is up and the next good message is applied.
    expect(system.gateway.connected).toBe(true);
    expect((await fetch(`${system.url}/healthz`)).status).toBe(200);
    await deliver(fake, 'state', encodeMessage('state', stateMessage(fake, 1)), 'applied');
    await waitUntil('the state applied', async () => (await lockerRow(fake))?.stateSeq === 1);
    expect(await lockerRow(fake)).toMatchObject({ door: 'closed', lock: 'locked', distanceCm: 42, stateSeq: 1 });
  });

  it('drops a message whose payload names another locker than its topic', async () => {
    const school = await lockerRow(system.lockerIds.school);
    const fakeBefore = await lockerRow(fake);
    const claimed = stateMessage(system.lockerIds.school, 1_000_000);
    await deliver(fake, 'state', encodeMessage('state', { ...claimed, door: 'open' }), 'topic_mismatch');
    await deliver(
      fake,
      'event',
      encodeMessage('event', { ...envelope(system.lockerIds.school, 1_000_001), type: 'door_closed' }),
      'topic_mismatch',
    );
    // The school's own agent may report meanwhile; the claimed sequence must not have been taken.
    const schoolAfter = await lockerRow(system.lockerIds.school);
    expect(schoolAfter?.stateSeq).toBeGreaterThanOrEqual(school?.stateSeq ?? 0);
    expect(schoolAfter?.stateSeq).toBeLessThan(1_000_000);
    expect(await lockerRow(fake)).toEqual(fakeBefore);
  });

  it('records each event once by its seq, and still records an older one that arrives late', async () => {
    const first = { ...envelope(fake, 10), type: 'door_closed' as const };
    await deliver(fake, 'event', encodeMessage('event', first), 'applied');
    await waitUntil('the event recorded', async () => (await auditOf(fake)).some((r) => r.data.messageId === first.id));
    const applied = await auditOf(fake);
    expect(applied.filter((r) => r.data.messageId === first.id)).toHaveLength(1);
    expect(applied.find((r) => r.data.messageId === first.id)).toMatchObject({
      actorKind: 'device',
      actorId: fake,
      action: 'device.door_closed',
    });

    // The exact redelivery, and another message claiming the same seq: both duplicates.
    await deliver(fake, 'event', encodeMessage('event', first), 'duplicate');
    const same = { ...envelope(fake, 10), type: 'door_closed' as const };
    await deliver(fake, 'event', encodeMessage('event', same), 'duplicate');
    const afterDuplicates = await auditOf(fake);
    expect(afterDuplicates).toHaveLength(applied.length);
    expect(afterDuplicates.filter((r) => r.data.messageId === same.id)).toEqual([]);

    // MQTT orders per topic only: an older event (from an offline queue) is a record of its own.
    const older = { ...envelope(fake, 5), type: 'door_opened' as const, legitimate: false };
    await deliver(fake, 'event', encodeMessage('event', older), 'applied');
    await waitUntil('the older event recorded', async () =>
      (await auditOf(fake)).some((r) => r.data.messageId === older.id),
    );
    expect((await auditOf(fake)).filter((r) => r.data.messageId === older.id)).toHaveLength(1);
  });

  it('applies a state only if it is newer than the last state, whatever the other channels said', async () => {
    const before = await lockerRow(fake);
    const base = before?.stateSeq ?? 0;
    await deliver(
      fake,
      'state',
      encodeMessage('state', { ...stateMessage(fake, base + 100), door: 'open' }),
      'applied',
    );
    await waitUntil('the newer state applied', async () => (await lockerRow(fake))?.stateSeq === base + 100);
    await deliver(
      fake,
      'state',
      encodeMessage('state', { ...stateMessage(fake, base + 50), door: 'closed' }),
      'duplicate',
    );
    expect(await lockerRow(fake)).toMatchObject({ door: 'open', stateSeq: base + 100 });
  });

  it('keeps repeated heartbeats and distance-only presence in memory, and writes them in one batch', async () => {
    const heartbeat = (seq: number, opens: number) =>
      encodeMessage('heartbeat', {
        ...envelope(fake, seq),
        uptimeS: seq,
        firmware: 'memory-test',
        counters: { opens, relayCycles: opens, alerts: 0 },
      });
    const presence = (seq: number, distanceCm: number) =>
      encodeMessage('presence', { ...envelope(fake, seq), objectPresent: false, distanceCm });
    await deliver(fake, 'heartbeat', heartbeat(1001, 3), 'applied');
    await waitUntil('the first heartbeat written', async () => (await lockerRow(fake))?.opensCount === 3);
    await deliver(fake, 'presence', presence(1002, 40), 'applied');
    await waitUntil('the first presence written', async () => (await lockerRow(fake))?.distanceCm === 40);
    const written = await lockerRow(fake);

    // Same facts again: nothing to write. Only the distance moves: kept too.
    await deliver(fake, 'heartbeat', heartbeat(1003, 3), 'applied');
    await deliver(fake, 'presence', presence(1004, 41), 'applied');
    await deliver(fake, 'presence', presence(1005, 42), 'applied');
    // A locker's messages are applied in order: once this change is written, the ones before are done.
    await deliver(fake, 'heartbeat', heartbeat(1006, 4), 'applied');
    await waitUntil('the changed counters written', async () => (await lockerRow(fake))?.opensCount === 4);
    const before = await lockerRow(fake);
    expect(before).toMatchObject({ distanceCm: 40, presenceSeq: written?.presenceSeq });

    await system.gateway.flushTelemetry();
    const after = await lockerRow(fake);
    expect(after).toMatchObject({ distanceCm: 42, presenceSeq: 1005, online: true });
    expect(after?.lastSeenAt?.getTime()).toBeGreaterThanOrEqual(
      before?.lastSeenAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    // An older presence than the one kept is a duplicate, even before it reached the database.
    await deliver(fake, 'presence', presence(1004, 99), 'duplicate');
    expect((await lockerRow(fake))?.distanceCm).toBe(42);
  });

  it('asks a locker for its state again when a heartbeat names a report the server never applied', async () => {
    const resyncs = async () =>
      Number(/^smartlocker_state_resyncs_total (\S+)$/m.exec(await system.metrics.registry.metrics())?.[1] ?? 0);
    const asked: ChannelPayload['cmd'][] = [];
    const cmdTopic = topicFor(fake, 'cmd');
    const onCommand = (topic: string, payload: Buffer) => {
      if (topic === cmdTopic) asked.push(JSON.parse(payload.toString()) as ChannelPayload['cmd']);
    };
    device.on('message', onCommand);
    await device.subscribeAsync(cmdTopic, { qos: 1 });
    try {
      const base = ((await lockerRow(fake))?.stateSeq ?? 0) + 1_000;
      await deliver(fake, 'state', encodeMessage('state', stateMessage(fake, base)), 'applied');
      await waitUntil('the state applied', async () => (await lockerRow(fake))?.stateSeq === base);
      // Each heartbeat changes the firmware, so its write marks it handled (the check comes first).
      const heartbeat = async (seq: number, stateSeq: number, firmware: string) => {
        const payload = encodeMessage('heartbeat', {
          ...envelope(fake, seq),
          uptimeS: 60,
          firmware,
          counters: { opens: 0, relayCycles: 0, alerts: 0 },
          stateSeq,
        });
        await device.publishAsync(topicFor(fake, 'heartbeat'), payload, { qos: 1, retain: false });
        await waitUntil(`heartbeat ${firmware} handled`, async () => (await lockerRow(fake))?.firmware === firmware);
      };
      const before = await resyncs();

      // The last report the locker sent is the one applied: nothing is asked.
      await heartbeat(base + 1, base, 'resync-1');
      expect(await resyncs()).toBe(before);
      // It sent a newer one that never arrived: it is asked once for its state.
      await heartbeat(base + 3, base + 2, 'resync-2');
      await waitUntil('report_state published to the locker', () => asked.length === 1);
      expect(asked[0]).toMatchObject({
        type: 'report_state',
        lockerId: fake,
        origin: { kind: 'system', ref: 'state_resync' },
      });
      expect(await resyncs()).toBe(before + 1);
      // Still behind at the next heartbeat: not asked again within 10 s.
      await heartbeat(base + 4, base + 2, 'resync-3');
      expect(await resyncs()).toBe(before + 1);
      // The answer arrives; later heartbeats naming it ask nothing.
      await deliver(fake, 'state', encodeMessage('state', stateMessage(fake, base + 5)), 'applied');
      await waitUntil('the answer applied', async () => (await lockerRow(fake))?.stateSeq === base + 5);
      await heartbeat(base + 6, base + 5, 'resync-4');
      expect(await resyncs()).toBe(before + 1);
      expect(asked).toHaveLength(1);
    } finally {
      device.off('message', onCommand);
      await device.unsubscribeAsync(cmdTopic);
    }
  });

  it('counts messages for an unknown locker and creates nothing', async () => {
    const acks: BusEvents['command.acknowledged'][] = [];
    const changes: BusEvents['locker.changed'][] = [];
    const offAck = system.bus.on('command.acknowledged', (ack) => acks.push(ack));
    const offChange = system.bus.on('locker.changed', (change) => changes.push(change));
    try {
      await deliver(
        ghost,
        'status',
        encodeMessage('status', { ...envelope(ghost, 1), online: true, reason: 'connected' }),
        'unknown_locker',
      );
      await deliver(ghost, 'state', encodeMessage('state', stateMessage(ghost, 2)), 'unknown_locker');
      await deliver(
        ghost,
        'event',
        encodeMessage('event', { ...envelope(ghost, 3), type: 'intrusion', count: 1 }),
        'unknown_locker',
      );
      await deliver(
        ghost,
        'heartbeat',
        encodeMessage('heartbeat', {
          ...envelope(ghost, 4),
          uptimeS: 5,
          firmware: 'test',
          counters: { opens: 0, relayCycles: 0, alerts: 0 },
        }),
        'unknown_locker',
      );
      await deliver(
        ghost,
        'ack',
        encodeMessage('ack', {
          ...envelope(ghost, 5),
          commandId: randomUUID(),
          commandType: 'open',
          outcome: 'accepted',
        }),
        'unknown_locker',
      );
    } finally {
      offAck();
      offChange();
    }
    expect(await lockerRow(ghost)).toBeNull();
    expect(await system.database.db.select().from(auditEvents).where(eq(auditEvents.actorId, ghost))).toEqual([]);
    expect(acks.filter((a) => a.lockerId === ghost)).toEqual([]);
    expect(changes.filter((c) => c.locker.id === ghost)).toEqual([]);
  });

  it('relays a signed command to the locker and hears it acknowledged', async () => {
    const sport = system.lockerIds.sport;
    await agentOf(sport).waitUntilConnected();
    const acks: BusEvents['command.acknowledged'][] = [];
    const off = system.bus.on('command.acknowledged', (ack) => acks.push(ack));
    try {
      const sent = await system.gateway.sendCommand(sport, 'report_state', { kind: 'system' }, null);
      expect(sent.expiresAt).toBeGreaterThan(Date.now());
      const ack = await waitUntil('the acknowledgement', () => acks.find((a) => a.commandId === sent.commandId));
      expect(ack).toEqual({
        lockerId: sport,
        commandId: sent.commandId,
        commandType: 'report_state',
        outcome: 'accepted',
        userId: null,
      });
      const audit = await auditOf(sport);
      expect(audit.filter((r) => r.action === 'command.accepted' && r.data.commandId === sent.commandId)).toHaveLength(
        1,
      );
    } finally {
      off();
    }
  });

  it("marks a locker offline through the broker's last will when its connection drops", async () => {
    const school = system.lockerIds.school;
    const agent = agentOf(school);
    await agent.waitUntilConnected();
    await waitUntil('the school locker online', async () => (await lockerRow(school))?.online);
    const views: BusEvents['locker.changed']['locker'][] = [];
    const off = system.bus.on('locker.changed', ({ locker }) => {
      if (locker.id === school) views.push(locker);
    });
    try {
      const auditBefore = await auditOf(school);
      agent.dropConnection();
      // The view is read back from the database when announced, so online:false is the stored fact.
      const offline = await waitUntil('locker.changed online:false', () => views.find((v) => !v.online));
      expect(offline).toMatchObject({ id: school, online: false });
      const lost = (await auditOf(school)).filter(
        (r) => r.action === 'locker.offline' && !auditBefore.some((b) => b.id === r.id),
      );
      expect(lost).toHaveLength(1);
      expect(lost[0]?.data).toEqual({ reason: 'connection_lost' });

      // mqtt.js reconnects the agent, which announces itself online again.
      const index = views.indexOf(offline);
      await waitUntil('locker.changed online:true after the drop', () => views.slice(index).find((v) => v.online));
      await waitUntil('the school locker online again', async () => (await lockerRow(school))?.online);
    } finally {
      off();
    }
  });
});
