import { defineMessages } from '../../i18n/messages';
import { formatEuros } from './bookingMoney';

const text = defineMessages({
  fr: {
    pick: 'Touchez une heure libre pour choisir le début.',
    lost: "L'heure choisie n'est plus disponible : choisissez-en une autre.",
    label: 'Votre réservation',
    duration: 'Durée',
    total: (amount: string) => `Total : ${amount}`,
    busy: 'Redirection vers le paiement…',
    submit: 'Réserver et payer',
  },
  en: {
    pick: 'Tap a free hour to choose the start.',
    lost: 'The chosen hour is no longer available: choose another one.',
    label: 'Your booking',
    duration: 'Duration',
    total: (amount: string) => `Total: ${amount}`,
    busy: 'Taking you to the payment…',
    submit: 'Book and pay',
  },
});

interface BookingSheetProps {
  /** "mercredi 12 mars · 10:00 → 12:00", or null before a start is chosen. */
  summary: string | null;
  /** The chosen start was taken meanwhile (a refresh) or has begun. */
  startLost: boolean;
  durations: readonly number[];
  durationHours: number;
  totalCents: number;
  submitting: boolean;
  onDuration(hours: number): void;
  onConfirm(): void;
}

/** The bottom sheet of /reserver: the chosen slot, its duration, the total, and "book and pay". */
export function BookingSheet({
  summary,
  startLost,
  durations,
  durationHours,
  totalCents,
  submitting,
  onDuration,
  onConfirm,
}: BookingSheetProps) {
  const t = text();
  const hint = startLost ? t.lost : t.pick;
  return (
    <form
      class="booking-sheet"
      aria-label={t.label}
      onSubmit={(event) => {
        event.preventDefault();
        onConfirm();
      }}
      noValidate
    >
      <p class="booking-sheet__summary" data-testid="booking-selection" aria-live="polite">
        {summary ?? hint}
      </p>
      <div class="booking-sheet__row">
        <div class="booking-sheet__duration">
          <label class="field__label" for="booking-duration">
            {t.duration}
          </label>
          <div class="field__box">
            <select
              id="booking-duration"
              class="field__input booking-sheet__select"
              data-testid="booking-duration"
              value={String(durationHours)}
              onChange={(event) => onDuration(Number(event.currentTarget.value))}
              disabled={submitting}
            >
              {durations.map((hours) => (
                <option key={hours} value={String(hours)}>
                  {hours} h
                </option>
              ))}
            </select>
          </div>
        </div>
        <p class="booking-sheet__total" data-testid="booking-total" aria-live="polite">
          {t.total(formatEuros(totalCents))}
        </p>
      </div>
      <button
        type="submit"
        class="btn btn--primary btn--block"
        data-testid="booking-confirm"
        disabled={summary === null || submitting}
      >
        {submitting ? t.busy : t.submit}
      </button>
    </form>
  );
}
