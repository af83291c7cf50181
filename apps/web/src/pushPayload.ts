/**
 * What a push message asks the service worker to show. The server sends
 * `{ title, body, url, tag }` as JSON; anything else still shows a notification, because a
 * subscription made with `userVisibleOnly: true` promises one per push.
 *
 * Pure (no worker or DOM globals) so the unit tests can run it in Node.
 */
export interface PushNotice {
  title: string;
  body: string;
  /** A path on this origin, e.g. `/` — never another site. */
  url: string;
  tag: string;
}

export const DEFAULT_PUSH_NOTICE: Readonly<PushNotice> = {
  title: 'Rappel SmartLocker',
  body: 'Ouvrez SmartLocker pour voir le détail.',
  url: '/',
  tag: 'smartlocker',
};

/** Longer texts are cut: some platforms drop a notification whose body is too large to display. */
const MAX_TITLE_LENGTH = 120;
const MAX_BODY_LENGTH = 500;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, fallback: string, maxLength: number): string {
  if (typeof value !== 'string') return fallback;
  const trimmed = value.trim();
  return trimmed ? trimmed.slice(0, maxLength) : fallback;
}

/**
 * `url` as a path on `origin`, or `/` when it points anywhere else (or is unreadable): a click on
 * a notification must not be able to send the person to a foreign site.
 */
export function appPath(url: unknown, origin: string): string {
  if (typeof url !== 'string' || !url.trim()) return DEFAULT_PUSH_NOTICE.url;
  try {
    const resolved = new URL(url.trim(), origin);
    if (resolved.origin !== new URL(origin).origin) return DEFAULT_PUSH_NOTICE.url;
    return `${resolved.pathname}${resolved.search}${resolved.hash}`;
  } catch {
    return DEFAULT_PUSH_NOTICE.url;
  }
}

/** Reads a push message's text (`PushMessageData.text()`, or null when the push had no data). */
export function parsePushPayload(raw: string | null | undefined, origin: string): PushNotice {
  let data: unknown;
  try {
    data = raw ? JSON.parse(raw) : undefined;
  } catch {
    data = undefined;
  }
  if (!isRecord(data)) return { ...DEFAULT_PUSH_NOTICE };
  return {
    title: text(data.title, DEFAULT_PUSH_NOTICE.title, MAX_TITLE_LENGTH),
    body: text(data.body, DEFAULT_PUSH_NOTICE.body, MAX_BODY_LENGTH),
    url: appPath(data.url, origin),
    tag: text(data.tag, DEFAULT_PUSH_NOTICE.tag, MAX_TITLE_LENGTH),
  };
}

/** Where a click on a notification leads: `Notification.data.url` as set by the push handler. */
export function notificationTarget(data: unknown, origin: string): string {
  const path = appPath(isRecord(data) ? data.url : undefined, origin);
  return new URL(path, origin).href;
}
