import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../src/index';
import { bookingCheckout, stripeFor } from '../support/emulatorClient';

let emulator: StripeEmulator;
let stripe: Stripe;
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  emulator = await startStripeEmulator();
  stripe = stripeFor(emulator);
});
afterAll(() => emulator.stop());

async function refusal(promise: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('Checkout Sessions through the official SDK', () => {
  it('creates an open session with Stripe’s shape', async () => {
    const before = nowSeconds();
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    expect(session.id).toMatch(/^cs_test_/);
    expect(session).toMatchObject({
      object: 'checkout.session',
      amount_total: 1250,
      currency: 'eur',
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      mode: 'payment',
      livemode: false,
      client_reference_id: 'bk_42',
      metadata: { booking_id: 'bk_42' },
      success_url: 'http://locker.test/bookings/paid?session={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://locker.test/bookings/cancelled',
      url: `${emulator.url}/c/pay/${session.id}`,
    });
    expect(session.created).toBeGreaterThanOrEqual(before);
    expect(session.expires_at - session.created).toBe(24 * 3600);
  });

  it('retrieves a session, and answers resource_missing for an unknown one', async () => {
    const created = await stripe.checkout.sessions.create(bookingCheckout());
    const fetched = await stripe.checkout.sessions.retrieve(created.id);
    expect(fetched).toMatchObject({ id: created.id, status: 'open', amount_total: 1250 });

    const error = await refusal(stripe.checkout.sessions.retrieve('cs_test_nope'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(404);
    expect(error.code).toBe('resource_missing');
  });

  it('accepts expires_at from 30 minutes to 24 hours ahead and refuses anything outside', async () => {
    const soon = await stripe.checkout.sessions.create(bookingCheckout({ expires_at: nowSeconds() + 31 * 60 }));
    expect(soon.expires_at - soon.created).toBe(31 * 60);

    for (const expires_at of [nowSeconds() + 10 * 60, nowSeconds() + 25 * 3600]) {
      const error = await refusal(stripe.checkout.sessions.create(bookingCheckout({ expires_at })));
      expect(error.statusCode).toBe(400);
      expect(error.type).toBe('StripeInvalidRequestError');
      expect(error.param).toBe('expires_at');
    }
  });

  it('refuses a session without success_url, naming the parameter', async () => {
    const { success_url: _omitted, ...params } = bookingCheckout();
    const error = await refusal(stripe.checkout.sessions.create(params));
    expect(error.statusCode).toBe(400);
    expect(error.code).toBe('parameter_missing');
    expect(error.param).toBe('success_url');
    expect(error.message).toContain('success_url');
  });

  it('replays the first response for a repeated Idempotency-Key', async () => {
    const key = `booking-bk_42-${Math.random()}`;
    const first = await stripe.checkout.sessions.create(bookingCheckout(), { idempotencyKey: key });
    const again = await stripe.checkout.sessions.create(bookingCheckout(), { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(again.lastResponse.requestId).toBe(first.lastResponse.requestId);
  });

  it('refuses a repeated Idempotency-Key with other parameters', async () => {
    const key = `booking-bk_43-${Math.random()}`;
    await stripe.checkout.sessions.create(bookingCheckout(), { idempotencyKey: key });
    const error = await refusal(
      stripe.checkout.sessions.create(bookingCheckout({ client_reference_id: 'bk_other' }), { idempotencyKey: key }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/same parameters/);
  });

  it('does not spend a key on a request refused for its parameters', async () => {
    const key = `booking-bk_44-${Math.random()}`;
    const { success_url: _omitted, ...broken } = bookingCheckout();
    await refusal(stripe.checkout.sessions.create(broken, { idempotencyKey: key }));
    const fixed = await stripe.checkout.sessions.create(bookingCheckout(), { idempotencyKey: key });
    expect(fixed.status).toBe('open');
  });

  it('answers 401 for a wrong or missing key', async () => {
    const error = await refusal(
      stripeFor(emulator, 'sk_test_wrong_key_123').checkout.sessions.create(bookingCheckout()),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
    expect(error.message).toMatch(/Invalid API Key/);

    const bare = await fetch(`${emulator.url}/v1/checkout/sessions/cs_test_x`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers an unknown route with Stripe’s 404 error', async () => {
    const response = await fetch(`${emulator.url}/v1/customers`, {
      headers: { authorization: `Bearer ${emulator.secretKey}` },
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('/v1/customers');
  });

  it('takes curl-style Basic auth too', async () => {
    const created = await stripe.checkout.sessions.create(bookingCheckout());
    const response = await fetch(`${emulator.url}/v1/checkout/sessions/${created.id}`, {
      headers: { authorization: `Basic ${Buffer.from(`${emulator.secretKey}:`).toString('base64')}` },
    });
    expect(response.status).toBe(200);
  });
});

describe('an emulator open to the LAN', () => {
  it('listens on every interface and gives pages at the host name browsers reach it by', async () => {
    const lan = await startStripeEmulator({ host: '0.0.0.0', publicHost: 'locker-demo.lan' });
    try {
      expect(lan.checkoutBaseUrl).toBe(`http://locker-demo.lan:${lan.port}`);
      const session = await stripeFor(lan).checkout.sessions.create(bookingCheckout());
      const page = new URL(session.url ?? '');
      expect(page.origin).toBe(`http://locker-demo.lan:${lan.port}`);
      // The same page, reached over loopback here as a phone would over the LAN.
      const response = await fetch(`http://127.0.0.1:${lan.port}${page.pathname}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('data-testid="pay"');
    } finally {
      await lan.stop();
    }
  });

  it('defaults the pages to its own address', () => {
    expect(emulator.checkoutBaseUrl).toBe(`http://127.0.0.1:${emulator.port}`);
  });
});
