import type { KeyObject } from 'node:crypto';
import { type Command, decodeMessage, loadPublicKey, type Status, verifyCommand } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import { AgentConnection } from './AgentConnection';
import { AgentError } from './AgentError';
import { Controller } from './Controller';
import { type AgentConfig, readCommandPublicKeyPem } from './config';
import { DeviceEnvelopeFactory, type OutboundMessage } from './DeviceEnvelope';
import type { Hal } from './hal/Hal';
import { PersistentReplayCache } from './PersistentReplayCache';
import { SequenceCounter } from './SequenceCounter';

/** How long a clean shutdown waits for the broker to take the final `status`. */
const SHUTDOWN_PUBLISH_TIMEOUT_MS = 2_000;

/** What a caller (the CLI, or the server running simulated lockers in-process) holds on to. */
export interface RunningAgent<H extends Hal = Hal> {
  readonly lockerId: string;
  readonly hal: H;
  /** True while the broker session is up and the command topic is subscribed. */
  readonly connected: boolean;
  /** Resolves once connected (at once if already); rejects with `not_connected` after the timeout. */
  waitUntilConnected(timeoutMs?: number): Promise<void>;
  /** Cuts the socket without DISCONNECT so the broker fires the last will; mqtt.js then reconnects. */
  dropConnection(): void;
  /** Releases the relay, publishes `status` offline (shutdown), ends the session and closes the HAL. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The one place where the agent's parts are built and joined (STYLE: one wiring point): the
 * MQTT session feeds verified commands to the controller, and the controller's messages go back
 * out through the session.
 */
export class Agent<H extends Hal = Hal> implements RunningAgent<H> {
  readonly lockerId: string;
  readonly hal: H;
  readonly #config: AgentConfig;
  readonly #logger: Logger;
  readonly #publicKey: KeyObject;
  readonly #replayCache: PersistentReplayCache;
  readonly #envelopes: DeviceEnvelopeFactory;
  readonly #controller: Controller;
  readonly #connection: AgentConnection;
  readonly #bootTime: number;
  readonly #onlineWaiters = new Set<() => void>();
  #heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  #stopped: Promise<void> | null = null;

  constructor(config: AgentConfig, hal: H, logger: Logger) {
    this.lockerId = config.lockerId;
    this.hal = hal;
    this.#config = config;
    this.#logger = logger;
    this.#publicKey = readVerificationKey(config);
    this.#bootTime = hal.now();
    this.#replayCache = PersistentReplayCache.open(config.stateDir, this.#bootTime);
    this.#envelopes = new DeviceEnvelopeFactory(config.lockerId, SequenceCounter.open(config.stateDir), () =>
      hal.now(),
    );
    this.#controller = new Controller({
      hal,
      envelopes: this.#envelopes,
      timings: config.timings,
      publish: (outbound) => this.#publish(outbound),
      logger,
    });
    this.#connection = new AgentConnection({
      lockerId: config.lockerId,
      mqtt: config.mqtt,
      logger,
      lastWill: () => this.#status(false, 'connection_lost'),
      onOnline: () => this.#onOnline(),
      onCommand: (payload) => this.#onCommand(payload),
    });
  }

  get connected(): boolean {
    return this.#connection.online;
  }

  start(): void {
    this.#controller.start();
    this.#connection.connect();
    // SPEC §2: heartbeat every 30 s; the last will covers the silence in between.
    this.#heartbeatTimer = setInterval(() => this.#publishHeartbeat(), this.#config.timings.heartbeatMs);
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

  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    // The relay first: nothing that follows (a slow broker, a hung socket) may delay fail-secure.
    await this.#controller.stop();
    if (this.#connection.online) {
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
    await this.#connection.close();
    await this.hal.close();
    this.#logger.info('agent stopped');
  }

  /** On every (re)connect: availability first, then the current state, both retained. */
  #onOnline(): void {
    this.#publish({ channel: 'status', message: this.#status(true, 'connected') });
    this.#controller.publishState();
    for (const waiter of this.#onlineWaiters) waiter();
    this.#onlineWaiters.clear();
  }

  /** Bad input is logged and dropped; nothing a broker delivers may crash the locker. */
  #onCommand(payload: Buffer): void {
    try {
      const decoded = decodeMessage('cmd', payload);
      if (!decoded.ok) {
        this.#logger.warn({ code: decoded.code, detail: decoded.detail }, 'dropped an undecodable command');
        return;
      }
      this.#dispatch(decoded.message);
    } catch (error) {
      this.#logger.error({ err: error }, 'command handling failed');
    }
  }

  #dispatch(command: Command): void {
    // SPEC §2 and §12: only commands signed by the server, fresh (10 s), for this locker and never seen before.
    const verdict = verifyCommand(command, {
      publicKey: this.#publicKey,
      lockerId: this.lockerId,
      now: this.hal.now(),
      replayCache: this.#replayCache,
      // The replay cache survives restarts on disk; the boot rule is the backstop for a lost
      // state directory (docs/protocol.md §5.6).
      notIssuedBefore: this.#bootTime,
    });
    if (!verdict.ok) {
      this.#logger.warn({ commandId: command.id, type: command.type, reason: verdict.reason }, 'command refused');
      this.#controller.refuse(command, verdict.reason);
      return;
    }
    this.#logger.info({ commandId: command.id, type: command.type, origin: command.origin }, 'command verified');
    this.#controller.execute(command);
  }

  #publish(outbound: OutboundMessage): void {
    // State is retained and republished on every connect, so an offline copy would only be stale.
    if (outbound.channel === 'state' && !this.#connection.online) return;
    this.#connection.publish(outbound);
  }

  #publishHeartbeat(): void {
    if (!this.#connection.online) return;
    this.#publish({
      channel: 'heartbeat',
      message: {
        ...this.#envelopes.next(),
        uptimeS: Math.floor((this.hal.now() - this.#bootTime) / 1000),
        firmware: this.#config.firmware,
        counters: this.#controller.counters,
      },
    });
  }

  #status(online: boolean, reason: Status['reason']): Status {
    return { ...this.#envelopes.next(), online, reason, firmware: this.#config.firmware };
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
