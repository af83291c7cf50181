import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StripeEmulator, startStripeEmulator } from '../../src/index';
import { bookingCheckout, stripeFor, submitCard } from '../support/emulatorClient';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

let emulator: StripeEmulator;
let stripe: Stripe;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  emulator = await startStripeEmulator({ webhookUrl: receiver.url });
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

const ofSession = (id: string) => (hook: { event: { data: { object: Record<string, unknown> } } }) =>
  hook.event.data.object.id === id || hook.event.data.object.payment_intent === id;

describe('hosted checkout page', () => {
  it('shows the item, the amount, the test-mode banner and the form', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const response = await fetch(session.url ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('TEST MODE');
    expect(html).toContain('Locker M · 3 h');
    expect(html).toContain('12.50 EUR');
    for (const testId of ['card-number', 'card-expiry', 'card-cvc', 'card-name', 'pay', 'cancel']) {
      expect(html).toContain(`data-testid="${testId}"`);
    }
    expect(html).toContain('href="http://locker.test/bookings/cancelled"');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('pays with 4242: 303 to the success URL, session paid, signed webhook the SDK verifies', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const response = await submitCard(session.url ?? '', { number: '4242 4242 4242 4242' });

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`http://locker.test/bookings/paid?session=${session.id}`);

    const paid = await stripe.checkout.sessions.retrieve(session.id);
    expect(paid).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    expect(paid.payment_intent).toMatch(/^pi_/);
    expect(emulator.getSession(session.id)?.payment_status).toBe('paid');

    const intent = await stripe.paymentIntents.retrieve(String(paid.payment_intent));
    expect(intent).toMatchObject({ status: 'succeeded', amount: 1250, amount_received: 1250 });
    expect(intent.metadata).toEqual({ booking_id: 'bk_42' });
    expect(intent.latest_charge).toMatch(/^ch_/);

    const [hook] = await receiver.waitFor(1, (h) => h.event.type === 'checkout.session.completed');
    if (!hook) throw new Error('no checkout.session.completed');
    expect(hook.headers['content-type']).toMatch(/^application\/json/);
    const signature = String(hook.headers['stripe-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(hook.body, signature, emulator.webhookSecret);
    expect(event).toMatchObject({
      object: 'event',
      type: 'checkout.session.completed',
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    });
    expect(event.id).toMatch(/^evt_/);
    expect(event.data.object).toMatchObject({
      id: session.id,
      payment_status: 'paid',
      metadata: { booking_id: 'bk_42' },
    });
    expect(() =>
      stripe.webhooks.constructEvent(hook.body.replace('"paid"', '"unpaid"'), signature, emulator.webhookSecret),
    ).toThrow(/signature/i);
  });

  it('declines 0002: same page with the message, 402, nothing changes on the session', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const response = await submitCard(session.url ?? '', { number: '4000 0000 0000 0002' });
    expect(response.status).toBe(402);
    const html = await response.text();
    expect(html).toMatch(/data-testid="card-error"[^>]*>Your card was declined\.</);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
    });
    const [failed] = await receiver.waitFor(1, (h) => h.event.type === 'payment_intent.payment_failed');
    expect(failed?.event.data.object).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'card_declined', decline_code: 'generic_decline' },
    });
    await emulator.idle();
    expect(receiver.received.some((h) => h.event.type === 'checkout.session.completed')).toBe(false);
  });

  it('re-renders with a clear error for a bad number, a past expiry or a short CVC', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const cases = [
      { card: { number: '4242 4242 4242 4241' }, message: 'Your card number is invalid.' },
      { card: { number: '4242424242424242', expiry: '01 / 20' }, message: 'expiration year is in the past' },
      { card: { number: '4242424242424242', cvc: '12' }, message: 'security code is incomplete' },
    ];
    for (const { card, message } of cases) {
      const response = await submitCard(session.url ?? '', card);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(message);
    }
    expect(emulator.getSession(session.id)).toMatchObject({ status: 'open', payment_status: 'unpaid' });
  });

  it('says so, with 410 and no charge, when the session is already paid or expired', async () => {
    const paid = await stripe.checkout.sessions.create(bookingCheckout());
    await submitCard(paid.url ?? '', { number: '4242424242424242' });
    const again = await submitCard(paid.url ?? '', { number: '4242424242424242' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already complete');
    const intent = await stripe.paymentIntents.retrieve(String(emulator.getSession(paid.id)?.payment_intent));
    expect(intent.amount_received).toBe(1250);

    const expired = await stripe.checkout.sessions.create(bookingCheckout());
    await stripe.checkout.sessions.expire(expired.id);
    const late = await submitCard(expired.url ?? '', { number: '4242424242424242' });
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('expired');
    expect((await fetch(expired.url ?? '')).status).toBe(410);
  });

  it('answers 404 for an unknown session page', async () => {
    const response = await fetch(`${emulator.url}/c/pay/cs_test_unknown`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('does not exist');
  });

  it('async card 3055: complete but unpaid, then settled as succeeded', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const response = await submitCard(session.url ?? '', { number: '4000 0000 0000 3055' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain(session.id);
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'unpaid',
    });
    const [completed] = await receiver.waitFor(
      1,
      (h) => h.event.type === 'checkout.session.completed' && ofSession(session.id)(h),
    );
    expect(completed?.event.data.object).toMatchObject({ payment_status: 'unpaid' });

    await emulator.settleAsyncPayment(session.id, 'succeeded');
    const [settled] = await receiver.waitFor(1, (h) => h.event.type === 'checkout.session.async_payment_succeeded');
    expect(settled?.event.data.object).toMatchObject({ id: session.id, payment_status: 'paid' });
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    expect(paid.payment_status).toBe('paid');
    expect((await stripe.paymentIntents.retrieve(String(paid.payment_intent))).status).toBe('succeeded');
    await expect(emulator.settleAsyncPayment(session.id, 'succeeded')).rejects.toThrow(/no payment waiting/);
  });

  it('async card 3055 settled as failed: stays unpaid, async_payment_failed sent', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    expect(await emulator.pay(session.id, '4000000000003055')).toEqual({ ok: true });
    await emulator.settleAsyncPayment(session.id, 'failed');
    const [failed] = await receiver.waitFor(1, (h) => h.event.type === 'checkout.session.async_payment_failed');
    expect(failed?.event.data.object).toMatchObject({ id: session.id, status: 'complete', payment_status: 'unpaid' });
    const intent = await stripe.paymentIntents.retrieve(String(emulator.getSession(session.id)?.payment_intent));
    expect(intent.status).toBe('requires_payment_method');
  });

  it('pay() helper reports declines with Stripe’s decline code', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    expect(await emulator.pay(session.id, '4000000000000002')).toEqual({ ok: false, declineCode: 'generic_decline' });
    expect(await emulator.pay(session.id, '4000000000009995')).toEqual({
      ok: false,
      declineCode: 'insufficient_funds',
    });
    expect(await emulator.pay(session.id, '4242424242424242')).toEqual({ ok: true });
    expect(await emulator.pay(session.id, '4242424242424242')).toEqual({ ok: false, declineCode: 'session_complete' });
    await expect(emulator.pay('cs_test_unknown', '4242424242424242')).rejects.toThrow(/no checkout session/);
  });

  it('expands payment_intent and its latest_charge on retrieve', async () => {
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    await emulator.pay(session.id, '4242424242424242');
    const expanded = await stripe.checkout.sessions.retrieve(session.id, {
      expand: ['payment_intent.latest_charge'],
    });
    const intent = expanded.payment_intent as Stripe.PaymentIntent;
    expect(intent.object).toBe('payment_intent');
    expect((intent.latest_charge as Stripe.Charge).object).toBe('charge');
  });
});
