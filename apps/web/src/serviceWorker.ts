import { useEffect, useState } from 'preact/hooks';

/** Where vite-plugin-pwa writes the built worker (`src/sw.ts`), served by the server at the root. */
export const SERVICE_WORKER_URL = '/sw.js';

let registration: Promise<ServiceWorkerRegistration | null> = Promise.resolve(null);
/** A new version, installed and waiting for the person to accept it. */
let waiting: ServiceWorker | null = null;
const updateListeners = new Set<() => void>();

function offerUpdate(worker: ServiceWorker): void {
  waiting = worker;
  for (const listener of updateListeners) listener();
}

/**
 * A new deployment installs its worker in the background; it takes over only when the person
 * accepts the prompt (no page changes under their fingers). The first install is not an update.
 */
function watchForUpdates(reg: ServiceWorkerRegistration): void {
  if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const worker = reg.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker);
    });
  });
  // Back to the app after a while: look for a new deployment (the browser also does on navigation).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') {
      reg.update().catch((error: unknown) => console.info('service worker update check failed', error));
    }
  });
}

/**
 * Registers the app's service worker once the page has loaded (its precache downloads then stay
 * out of the way of the first paint). Production builds only: in development Vite serves the app
 * and there is no `sw.js`.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  registration = new Promise((resolve) => {
    const register = () => {
      // The worker is built as a classic script (IIFE), which every browser with Web Push runs.
      navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' }).then(
        (reg) => {
          watchForUpdates(reg);
          resolve(reg);
        },
        (error: unknown) => {
          console.error('service worker registration failed', error);
          resolve(null);
        },
      );
    };
    if (document.readyState === 'complete') register();
    else window.addEventListener('load', register, { once: true });
  });
}

/** The app's registration, or null when there is none (development, unsupported, or it failed). */
export function appServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  return registration;
}

/** Switches to the waiting version and reloads once it controls the page. */
export function applyUpdate(): void {
  const worker = waiting;
  if (!worker) return;
  navigator.serviceWorker.addEventListener('controllerchange', () => window.location.reload(), { once: true });
  worker.postMessage({ type: 'SKIP_WAITING' });
}

/** True once a new version is waiting (the update prompt shows). */
export function useUpdateAvailable(): boolean {
  const [available, setAvailable] = useState(waiting !== null);
  useEffect(() => {
    const listener = () => setAvailable(true);
    updateListeners.add(listener);
    if (waiting) setAvailable(true);
    return () => {
      updateListeners.delete(listener);
    };
  }, []);
  return available;
}
