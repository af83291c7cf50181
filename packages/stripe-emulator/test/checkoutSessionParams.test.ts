import qs from 'qs';
import { describe, expect, it } from 'vitest';
import { readCheckoutSessionParams } from '../src/checkoutSessionParams';
import { ParamReader, parseFormBody } from '../src/formParams';
import { ApiError } from '../src/index';

const NOW = 1_770_000_000;

/** Encodes like the SDK does: bracket notation, indexed arrays. */
function read(params: Record<string, unknown>) {
  const body = qs.stringify(params, { arrayFormat: 'indices' });
  return readCheckoutSessionParams(new ParamReader(parseFormBody(body)), NOW);
}

const valid = {
  mode: 'payment',
  success_url: 'https://locker.example/paid?session={CHECKOUT_SESSION_ID}',
  cancel_url: 'https://locker.example/cancelled',
  line_items: [
    { price_data: { currency: 'EUR', unit_amount: 450, product_data: { name: 'Locker M, 2 h' } }, quantity: 2 },
    { price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'Deposit' } }, quantity: 1 },
  ],
  metadata: { booking_id: 'bk_1', empty: '' },
  client_reference_id: 'bk_1',
  payment_intent_data: { metadata: { booking_id: 'bk_1' } },
};

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('readCheckoutSessionParams', () => {
  it('reads line items, metadata and defaults expires_at to 24 h after now', () => {
    const input = read(valid);
    expect(input.lineItems).toEqual([
      { name: 'Locker M, 2 h', currency: 'eur', unitAmount: 450, quantity: 2 },
      { name: 'Deposit', currency: 'eur', unitAmount: 100, quantity: 1 },
    ]);
    expect(input.currency).toBe('eur');
    expect(input.metadata).toEqual({ booking_id: 'bk_1' });
    expect(input.paymentIntentMetadata).toEqual({ booking_id: 'bk_1' });
    expect(input.expiresAt).toBe(NOW + 24 * 3600);
    expect(input.successUrl).toContain('{CHECKOUT_SESSION_ID}');
  });

  it('names the missing parameter in bracket notation', () => {
    const { success_url: _omit, ...noSuccess } = valid;
    expect(errorOf(() => read(noSuccess)).details).toMatchObject({ code: 'parameter_missing', param: 'success_url' });

    const noName = { ...valid, line_items: [{ price_data: { currency: 'eur', unit_amount: 100 }, quantity: 1 }] };
    expect(errorOf(() => read(noName)).details.param).toBe('line_items[0][price_data][product_data]');
  });

  it('refuses amounts that are not positive integers', () => {
    for (const unit_amount of [0, -5, '12.5', 'ten']) {
      const params = {
        ...valid,
        line_items: [{ price_data: { currency: 'eur', unit_amount, product_data: { name: 'x' } }, quantity: 1 }],
      };
      const error = errorOf(() => read(params));
      expect(error.status).toBe(400);
      expect(error.details.param).toBe('line_items[0][price_data][unit_amount]');
    }
  });

  it('keeps expires_at between 30 minutes and 24 hours from now', () => {
    expect(read({ ...valid, expires_at: NOW + 30 * 60 }).expiresAt).toBe(NOW + 1800);
    expect(read({ ...valid, expires_at: NOW + 24 * 3600 }).expiresAt).toBe(NOW + 86_400);
    expect(errorOf(() => read({ ...valid, expires_at: NOW + 30 * 60 - 1 })).details.param).toBe('expires_at');
    expect(errorOf(() => read({ ...valid, expires_at: NOW + 24 * 3600 + 1 })).details.param).toBe('expires_at');
  });

  it('refuses modes other than payment, unknown parameters and mixed currencies', () => {
    expect(errorOf(() => read({ ...valid, mode: 'subscription' })).details.param).toBe('mode');
    expect(errorOf(() => read({ ...valid, sucess_url: 'https://typo.example' })).details).toMatchObject({
      code: 'parameter_unknown',
      param: 'sucess_url',
    });
    const mixed = {
      ...valid,
      line_items: [
        { price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'a' } }, quantity: 1 },
        { price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'b' } }, quantity: 1 },
      ],
    };
    expect(errorOf(() => read(mixed)).details.param).toBe('line_items[1][price_data][currency]');
  });

  it('marks these refusals as found before execution, so an Idempotency-Key is not spent on them', () => {
    expect(errorOf(() => read({ ...valid, mode: 'setup' })).beforeExecution).toBe(true);
  });
});
