import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { EventObject, EventType } from './objects';
import { signWebhookPayload } from './webhookSignature';

export interface EmulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface DeliveryRecord {
  eventId: string;
  type: EventType;
  /** 1 for the first try, 2 for the first retry, ... A chaos duplicate counts its own attempts from 1. */
  attempt: number;
  status: number | 'network_error';
}

export interface ChaosOptions {
  /** Deliver some events twice. */
  duplicate?: boolean;
  /** Hold some events back and deliver them after the next one. */
  outOfOrder?: boolean;
  /** Source of randomness in [0, 1); pass a seeded one to make the chaos repeatable. */
  random?: () => number;
}

export interface WebhookDispatcherOptions {
  secret: string;
  url: string | null;
  retryDelaysMs: readonly number[];
  chaos: ChaosOptions;
  logger: EmulatorLogger;
}

/** Share of events hit by each kind of chaos. */
export const CHAOS_RATE = 0.25;
/** Stripe gives an endpoint a few seconds to answer before it counts the attempt as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

interface Job {
  event: EventObject;
  body: string;
  attempt: number;
}

/**
 * Posts events to the webhook endpoint, signed, one at a time in the order they were created. A failed
 * attempt (network error or non-2xx) is retried after the next delay in `retryDelaysMs` without holding
 * up later events, as Stripe does; after the last delay the event is given up. Events raised while no
 * endpoint is set wait for one.
 */
export class WebhookDispatcher {
  private url: string | null;
  /** Attempts ready to go: first tries in creation order, and retries whose delay has passed. */
  private readonly queue: Job[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly records: DeliveryRecord[] = [];
  private idleWaiters: Array<() => void> = [];
  private sending = false;
  private stopped = false;
  /** Chaos out-of-order: a job kept back until `releaseAfter` (the next event's job) has been sent. */
  private held: Job | null = null;
  private releaseAfter: Job | null = null;
  private holdTimer: NodeJS.Immediate | null = null;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.url = options.url;
  }

  setUrl(url: string | null): void {
    this.url = url;
    void this.pump();
    this.settleIdleWaiters();
  }

  enqueue(event: EventObject): void {
    if (this.stopped) return;
    // Stripe sends pretty-printed JSON; the signature covers these exact bytes.
    const job: Job = { event, body: JSON.stringify(event, null, 2), attempt: 1 };
    const { chaos } = this.options;
    const random = chaos.random ?? Math.random;
    const jobs = [job];
    if (chaos.duplicate && random() < CHAOS_RATE) jobs.push({ ...job });
    if (this.held && !this.releaseAfter) this.releaseAfter = job;
    if (chaos.outOfOrder && random() < CHAOS_RATE && !this.held) {
      this.held = jobs.shift() ?? null;
    }
    this.queue.push(...jobs);
    void this.pump();
  }

  deliveries(): DeliveryRecord[] {
    return this.records.map((record) => ({ ...record }));
  }

  /** Resolves once nothing is being sent or waiting for a retry (events waiting for an endpoint don't count). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const request of this.inFlight) request.destroy();
    this.inFlight.clear();
    this.queue.length = 0;
    if (this.holdTimer) clearImmediate(this.holdTimer);
    this.holdTimer = null;
    this.held = null;
    this.releaseAfter = null;
    this.settleIdleWaiters();
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (!this.stopped && this.url !== null) {
        const job = this.queue.shift();
        if (!job) {
          this.releaseHeldSoon();
          break;
        }
        await this.attempt(job, this.url);
        if (job === this.releaseAfter) {
          const held = this.takeHeld();
          if (held) this.queue.unshift(held);
        }
      }
    } finally {
      this.sending = false;
      this.settleIdleWaiters();
    }
  }

  /**
   * No next event has come yet: let the rest of the current batch (events raised by the same request,
   * queued in the same tick) arrive first, then send the held event anyway rather than keep it forever.
   */
  private releaseHeldSoon(): void {
    if (!this.held || this.holdTimer) return;
    this.holdTimer = setImmediate(() => {
      this.holdTimer = null;
      // A next event did come meanwhile: the held one goes right after it is sent (see pump).
      if (this.releaseAfter) return;
      const held = this.takeHeld();
      if (held) this.queue.push(held);
      void this.pump();
    });
  }

  private takeHeld(): Job | null {
    const held = this.held;
    this.held = null;
    this.releaseAfter = null;
    return held;
  }

  private async attempt(job: Job, url: string): Promise<void> {
    const { event } = job;
    // Signed at send time with the real clock: receivers check the timestamp against their own clock.
    const signature = signWebhookPayload(job.body, this.options.secret, Math.floor(Date.now() / 1000));
    let status: number | 'network_error';
    try {
      status = await this.post(url, job.body, signature);
    } catch (error) {
      if (this.stopped) return;
      status = 'network_error';
      this.options.logger.warn(
        { eventId: event.id, type: event.type, attempt: job.attempt, url, err: String(error) },
        'webhook delivery failed: network error',
      );
    }
    this.records.push({ eventId: event.id, type: event.type, attempt: job.attempt, status });
    if (typeof status === 'number' && status >= 200 && status < 300) {
      this.options.logger.info(
        { eventId: event.id, type: event.type, attempt: job.attempt, status },
        'webhook delivered',
      );
      return;
    }
    if (typeof status === 'number') {
      this.options.logger.warn(
        { eventId: event.id, type: event.type, attempt: job.attempt, status, url },
        'webhook endpoint answered with an error',
      );
    }
    this.scheduleRetry(job);
  }

  private scheduleRetry(job: Job): void {
    const delay = this.options.retryDelaysMs[job.attempt - 1];
    if (delay === undefined) {
      this.options.logger.warn(
        { eventId: job.event.id, type: job.event.type, attempts: job.attempt },
        'webhook delivery given up after the last retry',
      );
      return;
    }
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.queue.push({ ...job, attempt: job.attempt + 1 });
      void this.pump();
      this.settleIdleWaiters();
    }, delay);
    // Pending retries must not keep a test run or a stopping server alive.
    timer.unref();
    this.retryTimers.add(timer);
  }

  private post(url: string, body: string, signature: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(
        target,
        {
          method: 'POST',
          // A fresh connection per attempt: nothing lingers in a keep-alive pool after stop().
          agent: false,
          timeout: DELIVERY_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            'stripe-signature': signature,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      this.inFlight.add(request);
      request.on('close', () => this.inFlight.delete(request));
      request.on('timeout', () => request.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
      request.on('error', reject);
      request.end(body);
    });
  }

  private isIdle(): boolean {
    if (this.stopped) return true;
    if (this.sending || this.retryTimers.size > 0) return false;
    return this.url === null || (this.queue.length === 0 && this.held === null);
  }

  private settleIdleWaiters(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
