import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { BusEventName, BusEvents, EventBus } from '../eventBus';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';

/** The one channel every instance listens on (ADR 11). */
export const EVENT_CHANNEL = 'smartlocker_events';
/** How the relay's connections name themselves: other instances count them (`peerCount`). */
export const RELAY_APPLICATION_NAME = 'smartlocker-relay';
/**
 * PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (server encoding): a message that
 * large is not sent. Every bus event carries a small view (a locker, a booking, an alert) of a
 * few hundred bytes, so this is a guard, counted and logged, not a path taken.
 */
export const MAX_NOTIFY_BYTES = 7_999;

const RELAYED_EVENTS: ReadonlySet<string> = new Set<BusEventName>([
  'locker.changed',
  'command.acknowledged',
  'pairing.changed',
  'booking.changed',
  'booking.reminder',
  'session.changed',
  'alert.raised',
  'alert.changed',
]);

/** What goes over the channel: who sent it (to drop one's own echo), a counter, the event. */
interface Envelope {
  i: string;
  n: number;
  e: BusEventName;
  p: unknown;
}

export interface PostgresEventRelayOptions {
  url: string;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  instanceId?: string;
  /** First wait before reconnecting a lost connection; doubled up to 5 s. */
  reconnectDelayMs?: number;
}

/**
 * Shares the bus events raised on this instance with every other instance on the same
 * PostgreSQL, through LISTEN/NOTIFY on one channel (ADR 11). One dedicated connection both
 * listens and notifies: NOTIFYs sent by one session are delivered in the order they were sent,
 * so a locker's `unlocked` never overtakes its `locked` on another instance. Delivery is at most
 * once: an event raised while the connection is down is lost to the others (counted and logged),
 * and a browser re-reads the whole state whenever its stream reconnects.
 */
export class PostgresEventRelay {
  readonly instanceId: string;
  readonly #options: PostgresEventRelayOptions;
  #client: pg.Client | null = null;
  #detach: (() => void) | null = null;
  #stopping = false;
  #sent = 0;
  /** Events raised while a batch is on its way: sent together in the next statement. */
  #outbox: string[] = [];
  #flushing: Promise<void> | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelayMs: number;

  constructor(options: PostgresEventRelayOptions) {
    this.#options = options;
    this.instanceId = options.instanceId ?? randomUUID();
    this.#reconnectDelayMs = options.reconnectDelayMs ?? 250;
  }

  /** Connects and listens before anything is relayed; fails when PostgreSQL cannot be reached. */
  async start(): Promise<void> {
    await this.#connect();
    this.#detach = this.#options.bus.attachRelay((event, payload) => this.#send(event, payload));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#detach?.();
    this.#detach = null;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    await this.#flushing?.catch(() => {});
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  /** How many other instances are listening on the database now (their relay connections). */
  async peerCount(): Promise<number> {
    const client = this.#client;
    if (!client) throw new Error('the event relay is not connected');
    const result = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = $1 and pid <> pg_backend_pid()`,
      [RELAY_APPLICATION_NAME],
    );
    return result.rows[0]?.n ?? 0;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.url,
      application_name: RELAY_APPLICATION_NAME,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      if (message.channel === EVENT_CHANNEL) this.#receive(message.payload);
    });
    // A dropped connection: 'error' (if it broke) then 'end'. Only 'end' reconnects, once.
    client.on('error', (error) => this.#options.logger.warn({ err: error.message }, 'event relay connection error'));
    client.on('end', () => {
      if (this.#client !== client || this.#stopping) return;
      this.#client = null;
      this.#options.logger.warn('event relay disconnected: events of other instances are not heard until it is back');
      this.#scheduleReconnect();
    });
    await client.connect();
    try {
      await client.query(`LISTEN ${EVENT_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#stopping) {
      // Stopped while this connection was being made: nobody will end it later.
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#reconnectDelayMs = this.#options.reconnectDelayMs ?? 250;
  }

  #scheduleReconnect(): void {
    if (this.#stopping || this.#reconnectTimer) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 5_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.#connect().then(
        () => this.#options.logger.info('event relay reconnected'),
        (error: unknown) => {
          this.#options.logger.warn(
            { err: (error as Error).message, retryInMs: delay },
            'event relay reconnect failed',
          );
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#reconnectTimer.unref();
  }

  #send<K extends BusEventName>(event: K, payload: BusEvents[K]): void {
    const { metrics, logger } = this.#options;
    if (!RELAYED_EVENTS.has(event)) return;
    const envelope: Envelope = { i: this.instanceId, n: ++this.#sent, e: event, p: payload };
    const text = JSON.stringify(envelope);
    if (Buffer.byteLength(text, 'utf8') > MAX_NOTIFY_BYTES) {
      metrics.relayMessages.inc({ direction: 'sent', outcome: 'too_large' });
      logger.error(
        { event, bytes: Buffer.byteLength(text, 'utf8') },
        'bus event too large to share with the other instances',
      );
      return;
    }
    this.#outbox.push(text);
    this.#flush();
  }

  /**
   * One statement in flight at a time; whatever was raised meanwhile goes in the next one, in
   * order (a NOTIFY per element, one round trip for all). The counter `n` keeps two identical
   * events distinct: PostgreSQL folds equal payloads of one transaction into one.
   */
  #flush(): void {
    if (this.#flushing !== null) return;
    this.#flushing = (async () => {
      while (this.#outbox.length > 0) {
        const client = this.#client;
        if (!client) {
          // Down: what was raised meanwhile is lost to the others (ADR 11), not queued forever.
          this.#options.metrics.relayMessages.inc({ direction: 'sent', outcome: 'dropped' }, this.#outbox.length);
          this.#outbox = [];
          return;
        }
        const batch = this.#outbox;
        this.#outbox = [];
        try {
          await client.query(
            'select pg_notify($1, payload) from unnest($2::text[]) with ordinality as t(payload, n) order by n',
            [EVENT_CHANNEL, batch],
          );
          this.#options.metrics.relayMessages.inc({ direction: 'sent', outcome: 'ok' }, batch.length);
        } catch (error) {
          this.#options.metrics.relayMessages.inc({ direction: 'sent', outcome: 'dropped' }, batch.length);
          this.#options.logger.warn(
            { err: (error as Error).message, events: batch.length },
            'could not relay bus events',
          );
        }
      }
    })().finally(() => {
      this.#flushing = null;
    });
  }

  #receive(text: string | undefined): void {
    const { metrics, logger, bus } = this.#options;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text ?? '') as Envelope;
    } catch {
      metrics.relayMessages.inc({ direction: 'received', outcome: 'invalid' });
      logger.warn('unreadable message on the event channel dropped');
      return;
    }
    if (envelope.i === this.instanceId) return;
    if (
      typeof envelope.e !== 'string' ||
      !RELAYED_EVENTS.has(envelope.e) ||
      typeof envelope.p !== 'object' ||
      envelope.p === null
    ) {
      metrics.relayMessages.inc({ direction: 'received', outcome: 'invalid' });
      logger.warn({ event: String(envelope.e).slice(0, 64) }, 'unknown message on the event channel dropped');
      return;
    }
    metrics.relayMessages.inc({ direction: 'received', outcome: 'ok' });
    // The sender built it from the same types; JSON turned its dates into strings already.
    bus.deliverRemote(envelope.e, envelope.p as BusEvents[typeof envelope.e]);
  }
}
