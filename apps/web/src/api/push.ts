import { appServiceWorker } from '../serviceWorker';
import { ApiError, createHttp } from './client';

/**
 * Web Push on this device: the booking reminder ("Plus que 10 minutes…") arrives even with the
 * app closed. The browser holds the subscription; the server keeps a copy to send to.
 */

/** What the server says about push (`GET /api/push/config`). */
export interface PushConfig {
  enabled: boolean;
  /** The server's VAPID public key: base64url of an uncompressed P-256 point (RFC 8292 §3.2). */
  publicKey: string | null;
}

/**
 * `unsupported`: this browser (or a development build) cannot receive push; `denied`: the person
 * blocked notifications for the site; `off` / `on`: whether this device is subscribed.
 */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

/** Codes of the failures below; French messages in `errorMessages.ts`. */
export const PUSH_ERROR_CODES = {
  unsupported: 'push_unsupported',
  disabled: 'push_disabled',
  denied: 'push_denied',
  subscribeFailed: 'push_subscribe_failed',
} as const;

/** How long to wait for the service worker to become active before giving up. */
const WORKER_READY_TIMEOUT_MS = 10_000;

const http = createHttp();

function pushError(code: string, message: string): ApiError {
  return new ApiError(code, message, 0);
}

/** Whether this browser has everything Web Push needs (service workers need a secure context). */
export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
  );
}

/**
 * Decodes base64url (RFC 4648 §5), padded or not, into bytes: the form `pushManager.subscribe`
 * takes an `applicationServerKey` in everywhere. Throws a TypeError on anything else.
 */
export function urlBase64ToUint8Array(base64url: string): Uint8Array<ArrayBuffer> {
  const unpadded = base64url.trim().replace(/=+$/, '');
  if (!/^[A-Za-z0-9_-]*$/.test(unpadded) || unpadded.length % 4 === 1) {
    throw new TypeError('not a base64url string');
  }
  const base64 = unpadded
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(unpadded.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const left = new Uint8Array(a);
  return left.every((byte, i) => byte === b[i]);
}

function asPushConfig(raw: Record<string, unknown>): PushConfig {
  return {
    enabled: raw.enabled === true,
    publicKey: typeof raw.publicKey === 'string' && raw.publicKey ? raw.publicKey : null,
  };
}

export async function fetchPushConfig(): Promise<PushConfig> {
  return asPushConfig(await http.json<Record<string, unknown>>('GET', '/api/push/config'));
}

/** The active registration of the app's worker; `push_unsupported` when there is none. */
async function activeRegistration(): Promise<ServiceWorkerRegistration> {
  const registration = await appServiceWorker();
  if (!registration) throw pushError(PUSH_ERROR_CODES.unsupported, 'no service worker registered');
  if (registration.active) return registration;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(pushError(PUSH_ERROR_CODES.unsupported, 'the service worker did not activate')),
      WORKER_READY_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([navigator.serviceWorker.ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const registration = await appServiceWorker();
  if (!registration) return 'unsupported';
  const subscription = await registration.pushManager.getSubscription();
  return subscription && Notification.permission === 'granted' ? 'on' : 'off';
}

/**
 * Subscribes this device and hands the subscription to the server. Pass the configuration when it
 * is already known: the permission prompt then opens straight from the click (Firefox and Safari
 * only show it during a user gesture).
 */
export async function enablePush(knownConfig?: PushConfig): Promise<void> {
  if (!pushSupported()) throw pushError(PUSH_ERROR_CODES.unsupported, 'Web Push is not supported here');
  const config = knownConfig ?? (await fetchPushConfig());
  if (!config.enabled || !config.publicKey) throw pushError(PUSH_ERROR_CODES.disabled, 'push is off on the server');

  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw pushError(PUSH_ERROR_CODES.denied, `notification permission: ${permission}`);

  const registration = await activeRegistration();
  const applicationServerKey = urlBase64ToUint8Array(config.publicKey);
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made for another VAPID key (the server's key changed) cannot be reused.
  if (subscription && !sameBytes(subscription.options.applicationServerKey, applicationServerKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    try {
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
    } catch (cause) {
      const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
      throw pushError(PUSH_ERROR_CODES.subscribeFailed, detail);
    }
  }
  await http.json<{ id: string }>('POST', '/api/push/subscriptions', subscription.toJSON());
}

/**
 * Stops the reminders on this device. The server forgets the endpoint first, so a failure there
 * leaves both sides as they were and the person can retry.
 */
export async function disablePush(): Promise<void> {
  const registration = await appServiceWorker();
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return;
  try {
    await http.noContent('DELETE', '/api/push/subscriptions', { endpoint: subscription.endpoint });
  } catch (error) {
    // 404: the server had already forgotten this endpoint, which is what we asked for.
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  await subscription.unsubscribe();
}
