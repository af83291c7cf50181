import { useEffect, useRef, useState } from 'preact/hooks';
import { type BookingCalendar, type BookingView, bookingApi } from '../../api/bookings';
import { asApiError } from '../../api/client';
import { bookingMessageFor } from '../../api/errorMessages';
import { BrandMark } from '../../components/BrandMark';
import { BookingSheet } from '../../components/booking/BookingSheet';
import {
  allDurations,
  availableDurations,
  findSlot,
  fitDuration,
  type SlotStart,
  startStillFree,
} from '../../components/booking/bookingCalendar';
import { dayLongLabel, hourLabel } from '../../components/booking/bookingLabels';
import { bookingTotalCents, formatEuros } from '../../components/booking/bookingMoney';
import { PendingBookingCard } from '../../components/booking/PendingBookingCard';
import { SlotCalendar } from '../../components/booking/SlotCalendar';
import { useCoalescedRefresh } from '../../components/booking/useCoalescedRefresh';
import { useServerNow } from '../../components/booking/useServerNow';
import { FormError } from '../../components/FormError';
import { useMounted } from '../../hooks/useMounted';
import { defineMessages } from '../../i18n/messages';
import { useLiveEvents } from '../../live/useLiveEvents';

const text = defineMessages({
  fr: {
    back: 'Retour',
    title: 'Réserver',
    rules: (from: string, to: string, min: number, max: number, price: string) =>
      `de ${from} à ${to}, ${min} à ${max} h, ${price} l'heure.`,
    cancelledTitle: 'Paiement annulé',
    cancelledText: "Rien n'a été débité. Reprenez le paiement ci-dessous, ou annulez pour libérer le créneau.",
    ok: 'OK',
    offlineTitle: 'Casier hors ligne',
    offlineText:
      "Un créneau qui commence dans l'heure ne peut pas être réservé tant que le casier est hors ligne. Les créneaux plus tardifs restent réservables.",
    loading: 'Chargement du calendrier…',
  },
  en: {
    back: 'Back',
    title: 'Book',
    rules: (from: string, to: string, min: number, max: number, price: string) =>
      `from ${from} to ${to}, ${min} to ${max} h, ${price} an hour.`,
    cancelledTitle: 'Payment cancelled',
    cancelledText: 'Nothing was charged. Resume the payment below, or cancel to release the slot.',
    ok: 'OK',
    offlineTitle: 'Locker offline',
    offlineText:
      'A slot starting within the hour cannot be booked while the locker is offline. Later slots can still be booked.',
    loading: 'Loading the calendar…',
  },
});

interface BookingScreenProps {
  onBack(): void;
  onSessionLost(): void;
  /** The event stream was refused: check whether the session is still valid. */
  onStreamRefused(): void;
}

/** Stripe Checkout sends a cancelled payment back to /reserver?paiement=annule. */
function paymentWasCancelled(): boolean {
  return new URLSearchParams(window.location.search).get('paiement') === 'annule';
}

function ignore(): void {
  // This screen has no Open button: command acknowledgements are not its business.
}

/**
 * /reserver (SPEC §5): the paired school locker's next 15 days, hour by hour. Pick a free start
 * and a duration, see the total, pay with Stripe Checkout. Live: every SSE `booking` re-reads the
 * calendar (someone else's booking shows as taken), and so does every reopening of the stream.
 */
export function BookingScreen({ onBack, onSessionLost, onStreamRefused }: BookingScreenProps) {
  // Cells turn past as hours begin; a quarter-minute is precise enough for that.
  const nowMs = useServerNow(15_000);
  const [calendar, setCalendar] = useState<BookingCalendar | null>(null);
  const [bookings, setBookings] = useState<BookingView[]>([]);
  const [online, setOnline] = useState<boolean | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [start, setStart] = useState<SlotStart | null>(null);
  const [wantedHours, setWantedHours] = useState(1);
  const [submitting, setSubmitting] = useState(false);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [paymentCancelled, setPaymentCancelled] = useState(paymentWasCancelled);
  const mounted = useMounted();
  const t = text();

  // What the last read returned: a read that finds the same (the one the stream's opening asks
  // for, just after the first) changes nothing, so the calendar's cells are not drawn a second time.
  const lastRead = useRef('');
  const refresh = useCoalescedRefresh(async () => {
    try {
      const [fresh, mine] = await Promise.all([bookingApi.calendar(), bookingApi.list()]);
      if (!mounted.current) return;
      // `now` is the server's clock at the read (useServerNow keeps time): not a change.
      const read = JSON.stringify([{ ...fresh, now: null }, mine.bookings]);
      if (read !== lastRead.current) {
        lastRead.current = read;
        setCalendar(fresh);
        setOnline(fresh.lockerOnline);
        setBookings(mine.bookings);
      }
      setLoadError(null);
    } catch (failure) {
      if (!mounted.current) return;
      const { code } = asApiError(failure);
      if (code === 'unauthenticated') onSessionLost();
      else setLoadError(bookingMessageFor(code));
    }
  });

  const connection = useLiveEvents('booking', {
    onLocker: (view) => {
      if (view && view.id === calendar?.lockerId) setOnline(view.online);
    },
    onCommand: ignore,
    onBooking: refresh,
    onGaveUp: onStreamRefused,
  });

  // Read on arrival, then on every (re)opening of the stream: events may have been missed.
  const loaded = useRef(false);
  loaded.current = calendar !== null;
  const streamOpen = connection === 'open';
  useEffect(() => {
    if (streamOpen || !loaded.current) refresh();
  }, [streamOpen, refresh]);

  const chosen = start && calendar && startStillFree(calendar.days, start, nowMs) ? start : null;
  const chosenDay = chosen && calendar ? (findSlot(calendar.days, chosen)?.day ?? null) : null;
  const durations =
    calendar && chosen && chosenDay
      ? availableDurations(chosenDay, chosen.hour, calendar.rules, nowMs)
      : calendar
        ? allDurations(calendar.rules)
        : [];
  const durationHours = fitDuration(wantedHours, durations) ?? wantedHours;
  const pending = bookings.find((booking) => booking.status === 'pending') ?? null;

  async function confirm() {
    if (!chosen || submitting) return;
    setSubmitting(true);
    setError(null);
    setPaymentCancelled(false);
    try {
      const { checkoutUrl } = await bookingApi.create({ date: chosen.date, startHour: chosen.hour, durationHours });
      // Off to Stripe Checkout; the button stays busy while the page leaves.
      window.location.assign(checkoutUrl);
    } catch (failure) {
      const { code } = asApiError(failure);
      if (code === 'unauthenticated') {
        onSessionLost();
        return;
      }
      setError(bookingMessageFor(code));
      setSubmitting(false);
      // slot_taken, booking_pending, start_in_past…: show the calendar as it is now.
      refresh();
    }
  }

  async function cancelPending(booking: BookingView) {
    setCancelling(booking.id);
    setError(null);
    try {
      await bookingApi.cancel(booking.id);
      refresh();
    } catch (failure) {
      const { code } = asApiError(failure);
      if (code === 'unauthenticated') onSessionLost();
      else setError(bookingMessageFor(code));
    } finally {
      setCancelling(null);
    }
  }

  const rules = calendar?.rules;
  const summary =
    chosen && calendar
      ? `${dayLongLabel(chosen.date)} · ${hourLabel(chosen.hour)} → ${hourLabel(chosen.hour + durationHours)}`
      : null;

  return (
    <div class="page booking-screen">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="booking-back" onClick={onBack}>
          {t.back}
        </button>
      </header>

      <main class="page__main">
        <div>
          <h1 class="page__title">{t.title}</h1>
          {calendar && rules && (
            <p class="booking-screen__lead">
              <strong>{calendar.lockerName}</strong> ·{' '}
              {t.rules(
                hourLabel(rules.firstStartHour),
                hourLabel(rules.closingHour),
                rules.minDurationHours,
                rules.maxDurationHours,
                formatEuros(rules.priceCentsPerHour),
              )}
            </p>
          )}
        </div>

        {paymentCancelled && (
          <div class="notice notice--calm" role="status" data-testid="booking-payment-cancelled">
            <strong class="notice__title">{t.cancelledTitle}</strong>
            {t.cancelledText}{' '}
            <button type="button" class="link-button" onClick={() => setPaymentCancelled(false)}>
              {t.ok}
            </button>
          </div>
        )}

        {pending && (
          <PendingBookingCard
            booking={pending}
            nowMs={nowMs}
            cancelling={cancelling === pending.id}
            onCancel={() => void cancelPending(pending)}
            timeZone={calendar?.timeZone}
          />
        )}

        {calendar && online === false && (
          <p class="notice notice--offline" role="status" data-testid="booking-offline-warning">
            <strong class="notice__title">{t.offlineTitle}</strong>
            {t.offlineText}
          </p>
        )}

        <FormError message={error ?? loadError} testId="booking-error" />

        {!calendar && !loadError && <p class="booking-screen__quiet">{t.loading}</p>}

        {calendar && (
          <SlotCalendar
            days={calendar.days}
            nowMs={nowMs}
            start={chosen}
            durationHours={durationHours}
            onPick={(next) => {
              setStart(next);
              setError(null);
            }}
          />
        )}

        {calendar && rules && (
          <BookingSheet
            summary={summary}
            startLost={start !== null && chosen === null}
            durations={durations}
            durationHours={durationHours}
            totalCents={bookingTotalCents(durationHours, rules)}
            submitting={submitting}
            onDuration={setWantedHours}
            onConfirm={() => void confirm()}
          />
        )}
      </main>
    </div>
  );
}
