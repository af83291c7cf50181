import { localDateTimeToUtc, parseLocalDate, toLocalDateTime } from '../siteTime';

/**
 * The history's date filter (issue 6): `from` and `to` are calendar days at the site, both
 * included. A session belongs to the day it started on, read on the site's clock, so the range is
 * the half-open interval of instants [start of `from`, start of the day after `to`). Midnight is
 * found through the zone's rules, so a day of 23 or 25 hours (DST) is covered whole.
 */
export interface HistoryPeriod {
  /** First instant included; null when there is no lower bound. */
  from: Date | null;
  /** First instant excluded; null when there is no upper bound. */
  until: Date | null;
}

export type HistoryPeriodRefusal = 'invalid_date' | 'invalid_date_range';

export function historyPeriod(
  dates: { from?: string | undefined; to?: string | undefined },
  timeZone: string,
): { ok: true; period: HistoryPeriod } | { ok: false; refusal: HistoryPeriodRefusal } {
  const from = dates.from === undefined ? null : parseLocalDate(dates.from);
  const to = dates.to === undefined ? null : parseLocalDate(dates.to);
  if ((dates.from !== undefined && from === null) || (dates.to !== undefined && to === null)) {
    return { ok: false, refusal: 'invalid_date' };
  }
  const start = from === null ? null : startOfLocalDay(from, timeZone);
  const until = to === null ? null : startOfLocalDay(nextDay(to), timeZone);
  if (start !== null && until !== null && start.getTime() >= until.getTime()) {
    return { ok: false, refusal: 'invalid_date_range' };
  }
  return { ok: true, period: { from: start, until } };
}

type CalendarDay = { year: number; month: number; day: number };

function startOfLocalDay(day: CalendarDay, timeZone: string): Date {
  return localDateTimeToUtc({ ...day, hour: 0, minute: 0 }, timeZone);
}

function nextDay(day: CalendarDay): CalendarDay {
  const next = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/** `YYYY-MM-DD` of the site's calendar day at `instant` (file names, default filters). */
export function siteDate(instant: Date, timeZone: string): string {
  const { year, month, day } = toLocalDateTime(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}
