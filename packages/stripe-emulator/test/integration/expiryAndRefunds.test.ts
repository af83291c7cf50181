import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../src/index';
import { bookingCheckout, stripeFor } from '../support/emulatorClient';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;
/** The emulator's business clock; tests move it forward. */
let clock = new Date('2026-06-01T09:00:00Z');
const clockSeconds = () => Math.floor(clock.getTime() / 1000);

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  emulator = await startStripeEmulator({ webhookUrl: receiver.url, now: () => clock });
  stripe = stripeFor(emulator);
});
afterAll(async () => {
  await emulator.stop();
  await receiver.stop();
});
beforeEach(async () => {
  await emulator.idle();
  receiver.received.length = 0;
});

async function refusal(promise: Promise<unknown>): Promise<InstanceType<typeof Stripe.errors.StripeError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('expiry', () => {
  it('expires an open session on request and sends checkout.session.expired with the request id', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const expired = await stripe.checkout.sessions.expire(session.id, {}, { idempotencyKey: `exp-${session.id}` });
    expect(expired).toMatchObject({ id: session.id, status: 'expired', url: null });

    const [hook] = await receiver.waitFor(1, (h) => h.event.type === 'checkout.session.expired');
    expect(hook?.event).toMatchObject({
      data: { object: { id: session.id, status: 'expired' } },
      request: { id: expired.lastResponse.requestId, idempotency_key: `exp-${session.id}` },
    });

    const again = await refusal(stripe.checkout.sessions.expire(session.id));
    expect(again.statusCode).toBe(400);
    expect(again.message).toMatch(/expired/);
  });

  it('uses the business clock for created and expires_at bounds', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout({ expires_at: clockSeconds() + 3600 }));
    expect(session.created).toBe(clockSeconds());
    const error = await refusal(stripe.checkout.sessions.create(bookingCheckout({ expires_at: clockSeconds() + 60 })));
    expect(error.param).toBe('expires_at');
  });

  it('expireDue() expires sessions once the moved clock reaches expires_at', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout({ expires_at: clockSeconds() + 45 * 60 }));
    clock = new Date(clock.getTime() + 44 * 60_000);
    expect(await emulator.expireDue()).toBe(0);
    clock = new Date(clock.getTime() + 60_000);
    expect(await emulator.expireDue()).toBe(1);
    expect(emulator.getSession(session.id)?.status).toBe('expired');
    const [hook] = await receiver.waitFor(1, (h) => h.event.type === 'checkout.session.expired');
    expect(hook?.event.request).toEqual({ id: null, idempotency_key: null });
  });

  it('a retrieve after the clock moved already shows the session expired', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout({ expires_at: clockSeconds() + 30 * 60 }));
    clock = new Date(clock.getTime() + 30 * 60_000);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'expired', url: null });
  });

  it('the 1 s timer expires due sessions by itself', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout({ expires_at: clockSeconds() + 30 * 60 }));
    clock = new Date(clock.getTime() + 31 * 60_000);
    const [hook] = await receiver.waitFor(
      1,
      (h) => h.event.type === 'checkout.session.expired' && h.event.data.object.id === session.id,
      3_000,
    );
    expect(hook?.event.data.object.status).toBe('expired');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
  });
});

describe('refunds', () => {
  async function paidIntent(): Promise<string> {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    await emulator.pay(session.id, '4242424242424242');
    return String(emulator.getSession(session.id)?.payment_intent);
  }

  it('refunds in full and sends charge.refunded with the payment intent’s metadata, then refund.created', async () => {
    const pi = await paidIntent();
    await emulator.idle();
    receiver.received.length = 0;

    const refund = await stripe.refunds.create({ payment_intent: pi, reason: 'requested_by_customer' });
    expect(refund).toMatchObject({ object: 'refund', amount: 1250, status: 'succeeded', payment_intent: pi });
    expect(refund.id).toMatch(/^re_/);
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ id: refund.id, amount: 1250 });

    const hooks = await receiver.waitFor(2);
    expect(hooks.map((h) => h.event.type)).toEqual(['charge.refunded', 'refund.created']);
    expect(hooks[0]?.event.data.object).toMatchObject({
      object: 'charge',
      payment_intent: pi,
      amount: 1250,
      amount_refunded: 1250,
      refunded: true,
      metadata: { booking_id: 'bk_42' },
    });
  });

  it('refunds partially, then the rest; more than what is left is refused', async () => {
    const pi = await paidIntent();
    const part = await stripe.refunds.create({ payment_intent: pi, amount: 250 });
    expect(part.amount).toBe(250);
    const [partial] = await receiver.waitFor(1, (h) => h.event.type === 'charge.refunded' && ofIntent(h, pi));
    expect(partial?.event.data.object).toMatchObject({ amount_refunded: 250, refunded: false });

    const tooMuch = await refusal(stripe.refunds.create({ payment_intent: pi, amount: 1001 }));
    expect(tooMuch.statusCode).toBe(400);
    expect(tooMuch.param).toBe('amount');
    expect(tooMuch.message).toMatch(/greater than unrefunded amount/);

    const rest = await stripe.refunds.create({ payment_intent: pi });
    expect(rest.amount).toBe(1000);
    const done = await refusal(stripe.refunds.create({ payment_intent: pi, amount: 1 }));
    expect(done.code).toBe('charge_already_refunded');
  });

  it('refuses to refund an unknown or unpaid payment intent', async () => {
    const missing = await refusal(stripe.refunds.create({ payment_intent: 'pi_unknown' }));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('resource_missing');

    const session = await stripe.checkout.sessions.create(bookingCheckout());
    await emulator.pay(session.id, '4000000000003055');
    const pending = String(emulator.getSession(session.id)?.payment_intent);
    const unpaid = await refusal(stripe.refunds.create({ payment_intent: pending }));
    expect(unpaid.statusCode).toBe(400);
  });
});

function ofIntent(hook: { event: { data: { object: Record<string, unknown> } } }, pi: string): boolean {
  return hook.event.data.object.payment_intent === pi;
}
