/**
 * Site-local wall time <-> UTC instants, with the runtime's IANA time-zone data (`Intl`), no date
 * library. We store UTC instants and apply the site's zone only at the edges (STYLE "Small habits").
 */
export const DEFAULT_SITE_TIME_ZONE = 'Europe/Brussels';

/** A wall-clock reading at a site: month 1–12, hour 0–23. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The same reading to the second, for display. */
export interface LocalDateTimeWithSeconds extends LocalDateTime {
  second: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // Throws RangeError for an unknown zone: a misconfigured site must fail loudly, not drift to UTC.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock at `instant` in `timeZone`, to the second. */
export function toLocalDateTimeWithSeconds(
  instant: Date,
  timeZone: string = DEFAULT_SITE_TIME_ZONE,
): LocalDateTimeWithSeconds {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? Number.NaN,
    month: parts.month ?? Number.NaN,
    day: parts.day ?? Number.NaN,
    hour: parts.hour ?? Number.NaN,
    minute: parts.minute ?? Number.NaN,
    second: parts.second ?? Number.NaN,
  };
}

/** The wall clock at `instant` in `timeZone` (seconds dropped). */
export function toLocalDateTime(instant: Date, timeZone: string = DEFAULT_SITE_TIME_ZONE): LocalDateTime {
  const { second: _second, ...local } = toLocalDateTimeWithSeconds(instant, timeZone);
  return local;
}

function wallClockAsUtcMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (east positive). */
export function utcOffsetMinutes(instant: Date, timeZone: string = DEFAULT_SITE_TIME_ZONE): number {
  return offsetMs(instant.getTime(), timeZone) / MS_PER_MINUTE;
}

/** Offset of `timeZone` from UTC at `epochMs`, in whole minutes (every IANA zone today uses whole minutes). */
function offsetMs(epochMs: number, timeZone: string): number {
  const flooredToMinute = Math.floor(epochMs / MS_PER_MINUTE) * MS_PER_MINUTE;
  return wallClockAsUtcMs(toLocalDateTime(new Date(flooredToMinute), timeZone)) - flooredToMinute;
}

/**
 * The UTC instant at which the site's clock reads `local`.
 *
 * Daylight-saving transitions are resolved like Temporal's `disambiguation: 'compatible'` (and like
 * RFC 5545 §3.3.5 for DATE-TIME with TZID):
 * - a time that occurs twice (autumn, e.g. 02:30 on 2026-10-25 in Brussels) gives the earlier instant,
 *   the one still on summer time;
 * - a time that never occurs (spring, e.g. 02:30 on 2026-03-29 in Brussels) is read with the offset in
 *   force before the gap, so it lands after it: 02:30 becomes 03:30 summer time (01:30 UTC).
 * Booking hours (08:00–22:00) never fall in either case in Europe/Brussels; this is for the other hours.
 */
export function localDateTimeToUtc(local: LocalDateTime, timeZone: string = DEFAULT_SITE_TIME_ZONE): Date {
  const wallMs = wallClockAsUtcMs(local);
  // Real zones change offset at most once within a day either side, so these are the only candidates.
  const offsetBefore = offsetMs(wallMs - MS_PER_DAY, timeZone);
  const offsetAfter = offsetMs(wallMs + MS_PER_DAY, timeZone);
  const candidates = [wallMs - offsetBefore, wallMs - offsetAfter].filter(
    (epochMs) => offsetMs(epochMs, timeZone) === wallMs - epochMs,
  );
  if (candidates.length > 0) return new Date(Math.min(...candidates));
  return new Date(wallMs - offsetBefore);
}

/** `YYYY-MM-DD` parsed as a real calendar date, or null (e.g. 2026-02-30, 2026-2-3). */
export function parseLocalDate(date: string): { year: number; month: number; day: number } | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (match === null) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier), regardless of DST. */
export function calendarDaysBetween(
  from: { year: number; month: number; day: number },
  to: { year: number; month: number; day: number },
): number {
  return Math.round(
    (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / MS_PER_DAY,
  );
}
