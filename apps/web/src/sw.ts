import { cleanupOutdatedCaches, matchPrecache, type PrecacheEntry, precache } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst } from 'workbox-strategies';
import { notificationTarget, parsePushPayload } from './pushPayload';

/*
 * The service worker: keeps the app shell for offline use (vite-plugin-pwa injects its list at
 * `self.__WB_MANIFEST`), serves requests with the seed's strategies (below), and shows the
 * booking reminders sent by Web Push.
 *
 * The web tsconfig uses the DOM library, which cannot be combined with the WebWorker one, so the
 * few worker interfaces used here are declared below (shapes from the Service Workers and Push
 * API specifications).
 */

interface WorkerExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

interface WorkerPushEvent extends WorkerExtendableEvent {
  /** Null when the push carried no payload. */
  readonly data: { text(): string } | null;
}

interface WorkerNotificationEvent extends WorkerExtendableEvent {
  readonly notification: Notification;
}

interface WorkerWindowClient {
  readonly url: string;
  readonly focused: boolean;
  focus(): Promise<WorkerWindowClient>;
  /** Rejects with a TypeError when this service worker does not control the window. */
  navigate(url: string): Promise<WorkerWindowClient | null>;
}

interface WorkerClients {
  matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WorkerWindowClient[]>;
  openWindow(url: string): Promise<WorkerWindowClient | null>;
  claim(): Promise<void>;
}

interface WorkerMessageEvent extends Event {
  readonly data: unknown;
}

interface WorkerScope {
  readonly location: { readonly origin: string };
  skipWaiting(): Promise<void>;
  readonly registration: ServiceWorkerRegistration;
  readonly clients: WorkerClients;
  readonly __WB_MANIFEST: Array<PrecacheEntry | string>;
  addEventListener(type: 'activate', listener: (event: WorkerExtendableEvent) => void): void;
  addEventListener(type: 'message', listener: (event: WorkerMessageEvent) => void): void;
  addEventListener(type: 'push', listener: (event: WorkerPushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: WorkerNotificationEvent) => void): void;
}

declare const self: WorkerScope;

const ICON = '/icons/icon-192.png';

// ── Caching (SPEC §10) ─────────────────────────────────────────────────────────────────────
// The shell is stored at install, so the app opens offline; it is not a route of its own: each
// kind of request follows the seed's strategy, with the stored shell as the offline fallback.
precache(self.__WB_MANIFEST);
cleanupOutdatedCaches();

const SHELL = '/index.html';

/** A request's stored copy from the install-time shell, if it has one. */
async function fromShell(url: string): Promise<Response | undefined> {
  return matchPrecache(url);
}

// HTML always from the network (a new deployment shows at once); offline, the stored shell.
registerRoute(
  ({ request, url }) => request.mode === 'navigate' && !url.pathname.startsWith('/api/'),
  async ({ request }) => {
    try {
      return await fetch(request);
    } catch (error) {
      const shell = await fromShell(SHELL);
      if (shell) return shell;
      throw error;
    }
  },
);

// Scripts and styles network-first: the newest when online, the stored copy when not.
const scripts = new NetworkFirst({ cacheName: 'smartlocker-code', networkTimeoutSeconds: 4 });
registerRoute(
  ({ request, url }) =>
    url.origin === self.location.origin && (request.destination === 'script' || request.destination === 'style'),
  async (options) => {
    try {
      return await scripts.handle(options);
    } catch (error) {
      const stored = await fromShell(options.url.href);
      if (stored) return stored;
      throw error;
    }
  },
);

// Images, icons and fonts cache-first: they never change under the same name.
const media = new CacheFirst({ cacheName: 'smartlocker-media' });
registerRoute(
  ({ request, url }) =>
    url.origin === self.location.origin &&
    (request.destination === 'image' || request.destination === 'font' || url.pathname.endsWith('.wasm')) &&
    !url.pathname.startsWith('/api/'),
  async (options) => (await fromShell(options.url.href)) ?? media.handle(options),
);
// Everything else (the API, the event stream) goes to the network untouched.

// A new deployment waits until the person accepts the update prompt (serviceWorker.ts).
self.addEventListener('message', (event) => {
  if (
    typeof event.data === 'object' &&
    event.data !== null &&
    (event.data as { type?: unknown }).type === 'SKIP_WAITING'
  ) {
    void self.skipWaiting();
  }
});

// ── Push (booking reminders, alerts) ─────────────────────────────────────────────────────────
// Take control of the tabs opened before the first install, so a notification click can navigate them.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

function readPushText(event: WorkerPushEvent): string | null {
  try {
    return event.data?.text() ?? null;
  } catch (error) {
    console.warn('push: unreadable payload, showing the generic notice', error);
    return null;
  }
}

self.addEventListener('push', (event) => {
  const notice = parsePushPayload(readPushText(event), self.location.origin);
  // The subscription promised `userVisibleOnly: true`: every push must end in a visible notification.
  event.waitUntil(
    self.registration.showNotification(notice.title, {
      body: notice.body,
      tag: notice.tag,
      icon: ICON,
      badge: ICON,
      data: { url: notice.url },
    }),
  );
});

/** Focuses a tab of the app (the focused one first) and takes it to `target`, or opens a new one. */
async function openApp(target: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const existing = windows.find((client) => client.focused) ?? windows[0];
  if (!existing) {
    await self.clients.openWindow(target);
    return;
  }
  // Focus first: the click's permission to focus a window does not outlast a navigation.
  const focused = await existing.focus();
  if (focused.url === target) return;
  try {
    await focused.navigate(target);
  } catch (error) {
    console.warn('notificationclick: could not navigate the open tab', error);
  }
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(openApp(notificationTarget(event.notification.data, self.location.origin)));
});
