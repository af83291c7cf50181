import { beforeEach, describe, expect, it } from 'vitest';
import type { CheckoutSessionInput } from '../src/checkoutSessionParams';
import { ApiError, type EventType } from '../src/index';
import type { EventDataObject } from '../src/objects';
import { NO_REQUEST, PaymentLedger } from '../src/paymentLedger';

const START = new Date('2026-05-01T08:00:00Z');
const START_S = START.getTime() / 1000;
const CARD = { expiry: '12 / 30', cvc: '123', name: 'Ada' };

function input(overrides: Partial<CheckoutSessionInput> = {}): CheckoutSessionInput {
  return {
    successUrl: 'https://locker.example/ok?s={CHECKOUT_SESSION_ID}',
    cancelUrl: null,
    lineItems: [{ name: 'Locker S', currency: 'eur', unitAmount: 700, quantity: 1 }],
    currency: 'eur',
    metadata: { booking_id: 'bk_9' },
    clientReferenceId: 'bk_9',
    customerEmail: null,
    expiresAt: START_S + 3600,
    paymentIntentMetadata: { booking_id: 'bk_9' },
    ...overrides,
  };
}

describe('PaymentLedger', () => {
  let now: Date;
  let events: Array<{ type: EventType; object: EventDataObject }>;
  let ledger: PaymentLedger;

  beforeEach(() => {
    now = START;
    events = [];
    ledger = new PaymentLedger({
      now: () => now,
      checkoutBaseUrl: 'http://pay.test',
      emit: (type, object) => events.push({ type, object: structuredClone(object) }),
    });
  });

  it('opens a session with its hosted URL and no event', () => {
    const session = ledger.createCheckoutSession(input());
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 700,
      payment_intent: null,
      created: START_S,
      url: `http://pay.test/c/pay/${session.id}`,
    });
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]+$/);
    expect(events).toEqual([]);
  });

  it('pays with 4242: session complete and paid, intent and charge succeeded, metadata carried over', () => {
    const { id } = ledger.createCheckoutSession(input());
    const attempt = ledger.pay(id, { number: '4242424242424242', ...CARD });
    expect(attempt).toEqual({ outcome: 'paid', redirectUrl: `https://locker.example/ok?s=${id}` });
    const session = ledger.getSession(id);
    expect(session).toMatchObject({ status: 'complete', payment_status: 'paid', url: null });
    const intent = ledger.getPaymentIntent(session?.payment_intent ?? '');
    expect(intent).toMatchObject({ status: 'succeeded', amount_received: 700, metadata: { booking_id: 'bk_9' } });
    const charge = ledger.getCharge(intent?.latest_charge ?? '');
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 700, metadata: { booking_id: 'bk_9' } });
    expect(events.map((e) => e.type)).toEqual([
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
  });

  it('hands out copies: changing a returned session does not change the ledger', () => {
    const session = ledger.createCheckoutSession(input());
    session.status = 'expired';
    expect(ledger.getSession(session.id)?.status).toBe('open');
  });

  it('keeps a declined session open and unchanged, and a later good card pays it', () => {
    const { id } = ledger.createCheckoutSession(input());
    const before = ledger.getSession(id);
    expect(ledger.pay(id, { number: '4000000000000002', ...CARD })).toMatchObject({
      outcome: 'declined',
      decline: { declineCode: 'generic_decline' },
    });
    expect(ledger.getSession(id)).toEqual(before);
    expect(events.map((e) => e.type)).toEqual(['charge.failed', 'payment_intent.payment_failed']);
    expect(ledger.pay(id, { number: '4242424242424242', ...CARD })?.outcome).toBe('paid');
  });

  it('refuses to pay a session past its expires_at and expires it on the spot', () => {
    const { id } = ledger.createCheckoutSession(input());
    now = new Date((START_S + 3600) * 1000);
    expect(ledger.pay(id, { number: '4242424242424242', ...CARD })).toEqual({ outcome: 'not_open', status: 'expired' });
    expect(events.map((e) => e.type)).toEqual(['checkout.session.expired']);
  });

  it('expireDue only touches open sessions whose time has come', () => {
    const due = ledger.createCheckoutSession(input({ expiresAt: START_S + 1800 }));
    const later = ledger.createCheckoutSession(input({ expiresAt: START_S + 7200 }));
    const paid = ledger.createCheckoutSession(input({ expiresAt: START_S + 1800 }));
    ledger.pay(paid.id, { number: '4242424242424242', ...CARD });
    events = [];
    now = new Date((START_S + 1800) * 1000);
    expect(ledger.expireDue()).toBe(1);
    expect(ledger.getSession(due.id)?.status).toBe('expired');
    expect(ledger.getSession(later.id)?.status).toBe('open');
    expect(ledger.getSession(paid.id)?.status).toBe('complete');
    expect(ledger.expireDue()).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['checkout.session.expired']);
  });

  it('cancels the abandoned payment intent of a declined session when it expires', () => {
    const { id } = ledger.createCheckoutSession(input());
    ledger.pay(id, { number: '4000000000000002', ...CARD });
    events = [];
    ledger.expireSession(id, NO_REQUEST);
    expect(events.map((e) => e.type)).toEqual(['payment_intent.canceled', 'checkout.session.expired']);
    expect(() => ledger.expireSession(id, NO_REQUEST)).toThrow(ApiError);
  });

  it('refunds partially then fully, and refuses more than what is left', () => {
    const { id } = ledger.createCheckoutSession(input());
    ledger.pay(id, { number: '4242424242424242', ...CARD });
    const pi = ledger.getSession(id)?.payment_intent ?? '';
    const refund = { paymentIntent: pi, charge: null, reason: null, metadata: {} };
    expect(ledger.createRefund({ ...refund, amount: 200 }, NO_REQUEST)).toMatchObject({
      amount: 200,
      status: 'succeeded',
    });
    expect(() => ledger.createRefund({ ...refund, amount: 600 }, NO_REQUEST)).toThrow(/greater than unrefunded/);
    expect(ledger.createRefund({ ...refund, amount: null }, NO_REQUEST).amount).toBe(500);
    const charge = ledger.getCharge(ledger.getPaymentIntent(pi)?.latest_charge ?? '');
    expect(charge).toMatchObject({ amount_refunded: 700, refunded: true });
    try {
      ledger.createRefund({ ...refund, amount: null }, NO_REQUEST);
      expect.unreachable();
    } catch (error) {
      expect((error as ApiError).details.code).toBe('charge_already_refunded');
    }
  });
});
