import type { KeyObject } from 'node:crypto';
import { decodeMessage, loadPublicKey, type Status } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import { AdminBadges } from './AdminBadges';
import { AgentConnection, type InboundChannel } from './AgentConnection';
import { AgentError } from './AgentError';
import { CommandLedger } from './CommandLedger';
import { CommandProcessor } from './CommandProcessor';
import { Controller, type ControllerSnapshot } from './Controller';
import { type AgentConfig, readCommandPublicKeyPem } from './config';
import { DeviceEnvelopeFactory, type OutboundMessage } from './DeviceEnvelope';
import { HeartbeatPublisher } from './HeartbeatPublisher';
import type { Hal } from './hal/Hal';
import { OfflineQueue } from './OfflineQueue';
import { PersistentReplayCache } from './PersistentReplayCache';
import { realScheduler, type Scheduler } from './Scheduler';
import { SequenceCounter } from './SequenceCounter';

/** How long a clean shutdown waits for the broker to take the final `status`. */
const SHUTDOWN_PUBLISH_TIMEOUT_MS = 2_000;
/** How long one queued message may wait for its PUBACK before it is tried again. */
const PUBACK_TIMEOUT_MS = 10_000;
/** Pause before trying a queued message again after a PUBACK timeout on a live session. */
const DRAIN_RETRY_MS = 1_000;

/** Everything a workbench, a test or the heartbeat may want to know about one running locker. */
export interface AgentSnapshot extends ControllerSnapshot {
  lockerId: string;
  /** Session up, commands subscribed, offline backlog delivered. */
  connected: boolean;
  /** False while the network is cut with `setNetwork(false)`. */
  networkUp: boolean;
  /** The broker of the current session (`mqtt://host:port`, no credentials); null while offline. */
  broker: string | null;
  /** Events and acks waiting in the offline queue. */
  queued: number;
  /** Events and acks dropped because the offline queue was full, over the device's life. */
  queueDropped: number;
  /** Administrator badges known, and the `issuedAt` of the config they came with. */
  adminBadges: number;
  configIssuedAt: number | null;
}

/** What a caller (the CLI, the server running simulated lockers in-process, a workbench) holds on to. */
export interface RunningAgent<H extends Hal = Hal> {
  readonly lockerId: string;
  readonly hal: H;
  /** True while the broker session is up, `cmd`/`config` are subscribed and the offline backlog is delivered. */
  readonly connected: boolean;
  /** False between `setNetwork(false)` and `setNetwork(true)`. */
  readonly networkUp: boolean;
  /** Resolves once connected (at once if already); rejects with `not_connected` after the timeout. */
  waitUntilConnected(timeoutMs?: number): Promise<void>;
  /** Cuts the socket without DISCONNECT so the broker fires the last will; the agent then reconnects (backoff). */
  dropConnection(): void;
  /**
   * Cuts (false) or restores (true) the locker's network: a cut drops the socket like a pulled
   * cable (last will) and no reconnection is tried until restored; restoring connects at once.
   * The locker keeps enforcing its rules meanwhile and queues its events and acks on disk.
   */
  setNetwork(up: boolean): void;
  /** The locker as it is right now. */
  snapshot(): AgentSnapshot;
  /** Called after every published state and every connectivity or config change. Returns an unsubscribe. */
  onChange(listener: (snapshot: AgentSnapshot) => void): () => void;
  /** Releases the relay, publishes `status` offline (shutdown), ends the session and closes the HAL. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The one place where the agent's parts are built and joined (STYLE: one wiring point): the
 * MQTT session feeds commands to the CommandProcessor and configs to the AdminBadges; the
 * controller's and processor's messages go out through the offline queue (events, acks) or
 * straight to the session (latest-wins state, presence, heartbeat).
 */
export class Agent<H extends Hal = Hal> implements RunningAgent<H> {
  readonly lockerId: string;
  readonly hal: H;
  readonly #config: AgentConfig;
  readonly #logger: Logger;
  readonly #bootTime: number;
  readonly #envelopes: DeviceEnvelopeFactory;
  readonly #queue: OfflineQueue;
  readonly #badges: AdminBadges;
  readonly #controller: Controller;
  readonly #commands: CommandProcessor;
  readonly #connection: AgentConnection;
  readonly #heartbeat: HeartbeatPublisher;
  readonly #onlineWaiters = new Set<() => void>();
  readonly #listeners = new Set<(snapshot: AgentSnapshot) => void>();
  #live = false;
  /** Counts broker sessions, so a catch-up of a session that already ended stops where it is. */
  #session = 0;
  #stopping = false;
  #draining: Promise<void> | null = null;
  /** The latest state, held back while queued events and acks go out, so it never overtakes them. */
  #heldState: Extract<OutboundMessage, { channel: 'state' }> | null = null;
  /** The last state report handed to the broker session; heartbeats carry it (docs/protocol.md §6). */
  #sentStateSeq = 0;
  #drainRetry: ReturnType<typeof setTimeout> | null = null;
  #stopped: Promise<void> | null = null;

  constructor(config: AgentConfig, hal: H, logger: Logger, scheduler: Scheduler = realScheduler) {
    this.lockerId = config.lockerId;
    this.hal = hal;
    this.#config = config;
    this.#logger = logger;
    const publicKey = readVerificationKey(config);
    this.#bootTime = hal.now();
    const { stateDir, lockerId } = config;
    this.#envelopes = new DeviceEnvelopeFactory(lockerId, SequenceCounter.open(stateDir), () => hal.now());
    this.#queue = OfflineQueue.open(stateDir, { maxEntries: config.offlineQueue.maxEntries, logger });
    this.#badges = AdminBadges.open(stateDir, { lockerId, publicKey, logger });
    this.#controller = new Controller({
      hal,
      lockerId,
      envelopes: this.#envelopes,
      timings: config.timings,
      rules: config.rules,
      publish: (outbound) => this.#publish(outbound),
      logger,
      stateDir,
      badges: this.#badges,
      scheduler,
    });
    this.#commands = new CommandProcessor({
      lockerId,
      publicKey,
      replayCache: PersistentReplayCache.open(stateDir, this.#bootTime),
      ledger: CommandLedger.open(stateDir, logger),
      execute: (command, acknowledge) => this.#controller.execute(command, acknowledge),
      envelopes: this.#envelopes,
      publish: (outbound) => this.#publish(outbound),
      logger,
      now: () => hal.now(),
      bootTime: this.#bootTime,
    });
    this.#heartbeat = new HeartbeatPublisher({
      everyMs: config.timings.heartbeatMs,
      firmware: config.firmware,
      bootTime: this.#bootTime,
      now: () => hal.now(),
      scheduler,
      counters: () => this.#controller.counters,
      lastStateSeq: () => this.#sentStateSeq,
      envelopes: this.#envelopes,
      isLive: () => this.#live,
      publish: (outbound) => this.#publish(outbound),
    });
    this.#connection = new AgentConnection({
      lockerId,
      mqtt: config.mqtt,
      logger,
      lastWill: () => this.#status(false, 'connection_lost'),
      onOnline: () => void this.#catchUp(++this.#session),
      onOffline: () => {
        this.#session += 1;
        this.#live = false;
        // Republished whole at the next connection anyway.
        this.#heldState = null;
        this.#notify();
      },
      onMessage: (channel, payload) => this.#onMessage(channel, payload),
    });
  }

  get connected(): boolean {
    return this.#live;
  }

  get networkUp(): boolean {
    return this.#connection.networkUp;
  }

  start(): void {
    this.#controller.start();
    this.#connection.connect();
    this.#heartbeat.start();
  }

  waitUntilConnected(timeoutMs = 10_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#onlineWaiters.delete(waiter);
        reject(new AgentError('not_connected', `${this.lockerId} did not reach the broker within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#onlineWaiters.add(waiter);
    });
  }

  dropConnection(): void {
    this.#connection.dropConnection();
  }

  setNetwork(up: boolean): void {
    this.#connection.setNetwork(up);
    this.#notify();
  }

  snapshot(): AgentSnapshot {
    return {
      ...this.#controller.snapshot(),
      lockerId: this.lockerId,
      connected: this.connected,
      networkUp: this.networkUp,
      broker: this.#connection.broker,
      queued: this.#queue.length,
      queueDropped: this.#queue.dropped,
      adminBadges: this.#badges.count,
      configIssuedAt: this.#badges.issuedAt,
    };
  }

  onChange(listener: (snapshot: AgentSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#heartbeat.stop();
    // The relay first: nothing that follows (a slow broker, a hung socket) may delay fail-secure.
    await this.#controller.stop();
    if (this.#connection.online) {
      // Last words, in order and briefly: what is queued, the final (locked) state, then goodbye.
      await this.#settleQueue(SHUTDOWN_PUBLISH_TIMEOUT_MS);
      this.#releaseHeldState();
      try {
        // A clean DISCONNECT discards the last will [MQTT-3.14.4-3], so say goodbye explicitly.
        await this.#connection.publishAndWait(
          { channel: 'status', message: this.#status(false, 'shutdown') },
          SHUTDOWN_PUBLISH_TIMEOUT_MS,
        );
      } catch (error) {
        this.#logger.warn({ err: error }, 'could not publish the shutdown status');
      }
    }
    this.#stopping = true;
    if (this.#drainRetry) clearTimeout(this.#drainRetry);
    await this.#connection.close();
    this.#live = false;
    // What is still queued stays on disk for the next start.
    this.#queue.close();
    await this.hal.close();
    this.#logger.info('agent stopped');
  }

  /**
   * On every (re)connect (docs/protocol.md §7): availability first (it replaces the retained last
   * will), then the offline backlog in order, then the retained state; only then is the locker
   * "connected", so nothing newer overtakes what was queued.
   */
  async #catchUp(session: number): Promise<void> {
    const current = () => session === this.#session && this.#connection.online && !this.#stopping;
    this.#connection.publish({ channel: 'status', message: this.#status(true, 'connected') });
    const backlog = this.#queue.length;
    while (current() && this.#queue.length > 0) await this.#drain();
    if (!current()) return;
    if (backlog > 0) this.#logger.info({ delivered: backlog }, 'offline queue delivered');
    this.#live = true;
    this.#controller.publishState();
    for (const waiter of this.#onlineWaiters) waiter();
    this.#onlineWaiters.clear();
    this.#notify();
  }

  #onMessage(channel: InboundChannel, payload: Buffer): void {
    try {
      if (channel === 'cmd') this.#commands.handlePayload(payload);
      else this.#onConfig(payload);
    } catch (error) {
      this.#logger.error({ err: error, channel }, 'handling an inbound message failed');
    }
  }

  /** The server's retained, signed config (admin badges); kept on disk by AdminBadges. */
  #onConfig(payload: Buffer): void {
    // An empty retained payload is how a retained message is deleted; there is nothing to apply.
    if (payload.length === 0) return;
    const decoded = decodeMessage('config', payload);
    if (!decoded.ok) {
      this.#logger.warn({ code: decoded.code, detail: decoded.detail }, 'dropped an undecodable config');
      return;
    }
    const result = this.#badges.apply(decoded.message);
    if (result.applied) {
      this.#logger.info({ badges: result.badges, issuedAt: decoded.message.issuedAt }, 'device config applied');
      this.#notify();
    } else if (result.reason === 'not_newer') {
      this.#logger.debug({ issuedAt: decoded.message.issuedAt }, 'device config already in force');
    } else {
      this.#logger.warn({ reason: result.reason, configId: decoded.message.id }, 'device config refused');
    }
  }

  #publish(outbound: OutboundMessage): void {
    switch (outbound.channel) {
      case 'event':
      case 'ack':
        this.#enqueue(outbound);
        return;
      case 'state':
        // Retained and republished after every reconnection, so an offline copy would only be stale.
        // While events or acks are on their way it waits for them (latest wins: only the last is kept).
        if (this.#live && this.#queue.length > 0) this.#heldState = outbound;
        else if (this.#live) this.#sendState(outbound);
        this.#notify();
        return;
      case 'presence':
      case 'heartbeat':
        // Latest wins (docs/protocol.md §6): what was measured offline is worth nothing later.
        if (this.#live) this.#connection.publish(outbound);
        return;
      case 'status':
        this.#connection.publish(outbound);
        return;
    }
  }

  #sendState(outbound: Extract<OutboundMessage, { channel: 'state' }>): void {
    this.#sentStateSeq = outbound.message.seq;
    this.#connection.publish(outbound);
  }

  /** Events and acks always go through the on-disk queue, online or not, so their order is one. */
  #enqueue(outbound: Extract<OutboundMessage, { channel: 'event' | 'ack' }>): void {
    try {
      this.#queue.append(outbound);
    } catch (error) {
      // A full or broken disk must not silence the locker: send it directly, at most once.
      this.#logger.error({ err: error, channel: outbound.channel }, 'offline queue unwritable; sending without it');
      this.#connection.publish(outbound);
      return;
    }
    if (this.#live) void this.#drain();
  }

  /** One drain at a time; it runs until the queue is empty or the session ends. */
  #drain(): Promise<void> {
    this.#draining ??= this.#drainLoop().finally(() => {
      this.#draining = null;
      // Something appended while the loop was finishing: go again.
      if (this.#live && this.#queue.length > 0) void this.#drain();
    });
    return this.#draining;
  }

  async #drainLoop(): Promise<void> {
    for (;;) {
      if (!this.#connection.online || this.#stopping) return;
      const next = this.#queue.peek();
      if (!next) {
        this.#releaseHeldState();
        return;
      }
      try {
        await this.#connection.publishAndWait(next, PUBACK_TIMEOUT_MS);
      } catch (error) {
        // The session ended: the next connection starts again from this message (same seq).
        if (!this.#connection.online) return;
        this.#logger.warn({ err: error, seq: next.message.seq }, 'queued message not acknowledged; retrying');
        await new Promise<void>((resolve) => {
          this.#drainRetry = setTimeout(resolve, DRAIN_RETRY_MS);
        });
        continue;
      }
      try {
        this.#queue.markDelivered(next.message.seq);
      } catch (error) {
        this.#logger.error({ err: error }, 'could not record a delivery in the offline queue');
        this.#releaseHeldState();
        return;
      }
    }
  }

  /** Gives the queue up to `timeoutMs` to empty while live; what is left stays on disk. */
  async #settleQueue(timeoutMs: number): Promise<void> {
    if (!this.#live || this.#queue.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const emptied = (async () => {
      while (this.#live && this.#queue.length > 0) await this.#drain();
    })();
    await Promise.race([emptied, deadline]);
    clearTimeout(timer);
  }

  #releaseHeldState(): void {
    const held = this.#heldState;
    this.#heldState = null;
    if (held && this.#live) this.#sendState(held);
  }

  #status(online: boolean, reason: Status['reason']): Status {
    return { ...this.#envelopes.next(), online, reason, firmware: this.#config.firmware };
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    const snapshot = this.snapshot();
    for (const listener of this.#listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.#logger.warn({ err: error }, 'a change listener failed');
      }
    }
  }
}

function readVerificationKey(config: AgentConfig): KeyObject {
  const pem = readCommandPublicKeyPem(config);
  try {
    return loadPublicKey(pem);
  } catch (error) {
    throw new AgentError(
      'command_key_invalid',
      `the command public key is not an Ed25519 PEM: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
