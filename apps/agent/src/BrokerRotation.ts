import type { ReconnectBackoff } from './ReconnectBackoff';

/**
 * Which broker node the next connection attempt goes to, and after how long (issue 13, the nodes
 * of a clustered broker in `mqtt.urls`). A closed connection or a failed attempt moves on to the
 * next node: the one that dropped the session is the likeliest to be down. Within one round of
 * the list each node is tried after the backoff's first delay; only a round in which no node
 * answered counts as one step of the exponential backoff, so a dead node costs one short delay
 * while a dead cluster is retried no faster than a single broker would be. With one URL this is
 * exactly the backoff of docs/protocol.md §7.
 */
export class BrokerRotation {
  readonly #urls: readonly string[];
  readonly #backoff: ReconnectBackoff;
  #index = 0;
  /** The node the current round of failures started from: the last one that worked, at first the first. */
  #roundStart = 0;

  constructor(urls: readonly string[], backoff: ReconnectBackoff) {
    if (urls.length === 0) throw new RangeError('at least one broker URL');
    this.#urls = urls;
    this.#backoff = backoff;
  }

  /** The node of the current (or next) attempt. */
  get url(): string {
    return this.#urls[this.#index] as string;
  }

  /** Backoff steps taken since the last success. */
  get attempt(): number {
    return this.#backoff.attempt;
  }

  /** A session is up on the current node: the next loss starts a new round from it, at the first delay. */
  succeeded(): void {
    this.#roundStart = this.#index;
    this.#backoff.reset();
  }

  /** The connection closed or the attempt failed: moves to the next node and returns the delay before trying it. */
  failed(): number {
    this.#index = (this.#index + 1) % this.#urls.length;
    if (this.#index === this.#roundStart) return this.#backoff.next();
    return this.#backoff.first();
  }

  /** The network came back: the next attempts start again from the first delay, on the current node. */
  restart(): void {
    this.#backoff.reset();
  }
}
