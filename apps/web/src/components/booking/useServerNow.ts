import { useEffect, useState } from 'preact/hooks';
import { serverClock } from '../../api/serverClock';

/**
 * The server's time, re-read every `periodMs` and whenever a new sample moves the offset.
 * Read during render, so a render caused by anything else is up to date too.
 */
export function useServerNow(periodMs: number): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const rerender = () => setTick((tick) => tick + 1);
    const timer = setInterval(rerender, periodMs);
    const unsubscribe = serverClock.subscribe(rerender);
    return () => {
      clearInterval(timer);
      unsubscribe();
    };
  }, [periodMs]);
  return serverClock.now();
}
