import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhookPayload } from '../src/index';

const stripe = new Stripe('sk_test_unit');

describe('signWebhookPayload', () => {
  const secret = generateWebhookSecret();
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed' }, null, 2);

  it('makes a header the official SDK accepts', () => {
    const header = signWebhookPayload(payload, secret, Math.floor(Date.now() / 1000));
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(payload, header, secret);
    expect(event.id).toBe('evt_1');
  });

  it('is rejected by the SDK for another body, another secret or an old timestamp', () => {
    const now = Math.floor(Date.now() / 1000);
    const header = signWebhookPayload(payload, secret, now);
    expect(() => stripe.webhooks.constructEvent(payload.replace('evt_1', 'evt_2'), header, secret)).toThrow(
      /signature/i,
    );
    expect(() => stripe.webhooks.constructEvent(payload, header, generateWebhookSecret())).toThrow(/signature/i);
    const stale = signWebhookPayload(payload, secret, now - 3600);
    expect(() => stripe.webhooks.constructEvent(payload, stale, secret)).toThrow(/tolerance/i);
  });

  it('generates whsec_ secrets that differ each time', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
