import { describe, expect, it } from 'vitest';
import { BOOKING_RULES, bookingPriceCents, closingTimeOn, validateBookingRequest } from '../src/booking/bookingRules';
import { calendarDaysBetween, localDateTimeToUtc, parseLocalDate, toLocalDateTime } from '../src/siteTime';

const HOUR = 3_600_000;
// Tuesday 2026-06-09, 09:15 in Brussels (summer time, UTC+2).
const now = new Date('2026-06-09T07:15:00Z');

describe('validateBookingRequest (SPEC §5)', () => {
  it('books 10:00–12:00 tomorrow for 10.00 EUR, as UTC instants', () => {
    expect(validateBookingRequest({ date: '2026-06-10', startHour: 10, durationHours: 2 }, now)).toEqual({
      ok: true,
      startsAt: new Date('2026-06-10T08:00:00Z'),
      endsAt: new Date('2026-06-10T10:00:00Z'),
      amountCents: 1000,
    });
  });

  it('uses winter time in winter', () => {
    const decision = validateBookingRequest(
      { date: '2026-01-15', startHour: 8, durationHours: 1 },
      new Date('2026-01-10T12:00:00Z'),
    );
    expect(decision).toMatchObject({ ok: true, startsAt: new Date('2026-01-15T07:00:00Z') });
  });

  it('prices 500 cents per hour, integer cents', () => {
    for (let hours = 1; hours <= 6; hours++) {
      const decision = validateBookingRequest({ date: '2026-06-10', startHour: 8, durationHours: hours }, now);
      expect(decision).toMatchObject({ ok: true, amountCents: 500 * hours });
      expect(bookingPriceCents(hours)).toBe(500 * hours);
    }
  });

  it.each(['2026-06-31', '2026-02-29', '2026-6-10', '10/06/2026', '', '2026-06-10T10:00', '2026-13-01'])(
    'refuses the date %j as invalid_date',
    (date) => {
      expect(validateBookingRequest({ date, startHour: 10, durationHours: 1 }, now)).toEqual({
        ok: false,
        code: 'invalid_date',
      });
    },
  );

  it('accepts 29 February in a leap year', () => {
    const decision = validateBookingRequest(
      { date: '2028-02-29', startHour: 10, durationHours: 1 },
      new Date('2028-02-20T10:00:00Z'),
    );
    expect(decision.ok).toBe(true);
  });

  it.each([7, 22, 0, 23, -1, 10.5, Number.NaN])('refuses a start at hour %s as start_out_of_hours', (startHour) => {
    expect(validateBookingRequest({ date: '2026-06-10', startHour, durationHours: 1 }, now)).toEqual({
      ok: false,
      code: 'start_out_of_hours',
    });
  });

  it.each([8, 21])('accepts the boundary start hour %s', (startHour) => {
    expect(validateBookingRequest({ date: '2026-06-10', startHour, durationHours: 1 }, now).ok).toBe(true);
  });

  it.each([0, 7, -1, 1.5, Number.NaN])('refuses a duration of %s h as duration_out_of_range', (durationHours) => {
    expect(validateBookingRequest({ date: '2026-06-10', startHour: 10, durationHours }, now)).toEqual({
      ok: false,
      code: 'duration_out_of_range',
    });
  });

  it('accepts 6 h ending exactly at 22:00', () => {
    expect(validateBookingRequest({ date: '2026-06-10', startHour: 16, durationHours: 6 }, now)).toMatchObject({
      ok: true,
      endsAt: new Date('2026-06-10T20:00:00Z'),
      amountCents: 3000,
    });
  });

  it.each([
    [21, 2],
    [17, 6],
    [20, 3],
  ])('refuses a start at %s:00 for %s h as ends_after_closing', (startHour, durationHours) => {
    expect(validateBookingRequest({ date: '2026-06-10', startHour, durationHours }, now)).toEqual({
      ok: false,
      code: 'ends_after_closing',
    });
  });

  it('refuses yesterday as date_in_past', () => {
    expect(validateBookingRequest({ date: '2026-06-08', startHour: 10, durationHours: 1 }, now)).toEqual({
      ok: false,
      code: 'date_in_past',
    });
  });

  it('refuses an hour already begun today as start_in_past, and accepts the next one', () => {
    expect(validateBookingRequest({ date: '2026-06-09', startHour: 9, durationHours: 1 }, now)).toEqual({
      ok: false,
      code: 'start_in_past',
    });
    expect(validateBookingRequest({ date: '2026-06-09', startHour: 10, durationHours: 1 }, now).ok).toBe(true);
  });

  it('accepts a start exactly at now', () => {
    const atTen = new Date('2026-06-09T08:00:00Z');
    expect(validateBookingRequest({ date: '2026-06-09', startHour: 10, durationHours: 1 }, atTen).ok).toBe(true);
  });

  it('accepts 14 days ahead and refuses 15 as too_far_ahead', () => {
    expect(validateBookingRequest({ date: '2026-06-23', startHour: 21, durationHours: 1 }, now).ok).toBe(true);
    expect(validateBookingRequest({ date: '2026-06-24', startHour: 8, durationHours: 1 }, now)).toEqual({
      ok: false,
      code: 'too_far_ahead',
    });
  });

  it('counts days in the site zone, not in UTC', () => {
    // 23:30 UTC on 9 June is already 01:30 on 10 June in Brussels: 10 June is "today" there.
    const lateUtc = new Date('2026-06-09T23:30:00Z');
    expect(validateBookingRequest({ date: '2026-06-09', startHour: 21, durationHours: 1 }, lateUtc)).toEqual({
      ok: false,
      code: 'date_in_past',
    });
    expect(validateBookingRequest({ date: '2026-06-24', startHour: 8, durationHours: 1 }, lateUtc).ok).toBe(true);
  });

  it('applies another site zone when given one', () => {
    const decision = validateBookingRequest(
      { date: '2026-06-10', startHour: 10, durationHours: 2 },
      now,
      'America/New_York',
    );
    expect(decision).toMatchObject({ ok: true, startsAt: new Date('2026-06-10T14:00:00Z') });
  });

  it('checks the shape before the calendar', () => {
    expect(validateBookingRequest({ date: '2020-01-01', startHour: 7, durationHours: 1 }, now)).toEqual({
      ok: false,
      code: 'start_out_of_hours',
    });
  });

  it('exposes the SPEC §5 numbers', () => {
    expect(BOOKING_RULES).toMatchObject({ maxDaysAhead: 14, firstStartHour: 8, lastStartHour: 21, closingHour: 22 });
  });
});

describe('daylight-saving days in Europe/Brussels', () => {
  it.each([
    // Last Sunday of March: 02:00 CET jumps to 03:00 CEST; 10:00 is on summer time (UTC+2).
    ['2026-03-29', '2026-03-29T08:00:00Z', '2026-03-29T10:00:00Z', '2026-03-20T12:00:00Z'],
    // Last Sunday of October: 03:00 CEST falls back to 02:00 CET; 10:00 is on winter time (UTC+1).
    ['2026-10-25', '2026-10-25T09:00:00Z', '2026-10-25T11:00:00Z', '2026-10-20T12:00:00Z'],
  ])('a 10:00–12:00 booking on %s is %s–%s and lasts 2 h', (date, start, end, asked) => {
    const decision = validateBookingRequest({ date, startHour: 10, durationHours: 2 }, new Date(asked));
    expect(decision).toEqual({ ok: true, startsAt: new Date(start), endsAt: new Date(end), amountCents: 1000 });
    if (decision.ok) expect(decision.endsAt.getTime() - decision.startsAt.getTime()).toBe(2 * HOUR);
  });

  it.each(['2026-03-29', '2026-10-25'])('a full 08:00–22:00 day on %s spans 14 h of real time', (date) => {
    const start = localDateTimeToUtc({ ...parsed(date), hour: 8, minute: 0 });
    const end = localDateTimeToUtc({ ...parsed(date), hour: 22, minute: 0 });
    expect(end.getTime() - start.getTime()).toBe(14 * HOUR);
  });

  it('moves a time that does not exist (02:30 in spring) forward past the gap', () => {
    expect(localDateTimeToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 })).toEqual(
      new Date('2026-03-29T01:30:00Z'),
    );
  });

  it('reads a time that occurs twice (02:30 in autumn) as the earlier one, on summer time', () => {
    expect(localDateTimeToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 })).toEqual(
      new Date('2026-10-25T00:30:00Z'),
    );
  });

  it('converts the hours around both transitions exactly', () => {
    const brussels = (day: number, month: number, hour: number) =>
      localDateTimeToUtc({ year: 2026, month, day, hour, minute: 0 }).toISOString();
    expect(brussels(29, 3, 1)).toBe('2026-03-29T00:00:00.000Z');
    expect(brussels(29, 3, 3)).toBe('2026-03-29T01:00:00.000Z');
    expect(brussels(25, 10, 1)).toBe('2026-10-24T23:00:00.000Z');
    expect(brussels(25, 10, 3)).toBe('2026-10-25T02:00:00.000Z');
  });

  it('round-trips every quarter hour of both DST days that exists exactly once', () => {
    for (const iso of ['2026-03-29T00:00:00Z', '2026-10-25T00:00:00Z']) {
      for (let minutes = 0; minutes < 24 * 60; minutes += 15) {
        const instant = new Date(new Date(iso).getTime() + minutes * 60_000);
        const local = toLocalDateTime(instant);
        const ambiguousAutumnHour = local.month === 10 && local.hour === 2;
        if (!ambiguousAutumnHour) expect(localDateTimeToUtc(local)).toEqual(instant);
      }
    }
  });

  it('refuses an unknown time zone loudly', () => {
    expect(() =>
      validateBookingRequest({ date: '2026-06-10', startHour: 10, durationHours: 1 }, now, 'Mars/Olympus'),
    ).toThrow(RangeError);
  });
});

describe('site calendar helpers', () => {
  it('closes at 22:00 site-local on the day of the instant', () => {
    expect(closingTimeOn(new Date('2026-03-29T08:00:00Z'))).toEqual(new Date('2026-03-29T20:00:00Z'));
    expect(closingTimeOn(new Date('2026-03-28T08:00:00Z'))).toEqual(new Date('2026-03-28T21:00:00Z'));
  });

  it('counts calendar days across a DST change and a month end', () => {
    expect(calendarDaysBetween(parsed('2026-03-28'), parsed('2026-03-30'))).toBe(2);
    expect(calendarDaysBetween(parsed('2026-10-31'), parsed('2026-11-01'))).toBe(1);
    expect(calendarDaysBetween(parsed('2026-06-10'), parsed('2026-06-09'))).toBe(-1);
  });
});

function parsed(date: string): { year: number; month: number; day: number } {
  const value = parseLocalDate(date);
  if (value === null) throw new Error(`bad test date ${date}`);
  return value;
}
