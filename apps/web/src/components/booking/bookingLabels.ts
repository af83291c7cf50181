import type { BookingStatus, BookingView, SlotState } from '../../api/bookings';
import { formatCalendarDate, formatShortDay, formatTime } from '../../i18n/format';
import { defineMessages } from '../../i18n/messages';

/** Wording of the booking screens: statuses, dates, hours and what ended a booking. */
const text = defineMessages({
  fr: {
    pending: 'En attente de paiement',
    confirmed: 'Confirmée',
    active: 'En cours',
    completed: 'Terminée',
    expired: 'Expirée',
    cancelled: 'Annulée',
    refunded: 'Remboursée',
    free: 'Libre',
    taken: 'Réservé',
    mine: 'À vous',
    past: 'Passé',
    today: (day: string) => `Aujourd'hui · ${day}`,
    tomorrow: (day: string) => `Demain · ${day}`,
    refundedUnavailable: "Réservation remboursée : le casier n'est plus disponible",
    refundedTaken: 'Réservation remboursée : le créneau a été pris entre-temps',
    refundedCancelled: 'Réservation annulée et remboursée',
    paymentFailed: 'Le paiement a échoué : le créneau a été libéré',
    holdExpired: 'Délai de paiement dépassé : le créneau a été libéré',
  },
  en: {
    pending: 'Waiting for payment',
    confirmed: 'Confirmed',
    active: 'Going on',
    completed: 'Over',
    expired: 'Expired',
    cancelled: 'Cancelled',
    refunded: 'Refunded',
    free: 'Free',
    taken: 'Booked',
    mine: 'Yours',
    past: 'Past',
    today: (day: string) => `Today · ${day}`,
    tomorrow: (day: string) => `Tomorrow · ${day}`,
    refundedUnavailable: 'Booking refunded: the locker is no longer available',
    refundedTaken: 'Booking refunded: the slot was taken meanwhile',
    refundedCancelled: 'Booking cancelled and refunded',
    paymentFailed: 'The payment failed: the slot was released',
    holdExpired: 'Payment time is over: the slot was released',
  },
});

export function statusLabel(status: BookingStatus): string {
  return text()[status];
}

export function slotStateLabel(state: SlotState): string {
  return text()[state];
}

/** 9 → "09:00". */
export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/** "mer. 12" / "Wed 12" for the day strip. */
export function dayShortLabel(date: string): string {
  return formatCalendarDate(date, { weekday: 'short', day: 'numeric' });
}

/** "mercredi 12 mars" / "Wednesday 12 March". */
export function dayLongLabel(date: string): string {
  return formatCalendarDate(date, { weekday: 'long', day: 'numeric', month: 'long' });
}

/** "Aujourd'hui", "Demain", or the long date; `index` is the day's place in the calendar (0 = today). */
export function dayTitle(date: string, index: number): string {
  if (index === 0) return text().today(dayLongLabel(date));
  if (index === 1) return text().tomorrow(dayLongLabel(date));
  return dayLongLabel(date);
}

/**
 * "mer. 12 mars · 10:00–12:00" for a booking's instants, on the site's clock when its zone is
 * known (`timeZone`), else on the browser's.
 */
export function slotLabel(startsAt: string, endsAt: string, timeZone?: string): string {
  const start = formatTime(startsAt, timeZone);
  const end = formatTime(endsAt, timeZone);
  if (!start || !end) return '';
  return `${formatShortDay(startsAt, timeZone)} · ${start}–${end}`;
}

/** "10:42" for an instant, on the site's clock when known. */
export function timeLabel(instant: string, timeZone?: string): string {
  return formatTime(instant, timeZone);
}

/**
 * What to tell the user about a booking that ended without them (an SSE `booking`, or a cancel):
 * null when there is nothing to say.
 */
export function bookingEndNotice(booking: BookingView): string | null {
  const t = text();
  switch (booking.status) {
    case 'refunded':
      if (booking.statusReason === 'locker_unavailable') return t.refundedUnavailable;
      if (booking.statusReason === 'slot_taken') return t.refundedTaken;
      return t.refundedCancelled;
    case 'expired':
    case 'cancelled':
      if (booking.statusReason === 'payment_failed') return t.paymentFailed;
      if (booking.statusReason === 'hold_expired') return t.holdExpired;
      return null;
    case 'pending':
    case 'confirmed':
    case 'active':
    case 'completed':
      return null;
  }
}
