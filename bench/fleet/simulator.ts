/**
 * The fleet simulator of scenario 3 (issue 13), a process of its own (`node --import tsx`):
 * N lockers, one MQTT connection each, speaking protocol v1 as apps/agent does — user name =
 * locker id, its provisioned secret as password, client id `smartlocker-agent-<id>`, a retained
 * `status` last will; at connect `status` (online, retained) then `state` (retained), both QoS 1;
 * then a `heartbeat` every 30 s and a `presence` every 10 s, QoS 0 (docs/protocol.md §2, §4.5,
 * §4.6), each locker at its own random phase so the load is even, as a real fleet's would be.
 * Every message carries the locker's next `seq`. Driven by the bench over IPC:
 *   ← { type: 'connect', brokerUrl, lockerIds, secret, concurrency }
 *   → { type: 'connected', connected, failed, seconds, sent }
 *   ← { type: 'go' }     starts the telemetry
 *   ← { type: 'stop' }   → { type: 'stopped', sent }  (telemetry stopped; still connected)
 *   ← { type: 'close' }  disconnects everyone and exits
 */
import { randomUUID } from 'node:crypto';
import { type Channel, encodeMessage, topicFor } from '@smartlocker/protocol';
import mqtt, { type MqttClient } from 'mqtt';

type Inbound =
  | { type: 'connect'; brokerUrl: string; lockerIds: string[]; secret: string; concurrency: number }
  | { type: 'go' }
  | { type: 'stop' }
  | { type: 'close' };

const HEARTBEAT_MS = 30_000;
const PRESENCE_MS = 10_000;
const FIRMWARE = 'smartlocker-fleet-sim 1.0';
const CONNECT_ATTEMPTS = 4;

interface SimulatedLocker {
  id: string;
  client: MqttClient | null;
  seq: number;
  bootAt: number;
  timers: NodeJS.Timeout[];
}

const lockers: SimulatedLocker[] = [];
const sent: Record<string, number> = { status: 0, state: 0, heartbeat: 0, presence: 0 };
let publishErrors = 0;

function envelope(locker: SimulatedLocker) {
  locker.seq += 1;
  return { v: 1 as const, id: randomUUID(), lockerId: locker.id, ts: Date.now(), seq: locker.seq };
}

function publish(locker: SimulatedLocker, channel: Channel, payload: string, qos: 0 | 1, retain: boolean): void {
  locker.client?.publish(topicFor(locker.id, channel), payload, { qos, retain }, (error) => {
    if (error) publishErrors += 1;
    else sent[channel] = (sent[channel] ?? 0) + 1;
  });
}

function connectOne(locker: SimulatedLocker, brokerUrl: string, secret: string): Promise<void> {
  const will = encodeMessage('status', { ...envelope(locker), online: false, reason: 'connection_lost' });
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(brokerUrl, {
      clientId: `smartlocker-agent-${locker.id}`,
      username: locker.id,
      password: secret,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 60_000,
      will: { topic: topicFor(locker.id, 'status'), payload: Buffer.from(will), qos: 1, retain: true },
    });
    client.once('connect', () => {
      client.removeAllListeners('error');
      // A broken connection later is counted, not retried: the figures would hide it otherwise.
      client.on('error', () => {});
      locker.client = client;
      publish(
        locker,
        'status',
        encodeMessage('status', { ...envelope(locker), online: true, reason: 'connected', firmware: FIRMWARE }),
        1,
        true,
      );
      publish(
        locker,
        'state',
        encodeMessage('state', {
          ...envelope(locker),
          door: 'closed',
          lock: 'locked',
          lockdown: { active: false, until: null },
          objectPresent: false,
          distanceCm: 45,
        }),
        1,
        true,
      );
      resolve();
    });
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

async function connectAll(message: Extract<Inbound, { type: 'connect' }>): Promise<void> {
  const started = performance.now();
  for (const id of message.lockerIds) lockers.push({ id, client: null, seq: 0, bootAt: Date.now(), timers: [] });
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < lockers.length) {
      const locker = lockers[next++] as SimulatedLocker;
      for (let attempt = 1; ; attempt++) {
        try {
          await connectOne(locker, message.brokerUrl, message.secret);
          break;
        } catch {
          if (attempt >= CONNECT_ATTEMPTS) {
            failed += 1;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: message.concurrency }, worker));
  const connected = lockers.filter((l) => l.client?.connected).length;
  process.send?.({ type: 'connected', connected, failed, seconds: (performance.now() - started) / 1000, sent });
}

function heartbeat(locker: SimulatedLocker): void {
  const uptimeS = Math.floor((Date.now() - locker.bootAt) / 1000);
  publish(
    locker,
    'heartbeat',
    encodeMessage('heartbeat', {
      ...envelope(locker),
      uptimeS,
      firmware: FIRMWARE,
      counters: { opens: 0, relayCycles: 0, alerts: 0 },
    }),
    0,
    false,
  );
}

function presence(locker: SimulatedLocker): void {
  publish(
    locker,
    'presence',
    encodeMessage('presence', { ...envelope(locker), distanceCm: 45, objectPresent: false }),
    0,
    false,
  );
}

/** Each locker at a random phase of each period, then every period. */
function every(locker: SimulatedLocker, periodMs: number, action: (l: SimulatedLocker) => void): void {
  const first = setTimeout(() => {
    action(locker);
    locker.timers.push(setInterval(() => action(locker), periodMs));
  }, Math.random() * periodMs);
  locker.timers.push(first);
}

function stopTelemetry(): void {
  for (const locker of lockers) {
    for (const timer of locker.timers) clearTimeout(timer);
    locker.timers = [];
  }
}

process.on('message', (message: Inbound) => {
  switch (message.type) {
    case 'connect':
      connectAll(message).catch((error: Error) => process.send?.({ type: 'error', message: error.message }));
      return;
    case 'go':
      for (const locker of lockers) {
        if (!locker.client) continue;
        every(locker, HEARTBEAT_MS, heartbeat);
        every(locker, PRESENCE_MS, presence);
      }
      return;
    case 'stop':
      stopTelemetry();
      // QoS 0 callbacks fire once written to the socket: give the last ones a moment.
      setTimeout(() => process.send?.({ type: 'stopped', sent, publishErrors }), 200);
      return;
    case 'close':
      stopTelemetry();
      Promise.all(lockers.map((l) => l.client?.endAsync(true).catch(() => {})))
        .catch(() => {})
        .finally(() => {
          process.disconnect?.();
          process.exit(0);
        });
      return;
  }
});
