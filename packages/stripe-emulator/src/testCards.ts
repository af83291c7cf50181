/**
 * Stripe's test-mode card numbers (docs: "Testing", card numbers and declined payments) and what the
 * emulator does with each. Card `4000 0000 0000 3055` is an emulator convention, not a Stripe card:
 * it stands for an asynchronous payment method (like SEPA Debit) whose outcome arrives later, settled
 * by `settleAsyncPayment()`.
 */

export interface CardForm {
  number: string;
  /** `MM / YY`, `MM/YY`, `MMYY` or `MM/YYYY`. */
  expiry: string;
  cvc: string;
  name?: string;
}

export interface CardDetails {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface Decline {
  code: string;
  declineCode: string;
  message: string;
}

export type CardBehaviour = { kind: 'succeed' } | { kind: 'async' } | ({ kind: 'decline' } & Decline);

export type CardField = 'card-number' | 'card-expiry' | 'card-cvc';

export type CardCheck =
  | { ok: true; card: CardDetails; behaviour: CardBehaviour }
  | { ok: false; field: CardField; code: string; message: string };

export const ASYNC_PAYMENT_CARD = '4000000000003055';

const DECLINED: Decline = { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' };

const TEST_CARDS: ReadonlyMap<string, CardBehaviour> = new Map<string, CardBehaviour>([
  ['4242424242424242', { kind: 'succeed' }],
  ['4000056655665556', { kind: 'succeed' }],
  ['5555555555554444', { kind: 'succeed' }],
  ['4000000000000002', { kind: 'decline', ...DECLINED }],
  [
    '4000000000009995',
    {
      kind: 'decline',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    },
  ],
  [
    '4000000000000069',
    { kind: 'decline', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  ],
  [
    '4000000000000127',
    {
      kind: 'decline',
      code: 'incorrect_cvc',
      declineCode: 'incorrect_cvc',
      message: "Your card's security code is incorrect.",
    },
  ],
  [ASYNC_PAYMENT_CARD, { kind: 'async' }],
]);

/** Checks the form the way Checkout does before it talks to the bank, then looks the number up. */
export function checkCard(form: CardForm, now: Date): CardCheck {
  const number = form.number.replace(/[\s-]/g, '');
  if (number === '') return refuse('card-number', 'incomplete_number', 'Your card number is incomplete.');
  if (!/^\d{12,19}$/.test(number) || !passesLuhn(number)) {
    return refuse('card-number', 'incorrect_number', 'Your card number is invalid.');
  }

  const expiry = parseExpiry(form.expiry);
  if (!expiry) return refuse('card-expiry', 'incomplete_expiry', "Your card's expiration date is incomplete.");
  if (expiry.month < 1 || expiry.month > 12) {
    return refuse('card-expiry', 'invalid_expiry_month', "Your card's expiration month is invalid.");
  }
  const thisYear = now.getUTCFullYear();
  const thisMonth = now.getUTCMonth() + 1;
  if (expiry.year < thisYear) {
    return refuse('card-expiry', 'invalid_expiry_year_past', "Your card's expiration year is in the past.");
  }
  if (expiry.year === thisYear && expiry.month < thisMonth) {
    return refuse('card-expiry', 'invalid_expiry_month_past', "Your card's expiration date is in the past.");
  }

  const brand = brandOf(number);
  const cvcLength = brand === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(form.cvc.trim())) {
    return refuse('card-cvc', 'incomplete_cvc', "Your card's security code is incomplete.");
  }

  const behaviour: CardBehaviour = TEST_CARDS.get(number) ?? {
    kind: 'decline',
    code: 'card_declined',
    declineCode: 'test_mode_live_card',
    message: 'Your card was declined. Your request was in test mode, but used a non test card.',
  };
  return {
    ok: true,
    card: { brand, last4: number.slice(-4), expMonth: expiry.month, expYear: expiry.year },
    behaviour,
  };
}

/** A far-future expiry for helpers that pay without a form. */
export function futureExpiry(now: Date): string {
  return `12 / ${String((now.getUTCFullYear() + 5) % 100).padStart(2, '0')}`;
}

export function testCvcFor(number: string): string {
  return brandOf(number.replace(/[\s-]/g, '')) === 'amex' ? '1234' : '123';
}

function refuse(field: CardField, code: string, message: string): CardCheck {
  return { ok: false, field, code, message };
}

function parseExpiry(text: string): { month: number; year: number } | undefined {
  const match = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return { month: Number(match[1]), year };
}

function brandOf(number: string): string {
  if (number.startsWith('4')) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  return 'unknown';
}

/** The Luhn (mod 10) check digit test every card number passes (ISO/IEC 7812-1, annex B). */
function passesLuhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
