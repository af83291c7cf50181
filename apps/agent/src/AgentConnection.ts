import { type ChannelPayload, encodeMessage, RETAINED_CHANNELS, topicFor } from '@smartlocker/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { AgentError } from './AgentError';
import type { AgentConfig } from './config';
import { encodeOutbound, type OutboundMessage } from './DeviceEnvelope';

export interface AgentConnectionOptions {
  lockerId: string;
  mqtt: AgentConfig['mqtt'];
  logger: Logger;
  /** Builds the last will; called before every (re)connect so it carries a current seq. */
  lastWill: () => ChannelPayload['status'];
  /** Called once the session is up and the command topic is subscribed, on every (re)connect. */
  onOnline: () => void;
  /** Raw payload of the locker's command topic; decoding and verification are the caller's. */
  onCommand: (payload: Buffer) => void;
}

/**
 * The locker's MQTT session: topics, QoS, retain and the last will of protocol v1. It knows
 * nothing of what a command means. Reconnection is mqtt.js's own.
 */
export class AgentConnection {
  readonly #options: AgentConnectionOptions;
  readonly #logger: Logger;
  readonly #commandTopic: string;
  #client: MqttClient | null = null;
  #online = false;

  constructor(options: AgentConnectionOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#commandTopic = topicFor(options.lockerId, 'cmd');
  }

  /** True once the session is up and commands can arrive. */
  get online(): boolean {
    return this.#online;
  }

  connect(): void {
    const { mqtt: settings, lockerId } = this.#options;
    const options: IClientOptions = {
      clientId: settings.clientId ?? `smartlocker-agent-${lockerId}`,
      username: settings.username,
      password: settings.password,
      // Commands live 10 s at most (SPEC §2), so a persistent session would only queue stale ones.
      clean: true,
      reconnectPeriod: settings.reconnectPeriodMs,
      connectTimeout: 10_000,
      keepalive: settings.keepaliveS,
      // We subscribe again in the connect handler, so one code path serves first connect and reconnects.
      resubscribe: false,
      // A heartbeat queued while offline says nothing true by the time it is sent.
      queueQoSZero: false,
      will: this.#will(),
    };
    const client = mqtt.connect(settings.url, options);
    this.#client = client;
    client.on('connect', () => void this.#onConnect(client));
    client.on('reconnect', () => {
      client.options.will = this.#will();
    });
    client.on('close', () => {
      if (this.#online) this.#logger.warn('broker connection lost; mqtt.js will reconnect');
      this.#online = false;
    });
    // Without a listener an 'error' event would throw and end the process; a locker must ride it out.
    client.on('error', (error) => this.#logger.warn({ err: error }, 'mqtt client error'));
    client.on('message', (topic, payload) => {
      if (topic === this.#commandTopic) this.#options.onCommand(payload);
    });
  }

  /** Queues a message (QoS 1; heartbeats QoS 0). Never throws: a transport fault is logged. */
  publish(outbound: OutboundMessage): void {
    const client = this.#client;
    if (!client) return;
    let payload: string;
    try {
      payload = encodeOutbound(outbound);
    } catch (error) {
      this.#logger.error({ err: error, channel: outbound.channel }, 'refusing to send an invalid message');
      return;
    }
    client.publish(this.#topic(outbound), payload, this.#publishOptions(outbound), (error) => {
      if (error) this.#logger.warn({ err: error, channel: outbound.channel }, 'publish failed');
    });
  }

  /** Publishes and waits for the broker's PUBACK, for the last words before a clean shutdown. */
  async publishAndWait(outbound: OutboundMessage, timeoutMs: number): Promise<void> {
    const client = this.#client;
    if (!client || !this.#online) throw new AgentError('not_connected', 'the broker is not connected');
    const payload = encodeOutbound(outbound);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AgentError('not_connected', `no PUBACK within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([
        client.publishAsync(this.#topic(outbound), payload, this.#publishOptions(outbound)),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Cuts the socket without an MQTT DISCONNECT, as a pulled cable would, so the broker publishes
   * the last will. For fault drills and tests; mqtt.js reconnects afterwards.
   */
  dropConnection(): void {
    this.#client?.stream.destroy();
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#online = false;
    // Offline there is nothing to flush, and a graceful end would wait for a broker that is not there.
    await client?.endAsync(!client.connected);
  }

  async #onConnect(client: MqttClient): Promise<void> {
    try {
      const granted = await client.subscribeAsync(this.#commandTopic, { qos: 1 });
      if (granted.some((grant) => grant.qos === 128)) {
        this.#logger.error({ topic: this.#commandTopic }, 'the broker refused the command subscription; check its ACL');
        return;
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'command subscription failed; waiting for the next connection');
      return;
    }
    this.#online = true;
    this.#logger.info('connected to the broker');
    this.#options.onOnline();
  }

  #will(): IClientOptions['will'] {
    const will = this.#options.lastWill();
    return {
      topic: topicFor(this.#options.lockerId, 'status'),
      payload: Buffer.from(encodeMessage('status', will)),
      qos: 1,
      retain: true,
    };
  }

  #topic(outbound: OutboundMessage): string {
    return topicFor(this.#options.lockerId, outbound.channel);
  }

  #publishOptions(outbound: OutboundMessage): { qos: 0 | 1; retain: boolean } {
    return { qos: outbound.channel === 'heartbeat' ? 0 : 1, retain: RETAINED_CHANNELS.has(outbound.channel) };
  }
}
