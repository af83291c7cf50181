/**
 * The server's clock as seen from the browser. Countdowns run on server time: a phone's clock
 * may be wrong, and the browser suites move the server's clock far from the browser's.
 *
 * Every answer that carries the server's `now` is a sample. The latest sample wins (not the one
 * with the shortest round trip) because the server's clock may jump, and a jump must show.
 */

/**
 * The offset (ms) to add to the browser's clock to read the server's, assuming the server read
 * its clock halfway through the round trip (NTP's symmetric-delay assumption, RFC 5905 §8).
 * Null for an unreadable instant or a round trip that went backwards (the browser's clock was set).
 */
export function clockOffsetMs(serverNow: string, sentAtMs: number, receivedAtMs: number): number | null {
  const server = Date.parse(serverNow);
  if (Number.isNaN(server) || receivedAtMs < sentAtMs) return null;
  return server - (sentAtMs + receivedAtMs) / 2;
}

type Listener = () => void;

export class ServerClock {
  #offsetMs = 0;
  readonly #browserNow: () => number;
  readonly #listeners = new Set<Listener>();

  constructor(browserNow: () => number = Date.now) {
    this.#browserNow = browserNow;
  }

  /** Takes a sample; anything but a readable ISO instant is ignored (older servers send no `now`). */
  observe(serverNow: unknown, sentAtMs: number, receivedAtMs: number): void {
    if (typeof serverNow !== 'string') return;
    const offset = clockOffsetMs(serverNow, sentAtMs, receivedAtMs);
    if (offset === null) return;
    const changed = Math.abs(offset - this.#offsetMs) >= 1;
    this.#offsetMs = offset;
    if (changed) for (const listener of this.#listeners) listener();
  }

  /** The server's time now, in ms since the epoch (the browser's own until a first sample). */
  now(): number {
    return this.#browserNow() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Called whenever a sample moves the offset; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export const serverClock = new ServerClock();

/** Runs an API call and samples the server's clock from its answer's `now`. */
export async function withServerTime<T extends { now?: unknown }>(
  call: () => Promise<T>,
  clock: ServerClock = serverClock,
  browserNow: () => number = Date.now,
): Promise<T> {
  const sentAt = browserNow();
  const result = await call();
  clock.observe(result.now, sentAt, browserNow());
  return result;
}
