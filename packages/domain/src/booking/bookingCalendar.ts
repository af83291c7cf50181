import { DEFAULT_SITE_TIME_ZONE, localDateTimeToUtc, toLocalDateTime } from '../siteTime';
import { BOOKING_RULES } from './bookingRules';

/** One bookable hour of the calendar (SPEC §5): who holds it is never shown, only that it is held. */
export type CalendarHourState = 'free' | 'taken' | 'mine' | 'past';

export interface CalendarHour {
  hour: number;
  startsAt: Date;
  endsAt: Date;
  state: CalendarHourState;
}

export interface CalendarDay {
  /** Site-local `YYYY-MM-DD`. */
  date: string;
  hours: CalendarHour[];
}

export interface HeldRange {
  startsAt: Date;
  endsAt: Date;
  /** Held by the person looking at the calendar. */
  mine: boolean;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * Today and the next 14 site-local days, each hour from 08:00 to 21:00 (an hour is [h, h+1)).
 * An hour already begun is `past` (it is not sold, as in validateBookingRequest); one overlapping a
 * hold is `mine` or `taken`.
 */
export function bookingCalendar(
  now: Date,
  held: readonly HeldRange[],
  timeZone: string = DEFAULT_SITE_TIME_ZONE,
): CalendarDay[] {
  const today = toLocalDateTime(now, timeZone);
  const days: CalendarDay[] = [];
  for (let offset = 0; offset <= BOOKING_RULES.maxDaysAhead; offset++) {
    // Date.UTC carries day overflow into the month and year; only the calendar date is used.
    const civil = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const date = { year: civil.getUTCFullYear(), month: civil.getUTCMonth() + 1, day: civil.getUTCDate() };
    const hours: CalendarHour[] = [];
    for (let hour = BOOKING_RULES.firstStartHour; hour <= BOOKING_RULES.lastStartHour; hour++) {
      const startsAt = localDateTimeToUtc({ ...date, hour, minute: 0 }, timeZone);
      const endsAt = localDateTimeToUtc({ ...date, hour: hour + 1, minute: 0 }, timeZone);
      hours.push({ hour, startsAt, endsAt, state: hourState(startsAt, endsAt, now, held) });
    }
    days.push({ date: `${date.year}-${two(date.month)}-${two(date.day)}`, hours });
  }
  return days;
}

function hourState(startsAt: Date, endsAt: Date, now: Date, held: readonly HeldRange[]): CalendarHourState {
  if (startsAt.getTime() < now.getTime()) return 'past';
  let state: CalendarHourState = 'free';
  for (const range of held) {
    const overlaps = range.startsAt.getTime() < endsAt.getTime() && range.endsAt.getTime() > startsAt.getTime();
    if (!overlaps) continue;
    if (range.mine) return 'mine';
    state = 'taken';
  }
  return state;
}
