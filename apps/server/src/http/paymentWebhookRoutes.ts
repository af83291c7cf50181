import { Hono } from 'hono';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { type PaymentProvider, WebhookSignatureError } from '../payments/PaymentProvider';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { PaymentRepository } from '../repositories/PaymentRepository';
import type { BookingService } from '../services/BookingService';

/** Stripe's events are a few kilobytes; anything far larger is not one of them. */
const MAX_WEBHOOK_BYTES = 512 * 1024;

export interface PaymentWebhookDeps {
  provider: PaymentProvider;
  payments: PaymentRepository;
  bookings: BookingService;
  audit: AuditRepository;
  logger: Logger;
  /** Deliveries by outcome (smartlocker_webhook_events_total). */
  metrics?: Pick<Metrics, 'webhookEvents'>;
}

/**
 * `POST /webhooks/stripe` (docs/payments.md): the signature is checked on the raw bytes (300 s
 * tolerance), each event id is handled once (a redelivery answers 200 and does nothing), and a
 * failure answers 500 so Stripe retries later. Outside /api: no session, no Origin — the
 * signature is the authentication.
 */
export function createPaymentWebhookRoutes(deps: PaymentWebhookDeps) {
  const routes = new Hono();

  const count = (outcome: 'handled' | 'duplicate' | 'bad_signature' | 'too_large' | 'failed') =>
    deps.metrics?.webhookEvents.inc({ provider: deps.provider.name, outcome });

  routes.post('/stripe', async (c) => {
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > MAX_WEBHOOK_BYTES) {
      count('too_large');
      return c.json({ error: { code: 'payload_too_large', message: 'Webhook body too large.' } }, 413);
    }
    const raw = Buffer.from(await c.req.arrayBuffer());
    if (raw.length > MAX_WEBHOOK_BYTES) {
      count('too_large');
      return c.json({ error: { code: 'payload_too_large', message: 'Webhook body too large.' } }, 413);
    }
    let event: Awaited<ReturnType<PaymentProvider['parseWebhook']>>;
    try {
      event = await deps.provider.parseWebhook(raw, c.req.header('stripe-signature'));
    } catch (error) {
      if (!(error instanceof WebhookSignatureError)) throw error;
      count('bad_signature');
      deps.logger.warn({ reason: error.message }, 'webhook refused: bad signature');
      return c.json({ error: { code: error.code, message: 'The webhook signature did not verify.' } }, 400);
    }
    if (await deps.payments.eventSeen(event.id)) {
      count('duplicate');
      return c.json({ received: true, duplicate: true });
    }
    // Handling is idempotent too (keyed by the Checkout Session), so a crash between handling and
    // recording only means the redelivery does nothing new.
    try {
      await deps.bookings.handlePaymentEvent(event);
    } catch (error) {
      // Answered 500 by the app: Stripe delivers it again later.
      count('failed');
      throw error;
    }
    const kind = event.kind === 'ignored' ? event.type : event.kind;
    // Issue 10: every payment event the provider told us of is in the audit trail, once: of
    // concurrent deliveries of one event, the one that records it writes the row.
    const first = await deps.payments.recordEvent(event.id, deps.provider.name, kind);
    count(first ? 'handled' : 'duplicate');
    if (first) {
      await deps.audit.record({
        actorKind: 'system',
        action: 'payment.webhook',
        data: { provider: deps.provider.name, eventId: event.id, kind },
      });
    }
    return c.json({ received: true });
  });

  return routes;
}
