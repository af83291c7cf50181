/** Where vite-plugin-pwa writes the built worker (`src/sw.ts`), served by the server at the root. */
export const SERVICE_WORKER_URL = '/sw.js';

let registration: Promise<ServiceWorkerRegistration | null> = Promise.resolve(null);

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
      navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' }).then(resolve, (error: unknown) => {
        console.error('service worker registration failed', error);
        resolve(null);
      });
    };
    if (document.readyState === 'complete') register();
    else window.addEventListener('load', register, { once: true });
  });
}

/** The app's registration, or null when there is none (development, unsupported, or it failed). */
export function appServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  return registration;
}
