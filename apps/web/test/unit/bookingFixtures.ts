import type { BookingCalendar, BookingRules, BookingView, CalendarDay, SlotState } from '../../src/api/bookings';

/** Shared test data for the booking modules (not a test file itself). */

export const RULES: BookingRules = {
  maxDaysAhead: 14,
  firstStartHour: 8,
  lastStartHour: 21,
  closingHour: 22,
  minDurationHours: 1,
  maxDurationHours: 6,
  priceCentsPerHour: 500,
};

/** 2025-03-12 in Brussels is UTC+1: a site-local hour h starts at (h − 1):00Z. */
export function at(hour: number, minute = 0, date = '2025-03-12'): number {
  return Date.parse(`${date}T${String(hour - 1).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
}

/** A day whose hours 8–21 are free unless listed. */
export function day(date: string, states: Partial<Record<number, SlotState>> = {}): CalendarDay {
  const hours = [];
  for (let hour = 8; hour <= 21; hour += 1) {
    hours.push({
      hour,
      startsAt: new Date(at(hour, 0, date)).toISOString(),
      endsAt: new Date(at(hour + 1, 0, date)).toISOString(),
      state: states[hour] ?? 'free',
    });
  }
  return { date, hours };
}

export function calendar(days: CalendarDay[]): BookingCalendar {
  return {
    lockerId: 'SCHOOL_01',
    lockerName: 'Casier école 1',
    timeZone: 'Europe/Brussels',
    now: new Date(at(7)).toISOString(),
    lockerOnline: true,
    rules: RULES,
    days,
  };
}

export function booking(overrides: Partial<BookingView> = {}): BookingView {
  return {
    id: 'b1',
    lockerId: 'SCHOOL_01',
    lockerName: 'Casier école 1',
    status: 'confirmed',
    startsAt: new Date(at(10)).toISOString(),
    endsAt: new Date(at(12)).toISOString(),
    amountCents: 1000,
    currency: 'eur',
    holdExpiresAt: null,
    checkoutUrl: null,
    statusReason: null,
    extension: { offered: false, newEndsAt: null, amountCents: 500, refusal: 'too_early' },
    canOpen: false,
    ...overrides,
  };
}

/** Intl puts a no-break space (U+00A0 or U+202F, by ICU version) before "€"; tests read plain spaces. */
export function plain(text: string): string {
  return text.replace(/[\u00a0\u202f]/g, ' ');
}
