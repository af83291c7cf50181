import { useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import type { LockerView } from '../api/types';
import { FormError } from './FormError';
import { TextField } from './TextField';

interface PairFormProps {
  onPaired(locker: LockerView): void;
  onSessionLost(): void;
}

/** Codes are printed in capitals (SL-SPORT-01); phones often type them in lower case. */
function normaliseCode(raw: string): string {
  return raw.trim().replace(/\s+/g, '').toUpperCase();
}

/** "Associer un casier": the user types the code printed on the locker (SPEC §4). */
export function PairForm({ onPaired, onSessionLost }: PairFormProps) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const normalised = normaliseCode(code);
    if (!normalised) {
      setError(messageFor('missing_code'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { locker } = await api.pair(normalised);
      onPaired(locker);
    } catch (failure) {
      const { code: errorCode } = asApiError(failure);
      if (errorCode === 'unauthenticated') onSessionLost();
      setError(messageFor(errorCode));
      setBusy(false);
    }
  }

  return (
    <form class="frame frame--active pair" data-testid="pair-form" onSubmit={(event) => void submit(event)} noValidate>
      <h2 class="section-title">Associer un casier</h2>
      <p class="pair__help">
        Saisissez le code imprimé sur votre casier, par exemple <code class="pair__example">SL-SPORT-01</code>.
      </p>
      <TextField
        label="Code du casier"
        name="pair-code"
        value={code}
        onInput={setCode}
        testId="pair-code"
        placeholder="SL-XXXX-00"
        autoCapitalize="characters"
        autoComplete="off"
        disabled={busy}
      />
      <FormError message={error} testId="pair-error" />
      <button type="submit" class="btn btn--primary btn--block" data-testid="pair-submit" disabled={busy}>
        {busy ? 'Association…' : 'Associer'}
      </button>
    </form>
  );
}
