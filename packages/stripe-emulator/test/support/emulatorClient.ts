import Stripe from 'stripe';
import type { StripeEmulator } from '../../src/index';

/** The SDK configured exactly as the SmartLocker server configures it against the emulator. */
export function stripeFor(emulator: StripeEmulator, key = emulator.secretKey): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: emulator.port, protocol: 'http' });
}

/** Parameters shaped like the ones the server sends for a locker booking. */
export function bookingCheckout(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return {
    mode: 'payment',
    success_url: 'http://locker.test/bookings/paid?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://locker.test/bookings/cancelled',
    client_reference_id: 'bk_42',
    metadata: { booking_id: 'bk_42' },
    payment_intent_data: { metadata: { booking_id: 'bk_42' } },
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Locker M · 3 h' } },
      },
    ],
    ...overrides,
  } satisfies Stripe.Checkout.SessionCreateParams;
}

/** Submits the hosted page form as a browser would, without following the redirect. */
export function submitCard(
  sessionUrl: string,
  card: { number: string; expiry?: string; cvc?: string; name?: string },
): Promise<Response> {
  const form = new URLSearchParams({
    'card-number': card.number,
    'card-expiry': card.expiry ?? '12 / 34',
    'card-cvc': card.cvc ?? '123',
    'card-name': card.name ?? 'Ada Lovelace',
  });
  return fetch(sessionUrl, { method: 'POST', body: form, redirect: 'manual' });
}
