import { ApiError, noSuchObject } from './apiError';
import type { CheckoutSessionInput } from './checkoutSessionParams';
import { newId } from './ids';
import { formatAmount } from './money';
import type {
  ChargeObject,
  ChargeStatus,
  CheckoutSessionObject,
  EventDataObject,
  EventType,
  LineItem,
  Metadata,
  PaymentIntentObject,
  RefundObject,
} from './objects';
import type { RefundInput } from './refundParams';
import { type CardDetails, type CardField, type CardForm, checkCard, type Decline } from './testCards';

/** The API request behind a change, copied into the event's `request` field. */
export interface RequestCause {
  requestId: string | null;
  idempotencyKey: string | null;
}

/** Changes made by the customer on the hosted page or by the clock have no API request behind them. */
export const NO_REQUEST: RequestCause = { requestId: null, idempotencyKey: null };

export type EmitEvent = (type: EventType, object: EventDataObject, cause: RequestCause) => void;

export type PaymentAttempt =
  | { outcome: 'paid' | 'processing'; redirectUrl: string }
  | { outcome: 'declined'; decline: Decline }
  | { outcome: 'invalid'; field: CardField; code: string; message: string }
  | { outcome: 'not_open'; status: 'complete' | 'expired' };

interface SessionRecord {
  session: CheckoutSessionObject;
  lineItems: LineItem[];
  paymentIntentMetadata: Metadata;
  /**
   * The payment intent made by the first card attempt. The session shows it only once it completes,
   * so a declined card leaves the session object exactly as it was.
   */
  paymentIntentId: string | null;
}

export interface PaymentLedgerDeps {
  /** Business clock: `created`, `expires_at` checks, card expiry. */
  now: () => Date;
  /** Where hosted checkout pages live, without a trailing slash. */
  checkoutBaseUrl: string;
  emit: EmitEvent;
}

/**
 * Every Checkout Session, PaymentIntent, Charge and Refund the emulator holds, and the moves between
 * their states. Nothing here does I/O: changes are announced through `emit`, and objects handed out are
 * copies so a caller cannot change the ledger behind its back.
 */
export class PaymentLedger {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly paymentIntents = new Map<string, PaymentIntentObject>();
  private readonly charges = new Map<string, ChargeObject>();
  private readonly refunds = new Map<string, RefundObject>();

  constructor(private readonly deps: PaymentLedgerDeps) {}

  createCheckoutSession(input: CheckoutSessionInput): CheckoutSessionObject {
    const id = newId('cs_test_', 58);
    const amount = input.lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
    const session: CheckoutSessionObject = {
      id,
      object: 'checkout.session',
      amount_subtotal: amount,
      amount_total: amount,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId,
      created: this.nowSeconds(),
      currency: input.currency,
      customer_email: input.customerEmail,
      expires_at: input.expiresAt,
      livemode: false,
      metadata: input.metadata,
      mode: 'payment',
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: input.successUrl,
      url: `${this.deps.checkoutBaseUrl}/c/pay/${id}`,
    };
    this.sessions.set(id, {
      session,
      lineItems: input.lineItems,
      paymentIntentMetadata: input.paymentIntentMetadata,
      paymentIntentId: null,
    });
    return structuredClone(session);
  }

  getSession(id: string): CheckoutSessionObject | undefined {
    const record = this.sessions.get(id);
    return record && structuredClone(record.session);
  }

  getLineItems(sessionId: string): LineItem[] {
    return structuredClone(this.sessions.get(sessionId)?.lineItems ?? []);
  }

  getPaymentIntent(id: string): PaymentIntentObject | undefined {
    const intent = this.paymentIntents.get(id);
    return intent && structuredClone(intent);
  }

  getCharge(id: string): ChargeObject | undefined {
    const charge = this.charges.get(id);
    return charge && structuredClone(charge);
  }

  getRefund(id: string): RefundObject | undefined {
    const refund = this.refunds.get(id);
    return refund && structuredClone(refund);
  }

  /** Any object by id, for `expand[]`. */
  lookup(id: string): EventDataObject | undefined {
    return this.getSession(id) ?? this.getPaymentIntent(id) ?? this.getCharge(id) ?? this.getRefund(id);
  }

  /** `POST /v1/checkout/sessions/:id/expire`. */
  expireSession(id: string, cause: RequestCause): CheckoutSessionObject {
    const record = this.sessions.get(id);
    if (!record) throw noSuchObject('checkout.session', id);
    this.expireIfDue(record);
    if (record.session.status !== 'open') {
      throw new ApiError(
        400,
        'invalid_request_error',
        `This Checkout Session is ${record.session.status}; only a Checkout Session with status 'open' can be expired.`,
        { code: 'checkout_session_not_open' },
      );
    }
    this.markExpired(record, cause);
    return structuredClone(record.session);
  }

  /** Expires every open session whose `expires_at` has passed on the business clock. */
  expireDue(): number {
    let expired = 0;
    for (const record of this.sessions.values()) {
      if (this.expireIfDue(record)) expired++;
    }
    return expired;
  }

  /** A card submitted on the hosted page (or by the `pay()` test helper). */
  pay(sessionId: string, form: CardForm): PaymentAttempt | undefined {
    const record = this.sessions.get(sessionId);
    if (!record) return undefined;
    this.expireIfDue(record);
    const { session } = record;
    if (session.status !== 'open') return { outcome: 'not_open', status: session.status };

    const check = checkCard(form, this.deps.now());
    if (!check.ok) return { outcome: 'invalid', field: check.field, code: check.code, message: check.message };

    const intent = this.paymentIntentFor(record);
    switch (check.behaviour.kind) {
      case 'decline': {
        const { code, declineCode, message } = check.behaviour;
        const charge = this.newCharge(intent, check.card, 'failed');
        charge.failure_code = code;
        charge.failure_message = message;
        intent.status = 'requires_payment_method';
        intent.latest_charge = charge.id;
        intent.last_payment_error = { type: 'card_error', code, decline_code: declineCode, message };
        this.deps.emit('charge.failed', charge, NO_REQUEST);
        this.deps.emit('payment_intent.payment_failed', intent, NO_REQUEST);
        return { outcome: 'declined', decline: { code, declineCode, message } };
      }
      case 'succeed': {
        const charge = this.newCharge(intent, check.card, 'succeeded');
        this.markIntentSucceeded(intent, charge);
        session.status = 'complete';
        session.payment_status = 'paid';
        session.payment_intent = intent.id;
        session.url = null;
        this.deps.emit('charge.succeeded', charge, NO_REQUEST);
        this.deps.emit('payment_intent.succeeded', intent, NO_REQUEST);
        this.deps.emit('checkout.session.completed', session, NO_REQUEST);
        return { outcome: 'paid', redirectUrl: successRedirect(session) };
      }
      case 'async': {
        const charge = this.newCharge(intent, check.card, 'pending');
        intent.status = 'processing';
        intent.latest_charge = charge.id;
        intent.last_payment_error = null;
        // Stripe completes the session at once for delayed payment methods, still unpaid: the money
        // arrives (or not) later, announced by checkout.session.async_payment_succeeded / _failed.
        session.status = 'complete';
        session.payment_status = 'unpaid';
        session.payment_intent = intent.id;
        session.url = null;
        this.deps.emit('charge.pending', charge, NO_REQUEST);
        this.deps.emit('payment_intent.processing', intent, NO_REQUEST);
        this.deps.emit('checkout.session.completed', session, NO_REQUEST);
        return { outcome: 'processing', redirectUrl: successRedirect(session) };
      }
    }
  }

  /** Ends a delayed payment started with the async test card. */
  settleAsyncPayment(sessionId: string, outcome: 'succeeded' | 'failed'): void {
    const record = this.sessions.get(sessionId);
    if (!record) throw new Error(`no checkout session ${sessionId}`);
    const intent = record.paymentIntentId ? this.paymentIntents.get(record.paymentIntentId) : undefined;
    const charge = intent?.latest_charge ? this.charges.get(intent.latest_charge) : undefined;
    if (!intent || !charge || intent.status !== 'processing' || record.session.payment_status !== 'unpaid') {
      throw new Error(`checkout session ${sessionId} has no payment waiting to settle`);
    }
    const { session } = record;
    if (outcome === 'succeeded') {
      charge.status = 'succeeded';
      charge.paid = true;
      this.markIntentSucceeded(intent, charge);
      session.payment_status = 'paid';
      this.deps.emit('charge.succeeded', charge, NO_REQUEST);
      this.deps.emit('payment_intent.succeeded', intent, NO_REQUEST);
      this.deps.emit('checkout.session.async_payment_succeeded', session, NO_REQUEST);
      return;
    }
    const message = 'The payment failed.';
    charge.status = 'failed';
    charge.failure_code = 'payment_failed';
    charge.failure_message = message;
    intent.status = 'requires_payment_method';
    intent.last_payment_error = { type: 'card_error', code: 'payment_failed', message };
    this.deps.emit('charge.failed', charge, NO_REQUEST);
    this.deps.emit('payment_intent.payment_failed', intent, NO_REQUEST);
    this.deps.emit('checkout.session.async_payment_failed', session, NO_REQUEST);
  }

  /** `POST /v1/refunds`. */
  createRefund(input: RefundInput, cause: RequestCause): RefundObject {
    const charge = this.refundableCharge(input);
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining === 0) {
      throw new ApiError(400, 'invalid_request_error', `Charge ${charge.id} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    }
    const amount = input.amount ?? remaining;
    if (amount > remaining) {
      const limit = charge.amount_refunded === 0 ? 'charge amount' : 'unrefunded amount on charge';
      throw new ApiError(
        400,
        'invalid_request_error',
        `Refund amount (${formatAmount(amount, charge.currency)}) is greater than ${limit} (${formatAmount(remaining, charge.currency)})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const refund: RefundObject = {
      id: newId('re_'),
      object: 'refund',
      amount,
      charge: charge.id,
      created: this.nowSeconds(),
      currency: charge.currency,
      metadata: input.metadata,
      payment_intent: charge.payment_intent,
      reason: input.reason,
      status: 'succeeded',
    };
    this.refunds.set(refund.id, refund);
    this.deps.emit('charge.refunded', charge, cause);
    this.deps.emit('refund.created', refund, cause);
    return structuredClone(refund);
  }

  private refundableCharge(input: RefundInput): ChargeObject {
    let charge: ChargeObject | undefined;
    if (input.charge !== null) {
      charge = this.charges.get(input.charge);
      if (!charge) throw noSuchObject('charge', input.charge, 'charge');
      if (input.paymentIntent !== null && charge.payment_intent !== input.paymentIntent) {
        throw new ApiError(
          400,
          'invalid_request_error',
          `Charge ${charge.id} does not belong to PaymentIntent ${input.paymentIntent}.`,
          { param: 'payment_intent', beforeExecution: true },
        );
      }
    } else if (input.paymentIntent !== null) {
      const intent = this.paymentIntents.get(input.paymentIntent);
      if (!intent) throw noSuchObject('payment_intent', input.paymentIntent, 'payment_intent');
      charge = intent.latest_charge ? this.charges.get(intent.latest_charge) : undefined;
      if (!charge || intent.status !== 'succeeded') {
        throw new ApiError(
          400,
          'invalid_request_error',
          `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
          { param: 'payment_intent' },
        );
      }
    }
    if (!charge) throw new Error('unreachable: refund params name neither a charge nor a payment intent');
    if (charge.status !== 'succeeded') {
      throw new ApiError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} has not succeeded and cannot be refunded.`,
        {
          param: 'charge',
        },
      );
    }
    return charge;
  }

  private expireIfDue(record: SessionRecord): boolean {
    if (record.session.status !== 'open' || record.session.expires_at > this.nowSeconds()) return false;
    this.markExpired(record, NO_REQUEST);
    return true;
  }

  private markExpired(record: SessionRecord, cause: RequestCause): void {
    const { session } = record;
    session.status = 'expired';
    session.url = null;
    const intent = record.paymentIntentId ? this.paymentIntents.get(record.paymentIntentId) : undefined;
    if (intent && intent.status === 'requires_payment_method') {
      // An abandoned attempt (say a declined card): Stripe cancels its payment intent with the session.
      intent.status = 'canceled';
      intent.canceled_at = this.nowSeconds();
      intent.cancellation_reason = 'abandoned';
      this.deps.emit('payment_intent.canceled', intent, cause);
    }
    this.deps.emit('checkout.session.expired', session, cause);
  }

  private paymentIntentFor(record: SessionRecord): PaymentIntentObject {
    const existing = record.paymentIntentId ? this.paymentIntents.get(record.paymentIntentId) : undefined;
    if (existing) return existing;
    const intent: PaymentIntentObject = {
      id: newId('pi_'),
      object: 'payment_intent',
      amount: record.session.amount_total,
      amount_received: 0,
      canceled_at: null,
      cancellation_reason: null,
      created: this.nowSeconds(),
      currency: record.session.currency,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: { ...record.paymentIntentMetadata },
      payment_method_types: ['card'],
      status: 'requires_payment_method',
    };
    this.paymentIntents.set(intent.id, intent);
    record.paymentIntentId = intent.id;
    return intent;
  }

  private newCharge(intent: PaymentIntentObject, card: CardDetails, status: ChargeStatus): ChargeObject {
    const charge: ChargeObject = {
      id: newId('ch_'),
      object: 'charge',
      amount: intent.amount,
      amount_captured: status === 'failed' ? 0 : intent.amount,
      amount_refunded: 0,
      captured: status !== 'failed',
      created: this.nowSeconds(),
      currency: intent.currency,
      failure_code: null,
      failure_message: null,
      livemode: false,
      // Stripe copies the payment intent's metadata onto the charges it creates.
      metadata: { ...intent.metadata },
      paid: status === 'succeeded',
      payment_intent: intent.id,
      payment_method_details: {
        type: 'card',
        card: { brand: card.brand, last4: card.last4, exp_month: card.expMonth, exp_year: card.expYear },
      },
      refunded: false,
      status,
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  private markIntentSucceeded(intent: PaymentIntentObject, charge: ChargeObject): void {
    intent.status = 'succeeded';
    intent.amount_received = charge.amount;
    intent.latest_charge = charge.id;
    intent.last_payment_error = null;
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.now().getTime() / 1000);
  }
}

/** Stripe fills the `{CHECKOUT_SESSION_ID}` template in the success URL only when it redirects. */
export function successRedirect(session: CheckoutSessionObject): string {
  return session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}
