import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import {
  type ChannelPayload,
  type CommandType,
  decodeMessage,
  generateCommandKeyPair,
  loadPrivateKey,
  parseTopic,
  RETAINED_CHANNELS,
  signCommand,
  TOPIC_ROOT,
  topicFor,
} from '@smartlocker/protocol';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceChannel } from '../../src/DeviceEnvelope';

export const serverKeys = generateCommandKeyPair();
export const serverPrivateKey = loadPrivateKey(serverKeys.privateKeyPem);

export type Received = {
  [C in DeviceChannel]: { channel: C; message: ChannelPayload[C]; retain: boolean };
}[DeviceChannel];

/** An aedes broker on a TCP port, which can be stopped and started again on the same port. */
export class AedesBroker {
  #stopNow: (() => Promise<void>) | null = null;

  private constructor(public port: number) {}

  static async start(port = 0): Promise<AedesBroker> {
    const broker = new AedesBroker(port);
    await broker.restart();
    return broker;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port; retained messages are gone, as with a broker that lost its memory. */
  async restart(): Promise<void> {
    const broker = await Aedes.createBroker();
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      broker.handle(socket);
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as AddressInfo).port;
    this.#stopNow = async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }

  async stop(): Promise<void> {
    const stop = this.#stopNow;
    this.#stopNow = null;
    await stop?.();
  }
}

/** Watches a locker's topics the way the server does, and checks every payload against protocol v1. */
export class Observer {
  readonly received: Received[] = [];
  readonly invalid: string[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const parsed = parseTopic(topic);
      // Only what the device says; `cmd` and `config` are the server's (some tests send garbage on purpose).
      if (!parsed || parsed.channel === 'cmd' || parsed.channel === 'config' || payload.length === 0) return;
      const decoded = decodeMessage(parsed.channel, payload);
      if (!decoded.ok) this.invalid.push(`${topic}: ${decoded.detail}`);
      else this.received.push({ channel: parsed.channel, message: decoded.message, retain: packet.retain } as Received);
    });
  }

  /** `reconnect`: follow the broker through a restart (resubscribing), as the server's own client does. */
  static async connect(url: string, lockerId: string, options: { reconnect?: boolean } = {}): Promise<Observer> {
    const client = await mqtt.connectAsync(url, {
      clientId: `observer-${randomUUID()}`,
      reconnectPeriod: options.reconnect ? 100 : 0,
    });
    const observer = new Observer(client);
    await client.subscribeAsync(`${TOPIC_ROOT}/${lockerId}/+`, { qos: 1 });
    return observer;
  }

  of<C extends DeviceChannel>(channel: C): ChannelPayload[C][] {
    return this.received.flatMap((r) => (r.channel === channel ? [r.message as ChannelPayload[C]] : []));
  }

  async waitFor<T>(find: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined && found !== false) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.received.slice(-20))}`);
      }
      await sleep(20);
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

let commandCounter = 0;

/** An unsigned command as the server builds it: 8 s of validity (docs/protocol.md §5.5). */
export function command(
  lockerId: string,
  type: CommandType,
  overrides: { issuedAt?: number; expiresAt?: number } = {},
) {
  commandCounter += 1;
  const issuedAt = overrides.issuedAt ?? Date.now();
  return {
    v: 1 as const,
    id: `it-${commandCounter}-${randomUUID()}`.slice(0, 64),
    lockerId,
    ts: issuedAt,
    type,
    issuedAt,
    expiresAt: overrides.expiresAt ?? issuedAt + 8_000,
    origin: { kind: 'user' as const, ref: 'integration-test' },
  };
}

export function signedCommand(
  lockerId: string,
  type: CommandType,
  overrides: { issuedAt?: number; expiresAt?: number } = {},
) {
  return signCommand(command(lockerId, type, overrides), serverPrivateKey);
}

/** A shared broker keeps retained messages forever: clear every retained topic of these lockers. */
export async function clearRetained(url: string, lockerIds: string[]): Promise<void> {
  if (lockerIds.length === 0) return;
  const client = await mqtt.connectAsync(url, { clientId: `cleaner-${randomUUID()}`, reconnectPeriod: 0 });
  try {
    for (const lockerId of lockerIds) {
      for (const channel of RETAINED_CHANNELS) {
        await client.publishAsync(topicFor(lockerId, channel), '', { qos: 1, retain: true });
      }
    }
  } finally {
    await client.endAsync();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
