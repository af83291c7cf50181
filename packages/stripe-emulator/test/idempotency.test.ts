import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { parseFormBody } from '../src/formParams';
import { IdempotencyStore } from '../src/idempotency';
import { ApiError, DEFAULT_API_VERSION } from '../src/index';

const ENDPOINT = 'POST /v1/refunds';
const saved = { status: 200, body: '{"id":"re_1"}', requestId: 'req_1' };

describe('IdempotencyStore', () => {
  it('replays the saved response for the same key and the same parameters in any order', () => {
    const store = new IdempotencyStore();
    expect(store.replay('k1', ENDPOINT, parseFormBody('payment_intent=pi_1&amount=500'))).toBeUndefined();
    store.save('k1', ENDPOINT, parseFormBody('payment_intent=pi_1&amount=500'), saved);
    expect(store.replay('k1', ENDPOINT, parseFormBody('amount=500&payment_intent=pi_1'))).toEqual(saved);
  });

  it('answers idempotency_error for other parameters or another endpoint', () => {
    const store = new IdempotencyStore();
    store.save('k1', ENDPOINT, parseFormBody('payment_intent=pi_1&amount=500'), saved);
    const attempts = [
      () => store.replay('k1', ENDPOINT, parseFormBody('payment_intent=pi_1&amount=600')),
      () => store.replay('k1', 'POST /v1/checkout/sessions', parseFormBody('payment_intent=pi_1&amount=500')),
    ];
    for (const attempt of attempts) {
      expect(attempt).toThrow(ApiError);
      try {
        attempt();
      } catch (error) {
        expect((error as ApiError).type).toBe('idempotency_error');
        expect((error as ApiError).status).toBe(400);
      }
    }
  });

  it('refuses keys longer than Stripe allows', () => {
    expect(() => new IdempotencyStore().replay('k'.repeat(256), ENDPOINT, {})).toThrow(/255/);
  });
});

describe('DEFAULT_API_VERSION', () => {
  it('is the version the installed SDK pins', () => {
    expect(DEFAULT_API_VERSION).toBe(Stripe.API_VERSION);
  });
});
