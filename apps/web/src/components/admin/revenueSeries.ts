import type { Granularity, RevenuePeriod } from '../../api/admin';
import { formatCalendarDate } from '../../i18n/format';

/**
 * The revenue report turned into what the chart and its table show. Periods are calendar dates
 * of the first site's zone (`2026-11-01`; a week by its Monday; a month as `2026-11` or its first
 * day), never instants: they are labelled without any time-zone shift.
 */

/** `YYYY-MM-DD` of `now` on the clock of `timeZone`. */
export function calendarDateIn(timeZone: string, now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The default range of the revenue tab: the first day of this month to today, on the site's clock. */
export function monthToDate(timeZone: string, now: Date = new Date()): { from: string; to: string } {
  const today = calendarDateIn(timeZone, now);
  return { from: `${today.slice(0, 8)}01`, to: today };
}

/** Inclusive number of days between two calendar dates (the server allows at most 366). */
export function daysBetween(from: string, to: string): number {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) return Number.NaN;
  return Math.round((end - start) / 86_400_000) + 1;
}

/** A period's calendar date, whatever way the server wrote it (`2026-11`, `2026-W45`, `2026-11-02`). */
export function periodDate(period: string): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(period)) return period.slice(0, 10);
  if (/^\d{4}-\d{2}$/.test(period)) return `${period}-01`;
  const week = /^(\d{4})-W(\d{2})$/.exec(period);
  if (week) {
    // ISO 8601: week 1 holds 4 January; weeks start on Monday.
    const year = Number(week[1]);
    const jan4 = new Date(Date.UTC(year, 0, 4));
    const monday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
    monday.setUTCDate(monday.getUTCDate() + (Number(week[2]) - 1) * 7);
    return monday.toISOString().slice(0, 10);
  }
  return period;
}

/** How a period reads on an axis and in the table, in the current language. */
export function periodLabel(period: string, granularity: Granularity): string {
  const date = periodDate(period);
  switch (granularity) {
    case 'day':
      return formatCalendarDate(date, { day: 'numeric', month: 'short' });
    case 'week':
      return formatCalendarDate(date, { day: 'numeric', month: 'short' });
    case 'month':
      return formatCalendarDate(date, { month: 'short', year: 'numeric' });
  }
}

export interface ChartSeries {
  /** 0, 1, 2…: one slot per period (uPlot wants ascending numbers; labels come from `labels`). */
  x: number[];
  /** Euros (cents / 100), what the axis shows. */
  net: number[];
  paid: number[];
  refunded: number[];
  labels: string[];
}

export function chartSeries(series: readonly RevenuePeriod[], granularity: Granularity): ChartSeries {
  return {
    x: series.map((_, index) => index),
    net: series.map((p) => p.netCents / 100),
    paid: series.map((p) => p.paidCents / 100),
    refunded: series.map((p) => -p.refundedCents / 100),
    labels: series.map((p) => periodLabel(p.period, granularity)),
  };
}

/** Whether the periods add up to the totals, to the cent (they must: docs/admin-api.md). */
export function seriesAddsUp(
  series: readonly RevenuePeriod[],
  totals: { paidCents: number; refundedCents: number; netCents: number },
): boolean {
  const sum = (pick: (p: RevenuePeriod) => number) => series.reduce((total, p) => total + pick(p), 0);
  return (
    sum((p) => p.paidCents) === totals.paidCents &&
    sum((p) => p.refundedCents) === totals.refundedCents &&
    sum((p) => p.netCents) === totals.netCents
  );
}

/** Every `step`-th label, so a month of days stays readable on a phone; the rest blank. */
export function sparseLabels(labels: readonly string[], maxShown: number): string[] {
  if (labels.length <= maxShown) return labels.slice();
  const step = Math.ceil(labels.length / maxShown);
  return labels.map((label, index) => (index % step === 0 ? label : ''));
}
