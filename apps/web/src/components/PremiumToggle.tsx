import { useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import type { User } from '../api/types';
import { FormError } from './FormError';

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
        {premium ? 'Désactiver Premium (démo)' : 'Activer Premium (démo)'}
      </button>
      <FormError message={error} testId="premium-error" />
    </div>
  );
}
