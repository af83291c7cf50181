import type Stripe from 'stripe';
import {
  type CheckoutPaymentStatus,
  type CheckoutRequest,
  type CheckoutSession,
  type CheckoutStatus,
  type PaymentEvent,
  type PaymentProvider,
  PaymentProviderError,
  type RefundRequest,
  WebhookSignatureError,
} from './PaymentProvider';

/** Stripe's own default, spelled out: a webhook signed more than 5 min ago is refused (issue 5). */
export const WEBHOOK_TOLERANCE_S = 300;

export interface StripeEndpoint {
  secretKey: string;
  webhookSecret: string;
  /** The local emulator (plain HTTP on loopback unless `protocol` says https). Absent for api.stripe.com. */
  emulator?: { host: string; port: number; protocol?: 'http' | 'https' };
}

/** The Stripe adapter, on the official SDK (Checkout Sessions in `payment` mode). */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly #endpoint: StripeEndpoint;
  #client: Promise<{ stripe: Stripe; sdk: typeof Stripe }> | null = null;
  readonly #webhookSecret: string;

  constructor(endpoint: StripeEndpoint) {
    this.#endpoint = endpoint;
    this.#webhookSecret = endpoint.webhookSecret;
  }

  /**
   * The SDK is loaded on first use (a third of a second of start-up otherwise, for a server that
   * may take no payment before the first booking).
   */
  #sdk(): Promise<{ stripe: Stripe; sdk: typeof Stripe }> {
    const endpoint = this.#endpoint;
    this.#client ??= import('stripe').then(({ default: sdk }) => ({
      sdk,
      stripe: new sdk(endpoint.secretKey, {
        maxNetworkRetries: 2,
        timeout: 15_000,
        appInfo: { name: 'SmartLocker' },
        ...(endpoint.emulator
          ? {
              host: endpoint.emulator.host,
              port: endpoint.emulator.port,
              protocol: endpoint.emulator.protocol ?? 'http',
            }
          : {}),
      }),
    }));
    return this.#client;
  }

  async createCheckout(request: CheckoutRequest): Promise<CheckoutSession> {
    const metadata = {
      purpose: request.purpose,
      booking_id: request.bookingId,
      user_id: request.userId,
      locker_id: request.lockerId,
      starts_at: request.startsAt.toISOString(),
      ends_at: request.endsAt.toISOString(),
    };
    const { stripe } = await this.#sdk();
    const session = await this.#call(() =>
      stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency,
                unit_amount: request.amountCents,
                product_data: { name: request.description },
              },
            },
          ],
          metadata,
          payment_intent_data: { metadata },
          client_reference_id: request.bookingId,
          ...(request.customerEmail ? { customer_email: request.customerEmail } : {}),
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          expires_at: Math.ceil(request.expiresAt.getTime() / 1000),
        },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    return toCheckoutSession(session);
  }

  async retrieveCheckout(id: string): Promise<CheckoutSession | null> {
    const { stripe, sdk } = await this.#sdk();
    try {
      return toCheckoutSession(await stripe.checkout.sessions.retrieve(id));
    } catch (error) {
      if (error instanceof sdk.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
      throw new PaymentProviderError(describe(error), { cause: error });
    }
  }

  async expireCheckout(id: string): Promise<void> {
    const { stripe, sdk } = await this.#sdk();
    try {
      await stripe.checkout.sessions.expire(id);
    } catch (error) {
      // Already paid, already expired: the caller reconciles from the session's state.
      if (error instanceof sdk.errors.StripeInvalidRequestError) return;
      throw new PaymentProviderError(describe(error), { cause: error });
    }
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const { stripe } = await this.#sdk();
    const refund = await this.#call(() =>
      stripe.refunds.create(
        {
          payment_intent: request.paymentIntentId,
          amount: request.amountCents,
          reason: 'requested_by_customer',
          metadata: request.metadata,
        },
        { idempotencyKey: request.idempotencyKey },
      ),
    );
    return { refundId: refund.id };
  }

  async parseWebhook(rawBody: Buffer, signatureHeader: string | undefined): Promise<PaymentEvent> {
    if (!signatureHeader) throw new WebhookSignatureError('The Stripe-Signature header is missing.');
    const { stripe } = await this.#sdk();
    let event: Stripe.Event;
    try {
      event = stripe.webhooks.constructEvent(rawBody, signatureHeader, this.#webhookSecret, WEBHOOK_TOLERANCE_S);
    } catch (error) {
      throw new WebhookSignatureError(describe(error), { cause: error });
    }
    switch (event.type) {
      case 'checkout.session.completed':
        return { id: event.id, kind: 'checkout_completed', session: toCheckoutSession(event.data.object) };
      case 'checkout.session.expired':
        return { id: event.id, kind: 'checkout_expired', session: toCheckoutSession(event.data.object) };
      case 'checkout.session.async_payment_succeeded':
        return { id: event.id, kind: 'async_payment_succeeded', session: toCheckoutSession(event.data.object) };
      case 'checkout.session.async_payment_failed':
        return { id: event.id, kind: 'async_payment_failed', session: toCheckoutSession(event.data.object) };
      case 'charge.refunded': {
        const charge = event.data.object;
        const paymentIntentId = idOf(charge.payment_intent);
        if (!paymentIntentId) return { id: event.id, kind: 'ignored', type: event.type };
        return {
          id: event.id,
          kind: 'charge_refunded',
          paymentIntentId,
          amountRefunded: charge.amount_refunded,
          fullyRefunded: charge.refunded,
        };
      }
      default:
        return { id: event.id, kind: 'ignored', type: event.type };
    }
  }

  async #call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw new PaymentProviderError(describe(error), { cause: error });
    }
  }
}

function toCheckoutSession(session: Stripe.Checkout.Session): CheckoutSession {
  return {
    id: session.id,
    url: session.url ?? null,
    status: checkoutStatus(session.status),
    paymentStatus: paymentStatus(session.payment_status),
    amountTotal: session.amount_total ?? 0,
    currency: session.currency ?? 'eur',
    expiresAt: new Date(session.expires_at * 1000),
    paymentIntentId: idOf(session.payment_intent),
    metadata: { ...(session.metadata ?? {}) },
  };
}

// Stripe's enums are open-ended (new values may appear): anything unknown is read as "not paid yet".
function checkoutStatus(status: string | null): CheckoutStatus {
  return status === 'complete' || status === 'expired' ? status : 'open';
}

function paymentStatus(status: string): CheckoutPaymentStatus {
  return status === 'paid' || status === 'no_payment_required' ? status : 'unpaid';
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
