import { toLocalDateTimeWithSeconds, utcOffsetMinutes } from '../siteTime';

/**
 * Instants shown in the site's time zone for the history export; the zone arithmetic itself is
 * in ../siteTime.ts, shared with the booking rules.
 */
export interface SiteTimeFormatter {
  /** ISO 8601 with the zone's offset at that instant, to the second: `2026-03-29T10:00:00+02:00`. */
  iso(instant: Date): string;
  /** Day-first local time as people in the site read it: `29/03/2026 10:00`. */
  local(instant: Date): string;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Throws a `RangeError` for an unknown zone, at once rather than on the first row. */
export function siteTimeFormatter(timeZone: string): SiteTimeFormatter {
  toLocalDateTimeWithSeconds(new Date(0), timeZone);
  return {
    iso(instant) {
      const c = toLocalDateTimeWithSeconds(instant, timeZone);
      const date = `${String(c.year).padStart(4, '0')}-${two(c.month)}-${two(c.day)}`;
      return `${date}T${two(c.hour)}:${two(c.minute)}:${two(c.second)}${formatOffset(utcOffsetMinutes(instant, timeZone))}`;
    },
    local(instant) {
      const c = toLocalDateTimeWithSeconds(instant, timeZone);
      return `${two(c.day)}/${two(c.month)}/${c.year} ${two(c.hour)}:${two(c.minute)}`;
    },
  };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
