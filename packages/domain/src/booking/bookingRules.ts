import {
  calendarDaysBetween,
  DEFAULT_SITE_TIME_ZONE,
  localDateTimeToUtc,
  parseLocalDate,
  toLocalDateTime,
} from '../siteTime';

/** SPEC §5, school locker: hourly bookings. Hours are site-local wall-clock hours. */
export const BOOKING_RULES = {
  maxDaysAhead: 14,
  firstStartHour: 8,
  lastStartHour: 21,
  minDurationHours: 1,
  maxDurationHours: 6,
  closingHour: 22,
  priceCentsPerHour: 500,
} as const;

export interface BookingRequest {
  /** Site-local calendar date, `YYYY-MM-DD`. */
  date: string;
  /** Site-local hour, whole. */
  startHour: number;
  durationHours: number;
}

export type BookingRefusal =
  | 'invalid_date'
  | 'start_out_of_hours'
  | 'duration_out_of_range'
  | 'ends_after_closing'
  | 'date_in_past'
  | 'too_far_ahead'
  | 'start_in_past';

export type BookingDecision =
  | { ok: true; startsAt: Date; endsAt: Date; amountCents: number }
  | { ok: false; code: BookingRefusal };

/** 5.00 EUR per hour, integer cents (SPEC §5). */
export function bookingPriceCents(durationHours: number): number {
  return durationHours * BOOKING_RULES.priceCentsPerHour;
}

/**
 * Checks a requested slot against SPEC §5 and turns it into UTC instants. The shape of the request is
 * checked before the calendar, so the answer does not depend on the day it is asked.
 *
 * "Up to 14 days ahead" counts site-local calendar days: today and the 14 days after it can be booked.
 * "Not in the past": an earlier date is `date_in_past`; today with a start hour already begun is
 * `start_in_past` (the hour in progress is not sold — it would be charged in full).
 * Whether the slot is free is not decided here: that is the database's exclusion constraint.
 */
export function validateBookingRequest(
  request: BookingRequest,
  now: Date,
  timeZone: string = DEFAULT_SITE_TIME_ZONE,
): BookingDecision {
  const date = parseLocalDate(request.date);
  if (date === null) return { ok: false, code: 'invalid_date' };
  const { startHour, durationHours } = request;
  if (
    !Number.isInteger(startHour) ||
    startHour < BOOKING_RULES.firstStartHour ||
    startHour > BOOKING_RULES.lastStartHour
  ) {
    return { ok: false, code: 'start_out_of_hours' };
  }
  if (
    !Number.isInteger(durationHours) ||
    durationHours < BOOKING_RULES.minDurationHours ||
    durationHours > BOOKING_RULES.maxDurationHours
  ) {
    return { ok: false, code: 'duration_out_of_range' };
  }
  const endHour = startHour + durationHours;
  if (endHour > BOOKING_RULES.closingHour) return { ok: false, code: 'ends_after_closing' };

  const daysAhead = calendarDaysBetween(toLocalDateTime(now, timeZone), date);
  if (daysAhead < 0) return { ok: false, code: 'date_in_past' };
  if (daysAhead > BOOKING_RULES.maxDaysAhead) return { ok: false, code: 'too_far_ahead' };

  // Each end is converted on its own: on a DST day the UTC length is still the wall-clock length,
  // because 08:00–22:00 never straddles a transition in the site zones we serve.
  const startsAt = localDateTimeToUtc({ ...date, hour: startHour, minute: 0 }, timeZone);
  const endsAt = localDateTimeToUtc({ ...date, hour: endHour, minute: 0 }, timeZone);
  if (startsAt.getTime() < now.getTime()) return { ok: false, code: 'start_in_past' };
  return { ok: true, startsAt, endsAt, amountCents: bookingPriceCents(durationHours) };
}

/** 22:00 site-local on the site-local day of `instant`: no booking or extension may end later. */
export function closingTimeOn(instant: Date, timeZone: string = DEFAULT_SITE_TIME_ZONE): Date {
  const local = toLocalDateTime(instant, timeZone);
  return localDateTimeToUtc({ ...local, hour: BOOKING_RULES.closingHour, minute: 0 }, timeZone);
}
