import type { BookingReminder, BookingView } from '../../api/bookings';

/**
 * Which of the user's bookings the home card shows, and what it offers. Pure: the card feeds it
 * the list from GET /api/bookings, every SSE `booking`, and the server's time.
 */

/** SPEC §5: an ended booking may still be extended for 30 min after its end. */
export const EXTENSION_WINDOW_MS = 30 * 60_000;

/** Whether the card still shows `booking` at `nowMs`: the same rule as the server's list. */
export function stillShown(booking: BookingView, nowMs: number): boolean {
  switch (booking.status) {
    case 'pending':
    case 'confirmed':
    case 'active':
      return true;
    case 'completed':
      return booking.extension.offered && nowMs <= Date.parse(booking.endsAt) + EXTENSION_WINDOW_MS;
    case 'expired':
    case 'cancelled':
    case 'refunded':
      return false;
  }
}

function byStart(a: BookingView, b: BookingView): number {
  return Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.id.localeCompare(b.id);
}

/** The list after a new view of one booking: it replaces the old one, or leaves when no longer shown. */
export function applyBookingUpdate(list: readonly BookingView[], booking: BookingView, nowMs: number): BookingView[] {
  const others = list.filter((candidate) => candidate.id !== booking.id);
  return (stillShown(booking, nowMs) ? [...others, booking] : others).sort(byStart);
}

export interface HomeBookings {
  /** The booking going on now, or just ended but still extendable, or else the next one. */
  current: BookingView | null;
  /** A booking waiting for its payment (the server allows one at a time). */
  pending: BookingView | null;
}

export function homeBookings(list: readonly BookingView[], nowMs: number): HomeBookings {
  const shown = list.filter((booking) => stillShown(booking, nowMs)).sort(byStart);
  const first = (status: BookingView['status']) => shown.find((booking) => booking.status === status) ?? null;
  return {
    current: first('active') ?? first('completed') ?? first('confirmed'),
    pending: first('pending'),
  };
}

/** The Open button works: a booking of the user's is active now (the server says so, and it has not ended). */
export function canOpenAt(list: readonly BookingView[], nowMs: number): boolean {
  return list.some((booking) => booking.canOpen && booking.status === 'active' && nowMs < Date.parse(booking.endsAt));
}

/** "Prolonger +1 h" is on offer for this booking. */
export function extensionOffered(booking: BookingView): boolean {
  return booking.extension.offered && (booking.status === 'active' || booking.status === 'completed');
}

/**
 * When the server will start offering an extension that it refused as `too_early` (30 min before
 * the end): the card asks again then, once, instead of polling. Null when nothing is waiting.
 */
export function extensionOpensAt(list: readonly BookingView[], nowMs: number): number | null {
  let next: number | null = null;
  for (const booking of list) {
    if (booking.status !== 'active' || booking.extension.refusal !== 'too_early') continue;
    const opensAt = Date.parse(booking.endsAt) - EXTENSION_WINDOW_MS;
    if (opensAt > nowMs && (next === null || opensAt < next)) next = opensAt;
  }
  return next;
}

/**
 * The booking a reminder is about, while the reminder still holds: the booking is there, not
 * extended since (same end), and its extension window is not over.
 */
export function remindedBooking(
  reminder: BookingReminder | null,
  list: readonly BookingView[],
  nowMs: number,
): BookingView | null {
  if (!reminder) return null;
  const booking = list.find((candidate) => candidate.id === reminder.bookingId);
  if (!booking || (booking.status !== 'active' && booking.status !== 'completed')) return null;
  if (Date.parse(booking.endsAt) !== Date.parse(reminder.endsAt)) return null;
  return nowMs <= Date.parse(booking.endsAt) + EXTENSION_WINDOW_MS ? booking : null;
}
