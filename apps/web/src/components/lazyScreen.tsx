import type { ComponentType, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { messageFor } from '../api/errorMessages';
import { StartupScreen } from '../screens/StartupScreen';

/**
 * A screen whose code loads on first visit, so the first page stays under its JavaScript budget
 * (issue 12: 60 KB gzipped). Until it arrives the start-up screen shows; a failed load (offline
 * on a screen never opened before) says so and offers a retry.
 */
export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): FunctionComponent<P> {
  let loaded: ComponentType<P> | null = null;
  return function LazyScreen(props: P) {
    const [Screen, setScreen] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (Screen) return;
      let live = true;
      load().then(
        (component) => {
          loaded = component;
          if (live) setScreen(() => component);
        },
        (error: unknown) => {
          console.warn('screen code could not be loaded', error);
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, [Screen, attempt]);
    if (Screen) return <Screen {...props} />;
    if (failed) {
      return (
        <StartupScreen
          error={messageFor('network_error')}
          onRetry={() => {
            setFailed(false);
            setAttempt((n) => n + 1);
          }}
        />
      );
    }
    return <StartupScreen />;
  };
}
