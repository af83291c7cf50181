import type { BookingStatus, BookingView, SlotState } from '../../api/bookings';

/** French wording of the booking screens: statuses, dates, hours and what ended a booking. */

export const STATUS_LABELS: Readonly<Record<BookingStatus, string>> = {
  pending: 'En attente de paiement',
  confirmed: 'Confirmée',
  active: 'En cours',
  completed: 'Terminée',
  expired: 'Expirée',
  cancelled: 'Annulée',
  refunded: 'Remboursée',
};

export const SLOT_LABELS: Readonly<Record<SlotState, string>> = {
  free: 'Libre',
  taken: 'Réservé',
  mine: 'À vous',
  past: 'Passé',
};

/** 9 → "09:00". */
export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/**
 * A calendar date (`YYYY-MM-DD`, already the site's) formatted without any time zone shift:
 * it is read and written as UTC midnight.
 */
function dateFormat(date: string, options: Intl.DateTimeFormatOptions): string {
  const [year, month, day] = date.split('-').map(Number);
  if (!year || !month || !day) return date;
  return new Intl.DateTimeFormat('fr-BE', { ...options, timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, month - 1, day)),
  );
}

/** "mer. 12" for the day strip. */
export function dayShortLabel(date: string): string {
  return dateFormat(date, { weekday: 'short', day: 'numeric' });
}

/** "mercredi 12 mars". */
export function dayLongLabel(date: string): string {
  return dateFormat(date, { weekday: 'long', day: 'numeric', month: 'long' });
}

/** "Aujourd'hui", "Demain", or the long date; `index` is the day's place in the calendar (0 = today). */
export function dayTitle(date: string, index: number): string {
  if (index === 0) return `Aujourd'hui · ${dayLongLabel(date)}`;
  if (index === 1) return `Demain · ${dayLongLabel(date)}`;
  return dayLongLabel(date);
}

/**
 * "mer. 12 mars · 10:00–12:00" for a booking's instants, on the site's clock when its zone is
 * known (`timeZone`), else on the browser's.
 */
export function slotLabel(startsAt: string, endsAt: string, timeZone?: string): string {
  const zone = timeZone ? { timeZone } : {};
  const day = new Intl.DateTimeFormat('fr-BE', { ...zone, weekday: 'short', day: 'numeric', month: 'short' });
  const time = new Intl.DateTimeFormat('fr-BE', { ...zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return '';
  return `${day.format(start)} · ${time.format(start)}–${time.format(end)}`;
}

/** "10:42" for an instant, on the site's clock when known. */
export function timeLabel(instant: string, timeZone?: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat('fr-BE', {
    ...(timeZone ? { timeZone } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/**
 * What to tell the user about a booking that ended without them (an SSE `booking`, or a cancel):
 * null when there is nothing to say.
 */
export function bookingEndNotice(booking: BookingView): string | null {
  switch (booking.status) {
    case 'refunded':
      if (booking.statusReason === 'locker_unavailable') {
        return "Réservation remboursée : le casier n'est plus disponible";
      }
      if (booking.statusReason === 'slot_taken') {
        return 'Réservation remboursée : le créneau a été pris entre-temps';
      }
      return 'Réservation annulée et remboursée';
    case 'expired':
      if (booking.statusReason === 'payment_failed') return 'Le paiement a échoué : le créneau a été libéré';
      if (booking.statusReason === 'hold_expired') return 'Délai de paiement dépassé : le créneau a été libéré';
      return null;
    case 'cancelled':
      if (booking.statusReason === 'payment_failed') return 'Le paiement a échoué : le créneau a été libéré';
      if (booking.statusReason === 'hold_expired') return 'Délai de paiement dépassé : le créneau a été libéré';
      return null;
    case 'pending':
    case 'confirmed':
    case 'active':
    case 'completed':
      return null;
  }
}
