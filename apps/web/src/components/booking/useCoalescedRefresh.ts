import { useCallback, useRef } from 'preact/hooks';

/**
 * A refresh that runs `load` now, or once more right after the run in flight: a burst of SSE
 * events costs at most two requests, and the last one sees every change. `load` reports its own
 * errors; it must not throw.
 */
export function useCoalescedRefresh(load: () => Promise<void>): () => void {
  const loadRef = useRef(load);
  loadRef.current = load;
  const phase = useRef<'idle' | 'running' | 'again'>('idle');

  return useCallback(() => {
    if (phase.current !== 'idle') {
      phase.current = 'again';
      return;
    }
    // Events may have asked for another run while this one was in flight.
    function settle() {
      if (phase.current === 'again') void run();
      else phase.current = 'idle';
    }
    async function run(): Promise<void> {
      phase.current = 'running';
      try {
        await loadRef.current();
      } finally {
        settle();
      }
    }
    void run();
  }, []);
}
