import type { Agent } from 'node:https';
import type { PushUrgency } from '@smartlocker/domain';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { PushRepository } from './PushRepository';

/** What the service worker shows (apps/web/src/sw.ts). */
export interface PushMessage {
  title: string;
  body: string;
  /** Opened when the notification is clicked. */
  url: string;
  /** A later message with the same tag replaces the earlier one on the device. */
  tag: string;
}

/** How a message travels (RFC 8030 §5): how long a push service may hold it, and how urgently. */
export interface PushDelivery {
  ttlSeconds: number;
  urgency: PushUrgency;
  /** For the metrics: what the message is about. */
  purpose: 'alert' | 'reminder';
}

export interface PushServiceOptions {
  repository: PushRepository;
  metrics: Metrics;
  vapid: { publicKey: string; privateKey: string; subject: string } | null;
  logger: Logger;
  /** Tests trust a local push service's self-signed certificate through their own agent. */
  agent?: Agent;
}

/**
 * Web Push (VAPID, RFC 8030/8291/8292) through the `web-push` library: messages are encrypted for
 * each browser and handed to its push service. A subscription the push service no longer knows
 * (404, 410) is forgotten; other failures are logged and never fail the caller.
 */
export class PushService {
  /** web-push is loaded with the first message, not at start-up. */
  #library: Promise<typeof import('web-push')> | null = null;

  constructor(private readonly options: PushServiceOptions) {}

  get enabled(): boolean {
    return this.options.vapid !== null;
  }

  get publicKey(): string | null {
    return this.options.vapid?.publicKey ?? null;
  }

  /** Sends to every browser of the person; resolves with how many push services accepted it. */
  async notify(userId: string, message: PushMessage, delivery: PushDelivery): Promise<number> {
    const { metrics } = this.options;
    const vapid = this.options.vapid;
    if (!vapid) return 0;
    const subscriptions = await this.options.repository.listFor(userId);
    if (subscriptions.length === 0) return 0;
    this.#library ??= import('web-push');
    const { sendNotification: send, WebPushError } = await this.#library;
    const payload = JSON.stringify(message);
    const sent = await Promise.all(
      subscriptions.map(async (subscription) => {
        try {
          await send(
            { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
            payload,
            {
              vapidDetails: vapid,
              TTL: delivery.ttlSeconds,
              urgency: delivery.urgency,
              timeout: 10_000,
              ...(this.options.agent ? { agent: this.options.agent } : {}),
            },
          );
          metrics.pushes.inc({ purpose: delivery.purpose, outcome: 'sent' });
          return 1;
        } catch (error) {
          if (error instanceof WebPushError && (error.statusCode === 404 || error.statusCode === 410)) {
            metrics.pushes.inc({ purpose: delivery.purpose, outcome: 'gone' });
            await this.options.repository.forget(subscription.endpoint);
          } else {
            metrics.pushes.inc({ purpose: delivery.purpose, outcome: 'failed' });
            // The endpoint is a capability URL: only its host is logged.
            const host = URL.canParse(subscription.endpoint) ? new URL(subscription.endpoint).host : 'invalid';
            this.options.logger.warn({ err: error, host }, 'push message not delivered');
          }
          return 0;
        }
      }),
    );
    return sent.reduce<number>((sum, n) => sum + n, 0);
  }
}
