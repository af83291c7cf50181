import { defineMessages } from '../i18n/messages';
import type { OpenPhase } from '../live/useOpenCommand';
import { FormError } from './FormError';

const text = defineMessages({
  fr: {
    sending: 'Envoi de la commande…',
    waiting: 'Commande envoyée, en attente du casier…',
    accepted: 'Ouverture confirmée par le casier.',
    open: 'Ouvrir',
    offline: 'Casier hors ligne : ouverture indisponible.',
  },
  en: {
    sending: 'Sending the command…',
    waiting: 'Command sent, waiting for the locker…',
    accepted: 'Opening confirmed by the locker.',
    open: 'Open',
    offline: 'Locker offline: it cannot be opened.',
  },
});

interface OpenControlProps {
  online: boolean;
  state: OpenPhase;
  onOpen(): void;
  /**
   * Why the locker cannot be opened now although it is online (a school locker without a booking
   * going on, SPEC §5); the button is disabled while set.
   */
  blockedHint?: string | null;
}

/** What happened to the last open command, in words (null when there is nothing to say). */
export function openCommandStatus(state: OpenPhase): string | null {
  switch (state.phase) {
    case 'sending':
      return text().sending;
    case 'waiting':
      return text().waiting;
    case 'accepted':
      return text().accepted;
    case 'idle':
    case 'failed':
      return null;
  }
}

/** The "Ouvrir" button and what happened to the last open command. */
export function OpenControl({ online, state, onOpen, blockedHint }: OpenControlProps) {
  const status = openCommandStatus(state);
  const t = text();
  return (
    <div class="open-control">
      <button
        type="button"
        class="btn btn--primary btn--block btn--large"
        data-testid="open-button"
        onClick={onOpen}
        disabled={!online || Boolean(blockedHint) || state.phase === 'sending'}
        aria-busy={state.phase === 'sending' || state.phase === 'waiting'}
      >
        <svg class="btn__icon" viewBox="0 0 24 24" aria-hidden="true">
          <path
            d="M7 11V7a5 5 0 0 1 9.6-2M5 11h14v10H5z"
            fill="none"
            stroke="currentColor"
            stroke-width="2.4"
            stroke-linejoin="miter"
          />
        </svg>
        {t.open}
      </button>
      {!online && <p class="open-control__hint">{t.offline}</p>}
      {online && blockedHint && (
        <p class="open-control__hint" data-testid="open-blocked">
          {blockedHint}
        </p>
      )}
      {status && (
        <p class={`open-control__status open-control__status--${state.phase}`} role="status" data-testid="open-status">
          {status}
        </p>
      )}
      <FormError message={state.phase === 'failed' ? state.message : null} testId="open-error" />
    </div>
  );
}
