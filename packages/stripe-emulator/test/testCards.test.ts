import { describe, expect, it } from 'vitest';
import { ASYNC_PAYMENT_CARD, checkCard } from '../src/index';

const NOW = new Date('2026-03-15T10:00:00Z');

function check(number: string, expiry = '12 / 30', cvc = '123') {
  return checkCard({ number, expiry, cvc }, NOW);
}

describe('checkCard', () => {
  it('accepts 4242 with or without spaces and reports brand and last digits', () => {
    for (const number of ['4242 4242 4242 4242', '4242424242424242', '4242-4242-4242-4242']) {
      const result = check(number);
      expect(result).toEqual({
        ok: true,
        card: { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2030 },
        behaviour: { kind: 'succeed' },
      });
    }
  });

  it('declines 0002 with Stripe’s generic decline', () => {
    expect(check('4000 0000 0000 0002')).toMatchObject({
      ok: true,
      behaviour: {
        kind: 'decline',
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
      },
    });
  });

  it('treats the emulator’s async card as a delayed payment', () => {
    expect(ASYNC_PAYMENT_CARD).toBe('4000000000003055');
    expect(check('4000 0000 0000 3055')).toMatchObject({ ok: true, behaviour: { kind: 'async' } });
  });

  it('declines a valid number that is not a test card, as test mode does', () => {
    expect(check('4012 8888 8888 1881')).toMatchObject({
      ok: true,
      behaviour: { kind: 'decline', declineCode: 'test_mode_live_card' },
    });
  });

  it('refuses a number failing the Luhn check, before any decline', () => {
    expect(check('4242 4242 4242 4241')).toEqual({
      ok: false,
      field: 'card-number',
      code: 'incorrect_number',
      message: 'Your card number is invalid.',
    });
    expect(check('')).toMatchObject({ ok: false, field: 'card-number', code: 'incomplete_number' });
  });

  it('takes MM / YY, MM/YY, MMYY and MM/YYYY and refuses past or malformed expiries', () => {
    expect(check('4242424242424242', '03/26')).toMatchObject({ ok: true, card: { expMonth: 3, expYear: 2026 } });
    expect(check('4242424242424242', '0427')).toMatchObject({ ok: true, card: { expMonth: 4, expYear: 2027 } });
    expect(check('4242424242424242', '04/2031')).toMatchObject({ ok: true, card: { expYear: 2031 } });
    expect(check('4242424242424242', '02 / 26')).toMatchObject({ ok: false, field: 'card-expiry' });
    expect(check('4242424242424242', '12 / 25')).toMatchObject({ ok: false, code: 'invalid_expiry_year_past' });
    expect(check('4242424242424242', '13 / 30')).toMatchObject({ ok: false, code: 'invalid_expiry_month' });
    expect(check('4242424242424242', 'soon')).toMatchObject({ ok: false, code: 'incomplete_expiry' });
  });

  it('wants a 3-digit CVC', () => {
    expect(check('4242424242424242', '12/30', '12')).toMatchObject({ ok: false, field: 'card-cvc' });
    expect(check('4242424242424242', '12/30', 'abc')).toMatchObject({ ok: false, field: 'card-cvc' });
  });
});
