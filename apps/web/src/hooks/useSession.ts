import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import type { Me } from '../api/types';

export type Session =
  | { status: 'loading' }
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; me: Me }
  | { status: 'unreachable'; message: string };

export interface SessionControls {
  session: Session;
  /** Loads /api/me and shows what it says (used at start and right after signing in). */
  load(): Promise<void>;
  /** Checks /api/me quietly: only a 401 changes anything (to signed-out). */
  verify(): Promise<void>;
  setMe(me: Me): void;
  signedOut(notice?: string): void;
}

export function useSession(): SessionControls {
  const [session, setSession] = useState<Session>({ status: 'loading' });

  const load = useCallback(async () => {
    try {
      setSession({ status: 'signed-in', me: await api.me() });
    } catch (error) {
      const failure = asApiError(error);
      if (failure.code === 'unauthenticated') setSession({ status: 'signed-out' });
      else setSession({ status: 'unreachable', message: messageFor(failure.code) });
    }
  }, []);

  const verify = useCallback(async () => {
    try {
      await api.me();
    } catch (error) {
      const failure = asApiError(error);
      if (failure.code === 'unauthenticated') {
        setSession({ status: 'signed-out', notice: messageFor('unauthenticated') });
      } else {
        console.warn('Session check failed; the event stream will retry', failure);
      }
    }
  }, []);

  const setMe = useCallback((me: Me) => setSession({ status: 'signed-in', me }), []);
  const signedOut = useCallback((notice?: string) => {
    setSession(notice ? { status: 'signed-out', notice } : { status: 'signed-out' });
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  return { session, load, verify, setMe, signedOut };
}
