import { type PrecacheEntry, precacheAndRoute } from 'workbox-precaching';
import { notificationTarget, parsePushPayload } from './pushPayload';

/*
 * The service worker: precaches the built app (vite-plugin-pwa injects the list at
 * `self.__WB_MANIFEST`) and shows the booking reminders sent by Web Push.
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

interface WorkerScope {
  readonly location: { readonly origin: string };
  readonly registration: ServiceWorkerRegistration;
  readonly clients: WorkerClients;
  readonly __WB_MANIFEST: Array<PrecacheEntry | string>;
  addEventListener(type: 'activate', listener: (event: WorkerExtendableEvent) => void): void;
  addEventListener(type: 'push', listener: (event: WorkerPushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: WorkerNotificationEvent) => void): void;
}

declare const self: WorkerScope;

const ICON = '/icon.svg';

precacheAndRoute(self.__WB_MANIFEST);

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
