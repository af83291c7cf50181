import { describe, expect, it } from 'vitest';
import { historyPeriod, siteDate } from '../src/history/historyPeriod';

const zone = 'Europe/Brussels';

describe('historyPeriod', () => {
  it('covers whole site days, both ends included', () => {
    expect(historyPeriod({ from: '2026-01-15', to: '2026-01-16' }, zone)).toEqual({
      ok: true,
      period: { from: new Date('2026-01-14T23:00:00Z'), until: new Date('2026-01-16T23:00:00Z') },
    });
  });

  it('keeps a 23-hour day (spring forward) and a 25-hour day (fall back) whole', () => {
    expect(historyPeriod({ from: '2026-03-29', to: '2026-03-29' }, zone)).toEqual({
      ok: true,
      period: { from: new Date('2026-03-28T23:00:00Z'), until: new Date('2026-03-29T22:00:00Z') },
    });
    expect(historyPeriod({ from: '2026-10-25', to: '2026-10-25' }, zone)).toEqual({
      ok: true,
      period: { from: new Date('2026-10-24T22:00:00Z'), until: new Date('2026-10-25T23:00:00Z') },
    });
  });

  it('leaves an absent bound open, and crosses month and year ends', () => {
    expect(historyPeriod({}, zone)).toEqual({ ok: true, period: { from: null, until: null } });
    expect(historyPeriod({ to: '2026-12-31' }, zone)).toEqual({
      ok: true,
      period: { from: null, until: new Date('2026-12-31T23:00:00Z') },
    });
    expect(historyPeriod({ from: '2026-02-28' }, 'UTC')).toEqual({
      ok: true,
      period: { from: new Date('2026-02-28T00:00:00Z'), until: null },
    });
  });

  it.each(['2026-02-30', '2026-2-3', '15/01/2026', '', '2026-01-15T00:00'])('refuses %j as a date', (date) => {
    expect(historyPeriod({ from: date }, zone)).toEqual({ ok: false, refusal: 'invalid_date' });
    expect(historyPeriod({ to: date }, zone)).toEqual({ ok: false, refusal: 'invalid_date' });
  });

  it('refuses a range that ends before it starts, and accepts a single day', () => {
    expect(historyPeriod({ from: '2026-01-16', to: '2026-01-15' }, zone)).toEqual({
      ok: false,
      refusal: 'invalid_date_range',
    });
    expect(historyPeriod({ from: '2026-01-15', to: '2026-01-15' }, zone).ok).toBe(true);
  });
});

describe('siteDate', () => {
  it('is the calendar day on the site clock, not in UTC', () => {
    expect(siteDate(new Date('2026-06-30T22:30:00Z'), zone)).toBe('2026-07-01');
    expect(siteDate(new Date('2026-01-01T22:59:59Z'), zone)).toBe('2026-01-01');
    expect(siteDate(new Date('2026-01-01T23:00:00Z'), zone)).toBe('2026-01-02');
  });
});
