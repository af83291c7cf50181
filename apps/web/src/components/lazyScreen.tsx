import type { ComponentType, FunctionComponent, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { messageFor } from '../api/errorMessages';
import { StartupScreen } from '../screens/StartupScreen';

interface Placeholders {
  /** Shown until the code arrives. */
  pending: () => VNode;
  /** Shown when it could not be loaded (offline on a part never opened before), with a retry. */
  failed: (message: string, retry: () => void) => VNode;
}

/** A component whose code loads on first use; `loaded` is kept, so later uses draw at once. */
function lazyComponent<P extends object>(
  load: () => Promise<ComponentType<P>>,
  placeholders: Placeholders,
): FunctionComponent<P> {
  let loaded: ComponentType<P> | null = null;
  return function Lazy(props: P) {
    const [Loaded, setLoaded] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    const [attempt, setAttempt] = useState(0);
    useEffect(() => {
      if (Loaded) return;
      let live = true;
      load().then(
        (component) => {
          loaded = component;
          if (live) setLoaded(() => component);
        },
        (error: unknown) => {
          console.warn('code could not be loaded', error);
          if (live) setFailed(true);
        },
      );
      return () => {
        live = false;
      };
    }, [Loaded, attempt]);
    if (Loaded) return <Loaded {...props} />;
    if (failed) {
      return placeholders.failed(messageFor('network_error'), () => {
        setFailed(false);
        setAttempt((n) => n + 1);
      });
    }
    return placeholders.pending();
  };
}

/**
 * A screen whose code loads on first visit, so the first page stays under its JavaScript budget
 * (issue 12: 60 KB gzipped). Until it arrives the start-up screen shows; a failed load says so
 * and offers a retry.
 */
export function lazyScreen<P extends object>(load: () => Promise<ComponentType<P>>): FunctionComponent<P> {
  return lazyComponent(load, {
    pending: () => <StartupScreen />,
    failed: (message, retry) => <StartupScreen error={message} onRetry={retry} />,
  });
}

/**
 * A part of a screen whose code loads when it is first shown (the admin panel's sections beyond
 * the overview), drawn in place of the part: a quiet line while it loads, a retry if it fails.
 */
export function lazyPart<P extends object>(
  load: () => Promise<ComponentType<P>>,
  labels: () => { loading: string; retry: string },
): FunctionComponent<P> {
  return lazyComponent(load, {
    pending: () => (
      <p class="lazy-part" aria-busy="true">
        {labels().loading}
      </p>
    ),
    failed: (message, retry) => (
      <div class="lazy-part">
        <p class="form-error" role="alert">
          {message}
        </p>
        <button type="button" class="btn" onClick={retry}>
          {labels().retry}
        </button>
      </div>
    ),
  });
}
