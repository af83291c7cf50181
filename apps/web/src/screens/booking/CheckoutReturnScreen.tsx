import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type BookingView, bookingApi } from '../../api/bookings';
import { asApiError } from '../../api/client';
import { bookingMessageFor } from '../../api/errorMessages';
import { BrandMark } from '../../components/BrandMark';
import { slotLabel } from '../../components/booking/bookingLabels';
import { formatEuros } from '../../components/booking/bookingMoney';
import {
  type CheckoutState,
  checkoutFailureMessage,
  outcomeOfConfirmation,
  outcomeOfUpdate,
} from '../../components/booking/checkoutOutcome';
import { defineMessages } from '../../i18n/messages';
import { useLiveEvents } from '../../live/useLiveEvents';

const text = defineMessages({
  fr: {
    waiting: 'Paiement en cours de confirmation…',
    confirmed: 'Réservation confirmée',
    failed: 'Réservation non confirmée',
    noSession: 'Lien de retour incomplet : il ne dit pas quel paiement vérifier.',
    laterOnHome: " Si le paiement a abouti, la réservation apparaîtra sur l'accueil.",
    home: 'Accueil',
    paid: (amount: string) =>
      `Payé : ${amount}. Pendant votre créneau, le bouton « Ouvrir » de l'accueil ouvre le casier.`,
    slow: "La confirmation prend plus de temps que prévu. Elle s'affichera aussi sur l'accueil dès qu'elle arrive.",
    checking: 'Un instant : nous vérifions le paiement et confirmons votre créneau.',
    backHome: "Retour à l'accueil",
    resume: 'Reprendre le paiement',
    backCalendar: 'Retour au calendrier',
  },
  en: {
    waiting: 'Confirming the payment…',
    confirmed: 'Booking confirmed',
    failed: 'Booking not confirmed',
    noSession: 'Incomplete return link: it does not say which payment to check.',
    laterOnHome: ' If the payment went through, the booking will show on the home screen.',
    home: 'Home',
    paid: (amount: string) =>
      `Paid: ${amount}. During your slot, the “Open” button on the home screen opens the locker.`,
    slow: 'The confirmation is taking longer than expected. It will also show on the home screen as soon as it arrives.',
    checking: 'One moment: we are checking the payment and confirming your slot.',
    backHome: 'Back to the home screen',
    resume: 'Resume the payment',
    backCalendar: 'Back to the calendar',
  },
});

interface CheckoutReturnScreenProps {
  onHome(): void;
  onBook(): void;
  onSessionLost(): void;
  /** The event stream was refused: check whether the session is still valid. */
  onStreamRefused(): void;
}

interface ReturnView {
  state: CheckoutState;
  /** What POST /api/payments/confirm said; later views do not change it. */
  paid: boolean;
  booking: BookingView | null;
  /** Why it failed, in the language it was shown in. */
  message: string | null;
}

/** After this long waiting, say that the confirmation will also show on the home screen. */
const SLOW_MS = 20_000;

function ignore(): void {
  // No Open button here: command acknowledgements and locker views are not this screen's business.
}

/**
 * /reservation/retour?session_id=cs_… — where Stripe Checkout sends the browser after paying.
 * Asks the server once to apply the session (idempotent: the webhook may have done it already),
 * then follows the booking on the event stream until it is confirmed. Never polls: a reopened
 * stream is answered by one re-read, since events may have been missed meanwhile.
 */
export function CheckoutReturnScreen({ onHome, onBook, onSessionLost, onStreamRefused }: CheckoutReturnScreenProps) {
  const [view, setView] = useState<ReturnView>({ state: 'waiting', paid: false, booking: null, message: null });
  const [slow, setSlow] = useState(false);
  const viewRef = useRef(view);
  // Set once the server has answered: until then, views from the stream wait in `early`.
  const answered = useRef(false);
  const early = useRef(new Map<string, BookingView>());
  const posted = useRef(false);

  const show = useCallback((next: ReturnView) => {
    viewRef.current = next;
    setView(next);
  }, []);

  /** A newer view of the booking this checkout is about. */
  const update = useCallback(
    (booking: BookingView) => {
      const current = viewRef.current;
      if (!current.booking || current.booking.id !== booking.id) return;
      const state = outcomeOfUpdate(current.state, current.booking, booking);
      show({
        ...current,
        state,
        booking,
        message: state === 'failed' ? checkoutFailureMessage(current.paid, booking) : null,
      });
    },
    [show],
  );

  useEffect(() => {
    if (posted.current) return;
    posted.current = true;
    const sessionId = new URLSearchParams(window.location.search).get('session_id');
    if (!sessionId) {
      answered.current = true;
      show({
        state: 'failed',
        paid: false,
        booking: null,
        message: text().noSession,
      });
      return;
    }
    bookingApi.confirmPayment(sessionId).then(
      ({ paid, booking }) => {
        answered.current = true;
        const state = outcomeOfConfirmation(paid, booking);
        show({ state, paid, booking, message: state === 'failed' ? checkoutFailureMessage(paid, booking) : null });
        // The stream may have overtaken the answer; a pending view is older than the answer.
        const overtaking = booking ? early.current.get(booking.id) : undefined;
        early.current.clear();
        if (overtaking && overtaking.status !== 'pending') update(overtaking);
      },
      (error: unknown) => {
        answered.current = true;
        const { code } = asApiError(error);
        if (code === 'unauthenticated') {
          onSessionLost();
          return;
        }
        show({
          state: 'failed',
          paid: false,
          booking: null,
          message: `${bookingMessageFor(code)}${text().laterOnHome}`,
        });
      },
    );
  }, [show, update, onSessionLost]);

  const connection = useLiveEvents('checkout', {
    onLocker: ignore,
    onCommand: ignore,
    onBooking: (booking) => {
      if (answered.current) update(booking);
      else early.current.set(booking.id, booking);
    },
    onGaveUp: onStreamRefused,
  });

  // A (re)opened stream may have missed the very event we wait for: read the booking once.
  const streamOpen = connection === 'open';
  useEffect(() => {
    const { booking, state } = viewRef.current;
    if (!streamOpen || !answered.current || !booking || state === 'confirmed') return;
    bookingApi.get(booking.id).then(update, (error: unknown) => {
      console.warn('Could not re-read the booking after the stream reopened', asApiError(error));
    });
  }, [streamOpen, update]);

  const waiting = view.state === 'waiting';
  useEffect(() => {
    if (!waiting) {
      setSlow(false);
      return;
    }
    const timer = setTimeout(() => setSlow(true), SLOW_MS);
    return () => clearTimeout(timer);
  }, [waiting]);

  const { state, booking, paid, message } = view;
  const resumeUrl = !paid && booking?.status === 'pending' ? booking.checkoutUrl : null;
  const t = text();

  return (
    <div class="page checkout-return">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="checkout-home" onClick={onHome}>
          {t.home}
        </button>
      </header>

      <main class="page__main">
        <section
          class={`frame checkout-return__card ${state === 'confirmed' ? 'frame--active' : state === 'failed' ? 'frame--dim' : ''}`}
          data-testid="checkout-status"
          data-state={state}
          aria-labelledby="checkout-title"
          aria-busy={state === 'waiting'}
        >
          <div class="checkout-return__status" role="status" aria-live="polite" aria-atomic="true">
            <h1 class={`page__title checkout-return__title checkout-return__title--${state}`} id="checkout-title">
              {t[state]}
            </h1>
            {booking && (
              <p class="checkout-return__slot" data-testid="checkout-slot">
                {booking.lockerName && <span>{booking.lockerName} · </span>}
                {slotLabel(booking.startsAt, booking.endsAt)}
              </p>
            )}
            {state === 'confirmed' && booking && (
              <p class="checkout-return__line">{t.paid(formatEuros(booking.amountCents))}</p>
            )}
            {state === 'waiting' && <p class="checkout-return__line">{slow ? t.slow : t.checking}</p>}
            {state === 'failed' && message && (
              <p class="checkout-return__line" data-testid="checkout-message">
                {message}
              </p>
            )}
          </div>

          <div class="checkout-return__actions">
            {state === 'confirmed' && (
              <button type="button" class="btn btn--primary btn--block" data-testid="checkout-done" onClick={onHome}>
                {t.backHome}
              </button>
            )}
            {state === 'failed' && resumeUrl && (
              <a class="btn btn--primary btn--block" href={resumeUrl} data-testid="booking-resume">
                {t.resume}
              </a>
            )}
            {state === 'failed' && (
              <button type="button" class="btn btn--ghost btn--block" data-testid="checkout-back" onClick={onBook}>
                {t.backCalendar}
              </button>
            )}
          </div>
        </section>
      </main>
    </div>
  );
}
