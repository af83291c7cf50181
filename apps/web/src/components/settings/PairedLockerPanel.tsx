import { api } from '../../api/client';
import type { LockerView } from '../../api/types';
import { lockerTypeLabel } from '../../i18n/lockerLabels';
import { defineMessages } from '../../i18n/messages';
import { OnlineBadge } from '../OnlineBadge';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    none: 'Aucun casier associé à votre compte.',
    pair: 'Associer un casier',
    busy: 'Dissociation…',
    unpair: 'Dissocier',
  },
  en: { none: 'No locker paired to your account.', pair: 'Pair a locker', busy: 'Unpairing…', unpair: 'Unpair' },
});

interface PairedLockerPanelProps {
  locker: LockerView | null;
  onUnpaired(): void;
  /** Back to the home screen, where the pairing form is. */
  onPairLocker(): void;
  onSessionLost(): void;
}

/** The locker paired to the account, with "Dissocier" (SPEC §4). */
export function PairedLockerPanel({ locker, onUnpaired, onPairLocker, onSessionLost }: PairedLockerPanelProps) {
  const action = useAccountAction(onSessionLost);
  const t = text();

  async function unpair() {
    const ok = await action.run(async () => {
      await api.unpair();
      return null;
    });
    if (ok) onUnpaired();
  }

  if (!locker) {
    return (
      <div class="settings-locker" data-testid="settings-no-locker">
        <p class="settings-form__hint">{t.none}</p>
        <button type="button" class="btn btn--ghost btn--block" data-testid="settings-pair" onClick={onPairLocker}>
          {t.pair}
        </button>
      </div>
    );
  }

  return (
    <div class="settings-locker" data-testid="settings-locker" data-locker-id={locker.id}>
      <div class="settings-locker__row">
        <div class="settings-locker__identity">
          <span class={`chip chip--${locker.type}`}>{lockerTypeLabel(locker.type)}</span>
          <strong class="settings-locker__name" data-testid="settings-locker-name">
            {locker.name}
          </strong>
          <span class="settings-locker__meta">
            {locker.id}
            {locker.siteName && ` · ${locker.siteName}`}
          </span>
        </div>
        <OnlineBadge online={locker.online} />
      </div>
      <FormStatus error={action.error} done={action.done} testId="settings-unpair" />
      <button
        type="button"
        class="btn btn--danger btn--block"
        data-testid="settings-unpair"
        onClick={() => void unpair()}
        disabled={action.busy}
      >
        {action.busy ? t.busy : t.unpair}
      </button>
    </div>
  );
}
