/**
 * Instants shown in the site's time zone, with `Intl.DateTimeFormat` only (no date library).
 * Time is kept in UTC everywhere else; these functions are the edge where the zone is applied.
 */

interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

export interface SiteTimeFormatter {
  /** ISO 8601 with the zone's offset at that instant, to the second: `2026-03-29T10:00:00+02:00`. */
  iso(instant: Date): string;
  /** Day-first local time as people in the site read it: `29/03/2026 10:00`. */
  local(instant: Date): string;
}

/** Builds the `Intl` formatter once per zone; throws a `RangeError` for an unknown zone. */
export function siteTimeFormatter(timeZone: string): SiteTimeFormatter {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

  const wallClock = (instant: Date): WallClock => {
    const clock: WallClock = { year: '', month: '', day: '', hour: '', minute: '', second: '' };
    for (const part of parts.formatToParts(instant)) {
      switch (part.type) {
        case 'year':
        case 'month':
        case 'day':
        case 'hour':
        case 'minute':
        case 'second':
          clock[part.type] = part.value;
          break;
        default:
          break;
      }
    }
    return clock;
  };

  return {
    iso(instant) {
      const seconds = Math.floor(instant.getTime() / 1000) * 1000;
      const c = wallClock(instant);
      const asUtc = Date.UTC(+c.year, +c.month - 1, +c.day, +c.hour, +c.minute, +c.second);
      const offsetMinutes = Math.round((asUtc - seconds) / 60_000);
      return `${c.year.padStart(4, '0')}-${c.month}-${c.day}T${c.hour}:${c.minute}:${c.second}${formatOffset(offsetMinutes)}`;
    },
    local(instant) {
      const c = wallClock(instant);
      return `${c.day}/${c.month}/${c.year} ${c.hour}:${c.minute}`;
    },
  };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}
