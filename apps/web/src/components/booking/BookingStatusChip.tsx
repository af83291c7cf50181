import type { BookingStatus } from '../../api/bookings';
import { statusLabel } from './bookingLabels';

/** A booking's status as a chip; `data-state` carries the raw status for styling and tests. */
export function BookingStatusChip({ status }: { status: BookingStatus }) {
  return (
    <span class={`chip booking-chip booking-chip--${status}`} data-testid="booking-status" data-state={status}>
      {statusLabel(status)}
    </span>
  );
}
