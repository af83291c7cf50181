import { describe, expect, it } from 'vitest';
import { bookingCalendar } from '../src/booking/bookingCalendar';

const at = (iso: string) => new Date(iso);

describe('booking calendar', () => {
  it('lists today and the next 14 days, 08:00 to 21:00, in the site zone', () => {
    // 09:30 in Brussels (UTC+1 in November).
    const days = bookingCalendar(at('2026-11-26T08:30:00Z'), []);
    expect(days).toHaveLength(15);
    expect(days[0]?.date).toBe('2026-11-26');
    expect(days[14]?.date).toBe('2026-12-10');
    const first = days[0]?.hours ?? [];
    expect(first.map((h) => h.hour)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(first[0]).toMatchObject({ state: 'past', startsAt: at('2026-11-26T07:00:00Z') });
    // 09:00 has begun: it is not sold.
    expect(first[1]?.state).toBe('past');
    expect(first[2]).toMatchObject({ hour: 10, state: 'free', startsAt: at('2026-11-26T09:00:00Z') });
    expect(first[13]?.endsAt).toEqual(at('2026-11-26T21:00:00Z'));
  });

  it('crosses a month and a year end', () => {
    const days = bookingCalendar(at('2026-12-25T12:00:00Z'), []);
    expect(days.map((d) => d.date).slice(5, 9)).toEqual(['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  });

  it('shows held hours as mine or taken, never whose', () => {
    const now = at('2026-11-26T05:00:00Z');
    const days = bookingCalendar(now, [
      { startsAt: at('2026-11-26T09:00:00Z'), endsAt: at('2026-11-26T11:00:00Z'), mine: false },
      { startsAt: at('2026-11-26T13:00:00Z'), endsAt: at('2026-11-26T14:00:00Z'), mine: true },
    ]);
    const states = Object.fromEntries((days[0]?.hours ?? []).map((h) => [h.hour, h.state]));
    expect(states).toMatchObject({ 9: 'free', 10: 'taken', 11: 'taken', 12: 'free', 14: 'mine', 15: 'free' });
    expect(JSON.stringify(days)).not.toMatch(/user/i);
  });

  it('keeps wall-clock hours on the spring-forward day', () => {
    // 2027-03-28: Brussels moves from UTC+1 to UTC+2 at 02:00, before the first bookable hour.
    const days = bookingCalendar(at('2027-03-27T12:00:00Z'), []);
    const sunday = days.find((d) => d.date === '2027-03-28');
    expect(sunday?.hours[0]?.startsAt).toEqual(at('2027-03-28T06:00:00Z'));
    expect(sunday?.hours[13]?.endsAt).toEqual(at('2027-03-28T20:00:00Z'));
  });
});
