import { useEffect, useRef, useState } from 'preact/hooks';
import { type BookingReminder, type BookingView, bookingApi } from '../../api/bookings';
import { asApiError } from '../../api/client';
import { bookingMessageFor } from '../../api/errorMessages';
import { serverClock } from '../../api/serverClock';
import type { LockerView } from '../../api/types';
import { useMounted } from '../../hooks/useMounted';
import { defineMessages } from '../../i18n/messages';
import type { OpenCommand } from '../../live/useOpenCommand';
import { FormError } from '../FormError';
import { OpenControl } from '../OpenControl';
import { BookingCountdown } from './BookingCountdown';
import { BookingStatusChip } from './BookingStatusChip';
import type { BookingFeed } from './bookingFeed';
import { bookingEndNotice, slotLabel } from './bookingLabels';
import { formatEuros } from './bookingMoney';
import {
  applyBookingUpdate,
  canOpenAt,
  extensionOffered,
  extensionOpensAt,
  homeBookings,
  remindedBooking,
} from './homeBookings';
import { PendingBookingCard } from './PendingBookingCard';
import { useCoalescedRefresh } from './useCoalescedRefresh';
import { useServerNow } from './useServerNow';

const text = defineMessages({
  fr: {
    cancelled: 'Réservation annulée',
    redirecting: 'Redirection vers le paiement…',
    extend: (amount: string) => `Prolonger +1 h (${amount})`,
    unavailable: 'Réservations indisponibles pour le moment.',
    checking: 'Vérification…',
    duringSlot: 'Ouverture possible pendant votre créneau.',
    afterPayment: 'Ouverture possible pendant votre créneau, une fois le paiement terminé.',
    bookFirst: 'Réservez un créneau pour ouvrir ce casier.',
    reminderTitle: 'Fin de réservation',
    reminderOffer: "Plus que 10 minutes — prolonger d'une heure ?",
    reminderText: 'Plus que 10 minutes avant la fin de votre réservation.',
    close: 'Fermer',
    ok: 'OK',
    loading: 'Chargement de vos réservations…',
    cancelQuestion: (amount: string) => `Annuler ce créneau ? Les ${amount} payés seront remboursés.`,
    cancelling: 'Annulation…',
    cancelRefund: 'Annuler et rembourser',
    keep: 'Garder',
    cancelStart: 'Annuler cette réservation',
    none: 'Aucune réservation à venir.',
    book: 'Réserver',
  },
  en: {
    cancelled: 'Booking cancelled',
    redirecting: 'Taking you to the payment…',
    extend: (amount: string) => `Extend +1 h (${amount})`,
    unavailable: 'Bookings are unavailable for now.',
    checking: 'Checking…',
    duringSlot: 'It opens during your slot.',
    afterPayment: 'It opens during your slot, once the payment is done.',
    bookFirst: 'Book a slot to open this locker.',
    reminderTitle: 'Booking ending',
    reminderOffer: 'Only 10 minutes left — extend by an hour?',
    reminderText: 'Only 10 minutes left before your booking ends.',
    close: 'Close',
    ok: 'OK',
    loading: 'Loading your bookings…',
    cancelQuestion: (amount: string) => `Cancel this slot? The ${amount} paid will be refunded.`,
    cancelling: 'Cancelling…',
    cancelRefund: 'Cancel and refund',
    keep: 'Keep',
    cancelStart: 'Cancel this booking',
    none: 'No booking to come.',
    book: 'Book',
  },
});

interface SchoolBookingPanelProps {
  locker: LockerView;
  /** The home screen's SSE `booking` and `reminder` events. */
  feed: BookingFeed;
  /** The event stream is open. Each (re)opening re-reads the list: events may have been missed. */
  live: boolean;
  openCommand: OpenCommand;
  onOpenBooking(): void;
  onSessionLost(): void;
}

type Busy = { action: 'extend' | 'cancel'; bookingId: string } | null;

/** setTimeout takes at most 2^31 − 1 ms; later wake-ups are not needed (a stream reopening re-reads). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The school part of the home card (SPEC §5): the current or next booking with a live countdown,
 * a booking waiting for its payment, "+1 h", the Open button (only while a booking of the user's
 * is going on) and "Réserver". Live on the home screen's event stream; never polls.
 */
export function SchoolBookingPanel({
  locker,
  feed,
  live,
  openCommand,
  onOpenBooking,
  onSessionLost,
}: SchoolBookingPanelProps) {
  const nowMs = useServerNow(1_000);
  const t = text();
  const [bookings, setBookings] = useState<BookingView[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [reminder, setReminder] = useState<BookingReminder | null>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const mounted = useMounted();

  const refresh = useCoalescedRefresh(async () => {
    try {
      const { bookings: list } = await bookingApi.list();
      if (!mounted.current) return;
      setBookings(list);
      setLoadError(null);
    } catch (error) {
      if (!mounted.current) return;
      const { code } = asApiError(error);
      if (code === 'unauthenticated') onSessionLost();
      else setLoadError(bookingMessageFor(code));
    }
  });

  const loaded = useRef(false);
  loaded.current = bookings !== null;
  // Read on arrival, then on every (re)opening of the stream.
  useEffect(() => {
    if (live || !loaded.current) refresh();
  }, [live, refresh]);

  useEffect(
    () =>
      feed.subscribe((news) => {
        if (news.type === 'booking') {
          const { booking } = news;
          setBookings((list) => applyBookingUpdate(list ?? [], booking, serverClock.now()));
          const ended = bookingEndNotice(booking);
          if (ended) setNotice(ended);
          // Events carry no `now`: the list's answer re-reads the server's clock, which may have jumped.
          refresh();
        } else {
          setReminder(news.reminder);
          // The offer may have opened since the list was read.
          refresh();
        }
      }),
    [feed, refresh],
  );

  // The server starts offering "+1 h" 30 min before the end: ask again then, once.
  const opensAt = bookings ? extensionOpensAt(bookings, nowMs) : null;
  useEffect(() => {
    if (opensAt === null) return;
    const timer = setTimeout(refresh, Math.min(MAX_TIMER_MS, Math.max(0, opensAt - serverClock.now()) + 1_000));
    return () => clearTimeout(timer);
  }, [opensAt, refresh]);

  function fail(error: unknown) {
    const { code } = asApiError(error);
    if (code === 'unauthenticated') onSessionLost();
    else setActionError(bookingMessageFor(code));
  }

  async function extend(booking: BookingView) {
    setBusy({ action: 'extend', bookingId: booking.id });
    setActionError(null);
    try {
      const { checkoutUrl } = await bookingApi.extend(booking.id);
      // Off to Stripe Checkout; the button stays busy while the page leaves.
      window.location.assign(checkoutUrl);
    } catch (error) {
      fail(error);
      setBusy(null);
      refresh();
    }
  }

  async function cancel(booking: BookingView) {
    setBusy({ action: 'cancel', bookingId: booking.id });
    setActionError(null);
    try {
      const updated = await bookingApi.cancel(booking.id);
      setBookings((list) => applyBookingUpdate(list ?? [], updated, serverClock.now()));
      setNotice(bookingEndNotice(updated) ?? text().cancelled);
      setConfirmingCancel(false);
    } catch (error) {
      fail(error);
      refresh();
    } finally {
      setBusy(null);
    }
  }

  const { current, pending } = bookings ? homeBookings(bookings, nowMs) : { current: null, pending: null };
  const reminded = remindedBooking(reminder, bookings ?? [], nowMs);
  // The booking's own view decides, except a "too early" refusal: the reminder (10 min before the
  // end) is newer than that.
  const reminderOffers =
    reminded !== null &&
    (extensionOffered(reminded) || (reminder?.extensionOffered === true && reminded.extension.refusal === 'too_early'));
  const canOpen = bookings !== null && canOpenAt(bookings, nowMs);
  const extending = (booking: BookingView) => busy?.action === 'extend' && busy.bookingId === booking.id;

  const extendButton = (booking: BookingView) => (
    <button
      type="button"
      class="btn btn--primary btn--block"
      data-testid="booking-extend"
      onClick={() => void extend(booking)}
      disabled={busy !== null}
    >
      {extending(booking) ? t.redirecting : t.extend(formatEuros(booking.extension.amountCents))}
    </button>
  );

  let blockedHint: string | null = null;
  if (!canOpen) {
    if (bookings === null) blockedHint = loadError ? t.unavailable : t.checking;
    else if (current?.status === 'confirmed') blockedHint = t.duringSlot;
    else if (pending) blockedHint = t.afterPayment;
    else blockedHint = t.bookFirst;
  }

  const start = current ? Date.parse(current.startsAt) : 0;
  const refusalHint =
    current &&
    !extensionOffered(current) &&
    (current.extension.refusal === 'next_hour_taken' || current.extension.refusal === 'ends_after_closing')
      ? bookingMessageFor(current.extension.refusal)
      : null;

  return (
    <div class="school-booking" data-testid="school-booking">
      {reminded && (
        <div class="notice notice--reminder" role="alert" data-testid="booking-reminder">
          <strong class="notice__title">{t.reminderTitle}</strong>
          <p class="school-booking__reminder-text">{reminderOffers ? t.reminderOffer : t.reminderText}</p>
          <div class="school-booking__reminder-actions">
            {reminderOffers && extendButton(reminded)}
            <button
              type="button"
              class="link-button"
              data-testid="booking-reminder-dismiss"
              onClick={() => setReminder(null)}
            >
              {t.close}
            </button>
          </div>
        </div>
      )}

      {notice && (
        <div class="notice notice--calm notice--booking" role="status">
          <p data-testid="booking-notice">{notice}</p>
          <button
            type="button"
            class="link-button"
            data-testid="booking-notice-dismiss"
            onClick={() => setNotice(null)}
          >
            {t.ok}
          </button>
        </div>
      )}

      <FormError message={actionError ?? loadError} testId="booking-panel-error" />

      {bookings === null && !loadError && <p class="school-booking__quiet">{t.loading}</p>}

      {current && (
        <article
          class="booking-card"
          data-testid="booking-current"
          data-booking-id={current.id}
          data-status={current.status}
          aria-labelledby="booking-current-slot"
        >
          <div class="booking-card__head">
            <BookingStatusChip status={current.status} />
            <span class="booking-card__slot" id="booking-current-slot" data-testid="booking-slot">
              {slotLabel(current.startsAt, current.endsAt)}
            </span>
          </div>
          <BookingCountdown startsAt={current.startsAt} endsAt={current.endsAt} nowMs={nowMs} />
          {extensionOffered(current) && reminded?.id !== current.id && extendButton(current)}
          {refusalHint && <p class="booking-card__line">{refusalHint}</p>}
          {current.status === 'confirmed' &&
            nowMs < start &&
            (confirmingCancel ? (
              <div class="booking-card__confirm">
                <p class="booking-card__line">{t.cancelQuestion(formatEuros(current.amountCents))}</p>
                <div class="booking-card__actions">
                  <button
                    type="button"
                    class="btn btn--danger btn--small"
                    data-testid="booking-cancel-confirmed"
                    onClick={() => void cancel(current)}
                    disabled={busy !== null}
                  >
                    {busy?.action === 'cancel' ? t.cancelling : t.cancelRefund}
                  </button>
                  <button
                    type="button"
                    class="btn btn--ghost btn--small"
                    onClick={() => setConfirmingCancel(false)}
                    disabled={busy !== null}
                  >
                    {t.keep}
                  </button>
                </div>
              </div>
            ) : (
              <button
                type="button"
                class="link-button booking-card__cancel"
                data-testid="booking-cancel-start"
                onClick={() => setConfirmingCancel(true)}
              >
                {t.cancelStart}
              </button>
            ))}
        </article>
      )}

      {pending && (
        <PendingBookingCard
          booking={pending}
          nowMs={nowMs}
          cancelling={busy?.action === 'cancel' && busy.bookingId === pending.id}
          onCancel={() => void cancel(pending)}
        />
      )}

      {bookings !== null && !current && !pending && (
        <p class="school-booking__quiet" data-testid="booking-none">
          {t.none}
        </p>
      )}

      <OpenControl
        online={locker.online}
        state={openCommand.state}
        onOpen={() => void openCommand.open(locker.id)}
        blockedHint={blockedHint}
      />
      <button type="button" class="btn btn--ghost btn--block" data-testid="book-locker" onClick={onOpenBooking}>
        {t.book}
      </button>
    </div>
  );
}
