import { type ChannelPayload, encodeMessage, RETAINED_CHANNELS, topicFor } from '@smartlocker/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { AgentError } from './AgentError';
import { BrokerRotation } from './BrokerRotation';
import type { AgentConfig } from './config';
import { encodeOutbound, type OutboundMessage } from './DeviceEnvelope';
import { ReconnectBackoff } from './ReconnectBackoff';

export type InboundChannel = 'cmd' | 'config';

export interface AgentConnectionOptions {
  lockerId: string;
  mqtt: AgentConfig['mqtt'];
  logger: Logger;
  /** Builds the last will; called before every connection attempt so it carries a current seq. */
  lastWill: () => ChannelPayload['status'];
  /** The session is up and `cmd` and `config` are subscribed; on every (re)connect. */
  onOnline: () => void;
  /** The session is gone (loss, network cut or close). */
  onOffline: () => void;
  /** Raw payload of the locker's `cmd` or `config` topic; decoding and verification are the caller's. */
  onMessage: (channel: InboundChannel, payload: Buffer) => void;
  /** For the backoff's jitter; injectable for tests. */
  random?: () => number;
}

const CONNECT_TIMEOUT_MS = 10_000;
/** How long a clean DISCONNECT may wait for the PUBACKs still due before the socket is simply closed. */
const GRACEFUL_END_TIMEOUT_MS = 2_000;

/**
 * The locker's MQTT session: topics, QoS, retain and the last will of protocol v1, and its own
 * reconnection (exponential backoff with jitter, ReconnectBackoff) instead of mqtt.js's fixed
 * period. Each attempt is a fresh client with a fresh last will and a clean session: nothing
 * in flight survives a loss inside mqtt.js, because the agent's offline queue owns redelivery.
 * With several broker URLs (the nodes of a cluster), every closed connection or failed attempt
 * moves on to the next one (BrokerRotation), so a locker whose node died reconnects to another
 * (docs/adr/0012-clustered-broker-nats-mqtt.md). mqtt.js's own `servers` rotation is not used:
 * it belongs to its reconnect loop, which would reuse one will for every attempt.
 * It knows nothing of what a command means.
 */
export class AgentConnection {
  readonly #options: AgentConnectionOptions;
  readonly #logger: Logger;
  readonly #brokers: BrokerRotation;
  readonly #topics: Record<InboundChannel, string>;
  /** Rejects the PUBACK waits of the current session when it ends. */
  readonly #sessionWaits = new Set<(error: Error) => void>();
  #client: MqttClient | null = null;
  #online = false;
  #networkUp = true;
  #closed = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #failuresLogged = 0;

  constructor(options: AgentConnectionOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#brokers = new BrokerRotation(
      options.mqtt.urls,
      new ReconnectBackoff({ ...options.mqtt.reconnect, random: options.random }),
    );
    this.#topics = { cmd: topicFor(options.lockerId, 'cmd'), config: topicFor(options.lockerId, 'config') };
  }

  /** True once the session is up and commands can arrive. */
  get online(): boolean {
    return this.#online;
  }

  /** The broker of the current session (scheme, host and port; never credentials), null while offline. */
  get broker(): string | null {
    return this.#online ? describeBroker(this.#brokers.url) : null;
  }

  /** False between `setNetwork(false)` and `setNetwork(true)`. */
  get networkUp(): boolean {
    return this.#networkUp;
  }

  connect(): void {
    this.#attempt();
  }

  /**
   * Cuts (false) or restores (true) the locker's network, for the simulator and fault drills. A
   * cut drops the socket without DISCONNECT, as a pulled cable would, so the broker publishes
   * the last will; no reconnection is tried until the network is restored, which connects at once.
   */
  setNetwork(up: boolean): void {
    if (up === this.#networkUp) return;
    this.#networkUp = up;
    this.#logger.warn({ up }, up ? 'network restored' : 'network cut');
    if (!up) {
      this.#clearReconnect();
      this.#client?.stream.destroy();
      return;
    }
    this.#brokers.restart();
    if (!this.#client && !this.#reconnectTimer) this.#attempt();
  }

  /** Drops the socket without DISCONNECT so the broker fires the last will; reconnects after the backoff. */
  dropConnection(): void {
    this.#client?.stream.destroy();
  }

  /** Fire and forget, for latest-wins messages (state, presence, heartbeat). Never throws. */
  publish(outbound: OutboundMessage): void {
    const client = this.#client;
    if (!client || !this.#online) return;
    let payload: string;
    try {
      payload = encodeOutbound(outbound);
    } catch (error) {
      this.#logger.error({ err: error, channel: outbound.channel }, 'refusing to send an invalid message');
      return;
    }
    client.publish(this.#topic(outbound), payload, publishOptions(outbound), (error) => {
      if (error) this.#logger.debug({ err: error, channel: outbound.channel }, 'publish not completed');
    });
  }

  /**
   * Publishes at QoS 1 and resolves on the broker's PUBACK; rejects if the session ends first or
   * after `timeoutMs`. The offline queue removes a message only once this resolves.
   */
  async publishAndWait(outbound: OutboundMessage, timeoutMs: number): Promise<void> {
    const client = this.#client;
    if (!client || !this.#online) throw new AgentError('not_connected', 'the broker is not connected');
    const payload = encodeOutbound(outbound);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let abort: ((error: Error) => void) | undefined;
    const interrupted = new Promise<never>((_, reject) => {
      abort = reject;
      timer = setTimeout(() => reject(new AgentError('not_connected', `no PUBACK within ${timeoutMs} ms`)), timeoutMs);
    });
    const waiter = abort as (error: Error) => void;
    this.#sessionWaits.add(waiter);
    try {
      await Promise.race([
        client.publishAsync(this.#topic(outbound), payload, { ...publishOptions(outbound), qos: 1 }),
        interrupted,
      ]);
    } finally {
      clearTimeout(timer);
      this.#sessionWaits.delete(waiter);
    }
  }

  /** Ends the session: a clean DISCONNECT when online (the broker discards the will), and no reconnection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#clearReconnect();
    const client = this.#client;
    const wasOnline = this.#online;
    this.#client = null;
    this.#setOffline(new AgentError('not_connected', 'the connection was closed'));
    if (!client) return;
    // Offline there is nothing to flush, and a graceful end would wait for a broker that is not there.
    if (!wasOnline) {
      await client.endAsync(true);
      return;
    }
    // A graceful end waits for the PUBACKs still due; a broker that stopped answering gets a deadline.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), GRACEFUL_END_TIMEOUT_MS);
    });
    const ended = await Promise.race([client.endAsync(false).then(() => 'ended' as const), deadline]);
    clearTimeout(timer);
    // end() is already under way and ignores a second call: cut the socket itself.
    if (ended === 'late') client.stream.destroy();
  }

  #attempt(): void {
    this.#reconnectTimer = null;
    if (this.#closed || !this.#networkUp || this.#client) return;
    const { mqtt: settings, lockerId } = this.#options;
    const options: IClientOptions = {
      clientId: settings.clientId ?? `smartlocker-agent-${lockerId}`,
      username: settings.username,
      password: settings.password,
      // Commands live 10 s at most (SPEC §2), so a persistent session would only queue stale ones.
      clean: true,
      // Reconnection is ours (backoff with jitter, network switch), one client per attempt.
      reconnectPeriod: 0,
      connectTimeout: CONNECT_TIMEOUT_MS,
      keepalive: settings.keepaliveS,
      resubscribe: false,
      queueQoSZero: false,
      will: this.#will(),
      // The CA from the provisioning bundle is the only one trusted for the broker (issue 14);
      // the broker's certificate must also name the host of the URL.
      ...(settings.caPem ? { ca: settings.caPem, rejectUnauthorized: true } : {}),
    };
    const client = mqtt.connect(this.#brokers.url, options);
    this.#client = client;
    client.on('connect', () => void this.#onConnect(client));
    client.on('close', () => this.#onClose(client));
    // Without a listener an 'error' event would throw and end the process; a locker must ride it out.
    client.on('error', (error) => {
      // Logged once per outage, not once per attempt while the broker stays away.
      if (this.#failuresLogged === 0) this.#logger.warn({ err: error }, 'mqtt connection error');
      else this.#logger.debug({ err: error }, 'mqtt connection error');
      this.#failuresLogged += 1;
    });
    client.on('message', (topic, payload) => {
      if (client !== this.#client) return;
      if (topic === this.#topics.cmd) this.#options.onMessage('cmd', payload);
      else if (topic === this.#topics.config) this.#options.onMessage('config', payload);
    });
  }

  async #onConnect(client: MqttClient): Promise<void> {
    // A new socket on each (re)connection: Nagle's algorithm off, so a state report goes out at
    // once instead of waiting for the broker's delayed ACK of the previous packet.
    (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
    try {
      // `config` is retained: the broker hands the latest one at once (docs/protocol.md §4.8).
      const granted = await client.subscribeAsync({
        [this.#topics.cmd]: { qos: 1 },
        [this.#topics.config]: { qos: 1 },
      });
      if (granted.some((grant) => grant.qos === 128)) {
        this.#logger.error({ topics: this.#topics }, 'the broker refused a subscription; check its ACL');
        client.stream.destroy();
        return;
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'subscription failed; trying the next connection');
      client.stream.destroy();
      return;
    }
    if (client !== this.#client) return;
    this.#online = true;
    this.#brokers.succeeded();
    this.#failuresLogged = 0;
    this.#logger.info({ broker: describeBroker(this.#brokers.url) }, 'connected to the broker');
    this.#options.onOnline();
  }

  #onClose(client: MqttClient): void {
    if (client !== this.#client) return;
    this.#client = null;
    if (this.#online) this.#logger.warn({ broker: describeBroker(this.#brokers.url) }, 'broker connection lost');
    this.#setOffline(new AgentError('not_connected', 'the broker connection was lost'));
    // Force: releases mqtt.js's pending callbacks (clean session, no reconnectPeriod) and its timers.
    client.end(true);
    this.#scheduleReconnect(this.#brokers.failed());
  }

  #setOffline(reason: Error): void {
    for (const abort of this.#sessionWaits) abort(reason);
    this.#sessionWaits.clear();
    if (!this.#online) return;
    this.#online = false;
    this.#options.onOffline();
  }

  #scheduleReconnect(delayMs: number): void {
    if (this.#closed || !this.#networkUp || this.#reconnectTimer) return;
    this.#logger.debug(
      { delayMs, attempt: this.#brokers.attempt, broker: describeBroker(this.#brokers.url) },
      'reconnecting after the backoff',
    );
    this.#reconnectTimer = setTimeout(() => this.#attempt(), delayMs);
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
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
}

/** A broker URL for logs and snapshots: scheme, host and port, without any credentials it may carry. */
export function describeBroker(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return '(unparseable url)';
  }
}

/** docs/protocol.md §2: QoS 0 for heartbeat and presence (latest wins), 1 otherwise; retain per RETAINED_CHANNELS. */
function publishOptions(outbound: OutboundMessage): { qos: 0 | 1; retain: boolean } {
  const qos = outbound.channel === 'heartbeat' || outbound.channel === 'presence' ? 0 : 1;
  return { qos, retain: RETAINED_CHANNELS.has(outbound.channel) };
}
