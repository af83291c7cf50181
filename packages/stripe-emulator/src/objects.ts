/**
 * The Stripe objects the emulator serves, with the fields Stripe documents for them (API reference,
 * "The Checkout Session object", "The PaymentIntent object", ...). Only what SmartLocker reads or a
 * test can reasonably assert on is kept; everything is JSON as it goes over the wire.
 */

export type Metadata = Record<string, string>;

export interface LineItem {
  name: string;
  currency: string;
  unitAmount: number;
  quantity: number;
}

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired';
export type CheckoutPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';

export interface CheckoutSessionObject {
  id: string;
  object: 'checkout.session';
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  metadata: Metadata;
  mode: 'payment';
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: CheckoutPaymentStatus;
  status: CheckoutSessionStatus;
  success_url: string;
  /** Stripe only gives the hosted page URL while the session is open. */
  url: string | null;
}

export type PaymentIntentStatus = 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';

export interface LastPaymentError {
  type: 'card_error';
  code: string;
  decline_code?: string;
  message: string;
}

export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
  created: number;
  currency: string;
  last_payment_error: LastPaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  payment_method_types: string[];
  status: PaymentIntentStatus;
}

export type ChargeStatus = 'pending' | 'succeeded' | 'failed';

export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  payment_method_details: { type: 'card'; card: { brand: string; last4: string; exp_month: number; exp_year: number } };
  refunded: boolean;
  status: ChargeStatus;
}

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: RefundReason | null;
  status: 'succeeded';
}

export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export type EventType =
  | 'checkout.session.completed'
  | 'checkout.session.expired'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'payment_intent.processing'
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'payment_intent.canceled'
  | 'charge.pending'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'charge.refunded'
  | 'refund.created';

export type EventDataObject = CheckoutSessionObject | PaymentIntentObject | ChargeObject | RefundObject;

export interface EventObject {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: EventDataObject };
  livemode: false;
  pending_webhooks: number;
  /** The API request that caused the event; both null when the customer caused it on the hosted page. */
  request: { id: string | null; idempotency_key: string | null };
  type: EventType;
}

/** Stripe's own error body: `{ error: { type, message, code?, param?, ... } }`. */
export interface StripeErrorBody {
  error: {
    type: 'invalid_request_error' | 'idempotency_error' | 'card_error' | 'api_error';
    message: string;
    code?: string;
    decline_code?: string;
    param?: string;
    doc_url?: string;
  };
}
