import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { asApiError } from '../../api/client';
import { WORKBENCH_EVENTS_URL, type WorkbenchLocker, workbenchApi } from '../../api/workbench';
import { mergeCard, parseWorkbenchEvent } from './workbenchCards';

export type WorkbenchStatus =
  | { kind: 'loading' }
  | { kind: 'ready' }
  /** The server simulates no lockers (404): the workbench does not exist there. */
  | { kind: 'unavailable' }
  | { kind: 'failed'; code: string };

export interface Workbench {
  status: WorkbenchStatus;
  cards: WorkbenchLocker[];
  demoBadgeUid: string | null;
  /** The live stream is open (false while EventSource reconnects). */
  live: boolean;
  /** Shows an action's answer at once, before the stream repeats it. */
  show(card: WorkbenchLocker): void;
  reload(): void;
}

const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 30_000;

/**
 * The workbench's cards: listed once, then kept live by the workbench event stream (every card
 * is sent again when the stream opens, so a reconnection never misses a change). Never polls.
 */
export function useWorkbench(onSessionLost: () => void): Workbench {
  const [status, setStatus] = useState<WorkbenchStatus>({ kind: 'loading' });
  const [cards, setCards] = useState<WorkbenchLocker[]>([]);
  const [demoBadgeUid, setDemoBadgeUid] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [generation, setGeneration] = useState(0);
  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;

  const show = useCallback((card: WorkbenchLocker) => setCards((current) => mergeCard(current, card)), []);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  // `generation` is not read inside: changing it lists again and reopens the stream.
  useEffect(() => {
    let cancelled = false;
    let source: EventSource | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;

    const open = () => {
      source = new EventSource(WORKBENCH_EVENTS_URL, { withCredentials: true });
      source.onopen = () => {
        failures = 0;
        setLive(true);
      };
      source.onerror = () => {
        setLive(false);
        if (!source || source.readyState !== EventSource.CLOSED) return;
        // The server refused the stream (signed out, or no workbench): try again later.
        source.close();
        retryTimer = setTimeout(open, Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** failures));
        failures += 1;
      };
      source.addEventListener('workbench', (event) => {
        const card = parseWorkbenchEvent(event.data);
        if (card) setCards((current) => mergeCard(current, card));
        else console.warn('SSE workbench event ignored: unexpected payload', event.data);
      });
    };

    setStatus({ kind: 'loading' });
    workbenchApi.list().then(
      (list) => {
        if (cancelled) return;
        setCards((current) => list.lockers.reduce(mergeCard, current));
        setDemoBadgeUid(list.demoBadgeUid);
        setStatus({ kind: 'ready' });
        open();
      },
      (error: unknown) => {
        if (cancelled) return;
        const failure = asApiError(error);
        if (failure.code === 'unauthenticated') sessionLost.current();
        setStatus(failure.status === 404 ? { kind: 'unavailable' } : { kind: 'failed', code: failure.code });
      },
    );

    return () => {
      cancelled = true;
      clearTimeout(retryTimer);
      source?.close();
    };
  }, [generation]);

  return { status, cards, demoBadgeUid, live, show, reload };
}
