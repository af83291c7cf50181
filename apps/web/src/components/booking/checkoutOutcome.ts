import type { BookingView } from '../../api/bookings';
import { defineMessages } from '../../i18n/messages';

/**
 * The return page after Stripe Checkout (/reservation/retour): what to show from the answer of
 * POST /api/payments/confirm, and then from each SSE `booking` about the same booking.
 */

export type CheckoutState = 'waiting' | 'confirmed' | 'failed';

/** Paid and applied: the booking holds its slot (or has already begun, or ended). */
function isHeld(booking: BookingView): boolean {
  return booking.status === 'confirmed' || booking.status === 'active' || booking.status === 'completed';
}

/**
 * From the confirmation's answer. Paid but still pending: the server is applying it and will say
 * so on the event stream. Not paid: failed — unless the stream says otherwise later.
 */
export function outcomeOfConfirmation(paid: boolean, booking: BookingView | null): CheckoutState {
  if (!paid || !booking) return 'failed';
  if (isHeld(booking)) return 'confirmed';
  return booking.status === 'pending' ? 'waiting' : 'failed';
}

/**
 * From a later view of the same booking (SSE `booking`, or a re-read when the stream reopens),
 * `previous` being the last view seen. A failed checkout turns confirmed only on evidence that
 * this payment was applied after all (a webhook after the return): the booking left `pending`,
 * or its end moved (an extension).
 */
export function outcomeOfUpdate(
  current: CheckoutState,
  previous: BookingView | null,
  next: BookingView,
): CheckoutState {
  if (next.status === 'pending') return current;
  if (!isHeld(next)) return 'failed';
  if (current !== 'failed') return 'confirmed';
  const applied =
    previous !== null && (previous.status === 'pending' || Date.parse(next.endsAt) > Date.parse(previous.endsAt));
  return applied ? 'confirmed' : 'failed';
}

const text = defineMessages({
  fr: {
    paidNoBooking: "Paiement reçu, mais la réservation est introuvable. Contactez l'accueil de l'école.",
    notFound: "Ce paiement est introuvable ou n'a pas abouti.",
    pending:
      "Le paiement n'a pas abouti. Le créneau reste retenu un moment : reprenez le paiement ou choisissez un autre créneau.",
    refundedUnavailable: "Réservation remboursée : le casier n'est plus disponible",
    refundedTaken: 'Le créneau a été pris entre-temps : votre paiement a été remboursé.',
    paymentFailed: 'Le paiement a échoué : le créneau a été libéré.',
    holdExpired: 'Le délai de paiement est dépassé : le créneau a été libéré.',
    notApplied: "Le paiement de cette session n'a pas abouti.",
  },
  en: {
    paidNoBooking: 'Payment received, but the booking cannot be found. Contact the school’s front desk.',
    notFound: 'This payment cannot be found or did not go through.',
    pending:
      'The payment did not go through. The slot stays held for a while: resume the payment or choose another slot.',
    refundedUnavailable: 'Booking refunded: the locker is no longer available',
    refundedTaken: 'The slot was taken meanwhile: your payment was refunded.',
    paymentFailed: 'The payment failed: the slot was released.',
    holdExpired: 'Payment time is over: the slot was released.',
    notApplied: 'The payment of this session did not go through.',
  },
});

/** Why a checkout did not end in a booking. */
export function checkoutFailureMessage(paid: boolean, booking: BookingView | null): string {
  const t = text();
  if (!booking) return paid ? t.paidNoBooking : t.notFound;
  switch (booking.status) {
    case 'pending':
      return t.pending;
    case 'refunded':
      return booking.statusReason === 'locker_unavailable' ? t.refundedUnavailable : t.refundedTaken;
    case 'expired':
    case 'cancelled':
      return booking.statusReason === 'payment_failed' ? t.paymentFailed : t.holdExpired;
    case 'confirmed':
    case 'active':
    case 'completed':
      return t.notApplied;
  }
}
