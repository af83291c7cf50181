import { describe, expect, it } from 'vitest';
import { BOOKING_EXTENSION, decideExtension } from '../src/booking/bookingExtension';

const MINUTE = 60_000;
// A booking ending at 12:00 in Brussels, summer time.
const endsAt = new Date('2026-06-10T10:00:00Z');
const at = (minutesFromEnd: number) => new Date(endsAt.getTime() + minutesFromEnd * MINUTE);

describe('decideExtension (SPEC §5 "Extension")', () => {
  it('offers +1 h for 500 cents when less than 30 min remain', () => {
    expect(decideExtension({ state: 'active', endsAt }, at(-29))).toEqual({
      ok: true,
      newEndsAt: new Date('2026-06-10T11:00:00Z'),
      amountCents: 500,
    });
  });

  it('does not offer it with exactly 30 min or more left', () => {
    expect(decideExtension({ state: 'active', endsAt }, at(-30))).toEqual({ ok: false, code: 'too_early' });
    expect(decideExtension({ state: 'active', endsAt }, at(-90))).toEqual({ ok: false, code: 'too_early' });
  });

  it.each([0, 10, 30])('offers it %s min after the end, adding the hour to the booked end', (minutes) => {
    expect(decideExtension({ state: 'completed', endsAt }, at(minutes))).toEqual({
      ok: true,
      newEndsAt: new Date('2026-06-10T11:00:00Z'),
      amountCents: 500,
    });
  });

  it('refuses more than 30 min after the end', () => {
    expect(decideExtension({ state: 'completed', endsAt }, at(31))).toEqual({ ok: false, code: 'too_late' });
  });

  it.each(['pending', 'confirmed', 'expired', 'cancelled', 'refunded'] as const)('refuses a %s booking', (state) => {
    expect(decideExtension({ state, endsAt }, at(-10))).toEqual({ ok: false, code: 'not_extendable' });
  });

  it('allows an extension ending exactly at 22:00 and refuses one past it', () => {
    const endsAt21 = new Date('2026-06-10T19:00:00Z');
    expect(decideExtension({ state: 'active', endsAt: endsAt21 }, new Date('2026-06-10T18:45:00Z'))).toMatchObject({
      ok: true,
      newEndsAt: new Date('2026-06-10T20:00:00Z'),
    });
    const endsAt22 = new Date('2026-06-10T20:00:00Z');
    expect(decideExtension({ state: 'active', endsAt: endsAt22 }, new Date('2026-06-10T19:45:00Z'))).toEqual({
      ok: false,
      code: 'ends_after_closing',
    });
  });

  it.each([
    // 21:00 local is 19:00Z in summer time and 20:00Z in winter time.
    ['2026-03-29', '2026-03-29T19:00:00Z', '2026-03-29T20:00:00Z'],
    ['2026-10-25', '2026-10-25T20:00:00Z', '2026-10-25T21:00:00Z'],
  ])('applies the 22:00 closing in site-local time on the DST day %s', (_day, endsAtIso, closingIso) => {
    const result = decideExtension({ state: 'active', endsAt: new Date(endsAtIso) }, new Date(endsAtIso));
    expect(result).toEqual({ ok: true, newEndsAt: new Date(closingIso), amountCents: 500 });
    const endsAtClosing = new Date(closingIso);
    expect(decideExtension({ state: 'active', endsAt: endsAtClosing }, endsAtClosing)).toEqual({
      ok: false,
      code: 'ends_after_closing',
    });
  });

  it('sells exactly one hour for 500 cents', () => {
    expect(BOOKING_EXTENSION).toMatchObject({ hours: 1, amountCents: 500 });
  });
});
