import { bookingCountdown } from './countdown';

interface BookingCountdownProps {
  startsAt: string;
  endsAt: string;
  /** Server time, ms. */
  nowMs: number;
}

/**
 * "Commence dans …" / "Se termine dans …". The text moves once a minute, so the live region
 * speaks at most once a minute (a `timer` is silent by default; this one is polite on purpose).
 */
export function BookingCountdown({ startsAt, endsAt, nowMs }: BookingCountdownProps) {
  const { phase, text } = bookingCountdown(startsAt, endsAt, nowMs);
  return (
    <p
      class={`booking-countdown booking-countdown--${phase}`}
      role="timer"
      aria-live="polite"
      aria-atomic="true"
      data-testid="booking-countdown"
      data-phase={phase}
    >
      {text}
    </p>
  );
}
