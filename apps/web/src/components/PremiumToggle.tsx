import { useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import type { User } from '../api/types';
import { defineMessages } from '../i18n/messages';
import { FormError } from './FormError';

const text = defineMessages({
  fr: { off: 'Désactiver Premium (démo)', on: 'Activer Premium (démo)' },
  en: { off: 'Turn Premium off (demo)', on: 'Turn Premium on (demo)' },
});

interface PremiumToggleProps {
  premium: boolean;
  onUserChange(user: User): void;
  onSessionLost(): void;
}

/** Demo mode only (SPEC §3): the user switches their own Premium status. */
export function PremiumToggle({ premium, onUserChange, onSessionLost }: PremiumToggleProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      onUserChange(await api.setPremium(!premium));
    } catch (failure) {
      const { code } = asApiError(failure);
      if (code === 'unauthenticated') onSessionLost();
      setError(messageFor(code));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="premium-toggle">
      <button
        type="button"
        class={`btn btn--small ${premium ? 'btn--ghost' : 'btn--primary'}`}
        data-testid="premium-toggle"
        onClick={() => void toggle()}
        disabled={busy}
      >
        {premium ? text().off : text().on}
      </button>
      <FormError message={error} testId="premium-error" />
    </div>
  );
}
