import { useCallback, useState } from 'preact/hooks';
import { asApiError } from '../../api/client';
import { messageForError } from '../../api/errorMessages';

export interface AccountAction {
  busy: boolean;
  error: string | null;
  /** A confirmation to show after success. */
  done: string | null;
  /**
   * Runs `task`; on failure shows the French message for the error (a lost session goes to
   * `onSessionLost` instead). Resolves to whether the task succeeded.
   */
  run(task: () => Promise<string | null | undefined>): Promise<boolean>;
  fail(message: string): void;
  reset(): void;
}

/** Busy, error and confirmation state for one settings form. */
export function useAccountAction(onSessionLost: () => void): AccountAction {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const run = useCallback(
    async (task: () => Promise<string | null | undefined>) => {
      setBusy(true);
      setError(null);
      setDone(null);
      try {
        setDone((await task()) ?? null);
        return true;
      } catch (failure) {
        const apiError = asApiError(failure);
        if (apiError.code === 'unauthenticated') onSessionLost();
        else setError(messageForError(apiError));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [onSessionLost],
  );

  const fail = useCallback((message: string) => {
    setDone(null);
    setError(message);
  }, []);

  const reset = useCallback(() => {
    setError(null);
    setDone(null);
  }, []);

  return { busy, error, done, run, fail, reset };
}
