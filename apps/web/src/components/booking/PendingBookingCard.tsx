import type { BookingView } from '../../api/bookings';
import { defineMessages } from '../../i18n/messages';
import { BookingStatusChip } from './BookingStatusChip';
import { slotLabel } from './bookingLabels';
import { holdLabel } from './countdown';

const text = defineMessages({
  fr: { resume: 'Reprendre le paiement', cancelling: 'Annulation…', cancel: 'Annuler' },
  en: { resume: 'Resume the payment', cancelling: 'Cancelling…', cancel: 'Cancel' },
});

interface PendingBookingCardProps {
  booking: BookingView;
  /** Server time, ms. */
  nowMs: number;
  cancelling: boolean;
  onCancel(): void;
  /** The site's time zone when known (the booking screen has it); else the browser's. */
  timeZone?: string;
}

/**
 * A booking waiting for its payment: the slot is held until `holdExpiresAt`. Resume the Checkout
 * (a plain link: it leaves the app) or give the slot back.
 */
export function PendingBookingCard({ booking, nowMs, cancelling, onCancel, timeZone }: PendingBookingCardProps) {
  const hold = holdLabel(booking.holdExpiresAt, nowMs);
  const t = text();
  const titleId = `booking-pending-${booking.id}`;
  return (
    <article
      class="booking-card booking-card--pending"
      data-testid="booking-pending"
      data-booking-id={booking.id}
      aria-labelledby={titleId}
    >
      <div class="booking-card__head">
        <BookingStatusChip status={booking.status} />
        <span class="booking-card__slot" id={titleId}>
          {slotLabel(booking.startsAt, booking.endsAt, timeZone)}
        </span>
      </div>
      {hold && (
        <p class="booking-card__line" data-testid="booking-hold">
          {hold}
        </p>
      )}
      <div class="booking-card__actions">
        {booking.checkoutUrl && (
          <a class="btn btn--primary btn--small" href={booking.checkoutUrl} data-testid="booking-resume">
            {t.resume}
          </a>
        )}
        <button
          type="button"
          class="btn btn--danger btn--small"
          data-testid="booking-cancel"
          onClick={onCancel}
          disabled={cancelling}
        >
          {cancelling ? t.cancelling : t.cancel}
        </button>
      </div>
    </article>
  );
}
