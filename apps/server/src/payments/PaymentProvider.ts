/**
 * The payment port (issue 5): what the booking service needs from a payment provider, in our
 * words. Stripe is the one adapter (StripePaymentProvider); in development and tests it talks to
 * the local emulator (`@smartlocker/stripe-emulator`), unmodified.
 */

export interface CheckoutRequest {
  /** Our payment row's purpose and ids, copied into the provider's metadata. */
  purpose: 'booking' | 'extension';
  bookingId: string;
  userId: string;
  lockerId: string;
  startsAt: Date;
  endsAt: Date;
  amountCents: number;
  currency: 'eur';
  /** What the payment page shows ("Casier École 01 — 2 h"). */
  description: string;
  customerEmail: string | null;
  /** Must contain `{CHECKOUT_SESSION_ID}`, which the provider substitutes. */
  successUrl: string;
  cancelUrl: string;
  /** When the payment page lapses and the held slot is let go (Stripe: 30 min to 24 h ahead). */
  expiresAt: Date;
  /** The same key for a retried creation returns the same session instead of a second one. */
  idempotencyKey: string;
}

export type CheckoutStatus = 'open' | 'complete' | 'expired';
export type CheckoutPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';

export interface CheckoutSession {
  id: string;
  url: string | null;
  status: CheckoutStatus;
  paymentStatus: CheckoutPaymentStatus;
  amountTotal: number;
  currency: string;
  expiresAt: Date;
  paymentIntentId: string | null;
  metadata: Record<string, string>;
}

export interface RefundRequest {
  paymentIntentId: string;
  amountCents: number;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

/** What a verified webhook says, reduced to the facts the booking service acts on. */
export type PaymentEvent =
  | { id: string; kind: 'checkout_completed'; session: CheckoutSession }
  | { id: string; kind: 'checkout_expired'; session: CheckoutSession }
  | { id: string; kind: 'async_payment_succeeded'; session: CheckoutSession }
  | { id: string; kind: 'async_payment_failed'; session: CheckoutSession }
  | { id: string; kind: 'charge_refunded'; paymentIntentId: string; amountRefunded: number; fullyRefunded: boolean }
  /** A type we do not handle: acknowledged and recorded, nothing else. */
  | { id: string; kind: 'ignored'; type: string };

/** The webhook's signature did not verify (forged, tampered with or older than the tolerance). */
export class WebhookSignatureError extends Error {
  readonly code = 'invalid_signature';
}

/** The provider could not be reached or refused the request. */
export class PaymentProviderError extends Error {
  readonly code = 'payment_unavailable';
}

export interface PaymentProvider {
  readonly name: string;
  createCheckout(request: CheckoutRequest): Promise<CheckoutSession>;
  /** `null` when the provider does not know the id. */
  retrieveCheckout(id: string): Promise<CheckoutSession | null>;
  /** Ends an open payment page at once (a cancelled hold); a no-op if no longer open. */
  expireCheckout(id: string): Promise<void>;
  refund(request: RefundRequest): Promise<{ refundId: string }>;
  /** Verifies the signature on the raw body and parses the event; throws WebhookSignatureError. */
  parseWebhook(rawBody: Buffer, signatureHeader: string | undefined): Promise<PaymentEvent>;
}
