import type { BookingView } from '../../api/bookings';

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

/** Why a checkout did not end in a booking, in French. */
export function checkoutFailureMessage(paid: boolean, booking: BookingView | null): string {
  if (!booking) {
    return paid
      ? "Paiement reçu, mais la réservation est introuvable. Contactez l'accueil de l'école."
      : "Ce paiement est introuvable ou n'a pas abouti.";
  }
  switch (booking.status) {
    case 'pending':
      return "Le paiement n'a pas abouti. Le créneau reste retenu un moment : reprenez le paiement ou choisissez un autre créneau.";
    case 'refunded':
      if (booking.statusReason === 'locker_unavailable') {
        return "Réservation remboursée : le casier n'est plus disponible";
      }
      return 'Le créneau a été pris entre-temps : votre paiement a été remboursé.';
    case 'expired':
    case 'cancelled':
      return booking.statusReason === 'payment_failed'
        ? 'Le paiement a échoué : le créneau a été libéré.'
        : 'Le délai de paiement est dépassé : le créneau a été libéré.';
    case 'confirmed':
    case 'active':
    case 'completed':
      return "Le paiement de cette session n'a pas abouti.";
  }
}
