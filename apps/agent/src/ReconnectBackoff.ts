export interface ReconnectBackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Each delay is multiplied by a random factor in [1 − jitter, 1 + jitter]. */
  jitter: number;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. */
  random?: () => number;
}

/**
 * Delays between reconnection attempts: the first one after `initialDelayMs`, each next one
 * twice as long up to `maxDelayMs`, every one spread by ± `jitter`. Exponential so that a
 * broker that is down is not hammered; jittered so that a fleet that lost the same broker at
 * the same instant does not come back in lock-step (the thundering herd).
 */
export class ReconnectBackoff {
  readonly #options: Required<ReconnectBackoffOptions>;
  #attempt = 0;

  constructor(options: ReconnectBackoffOptions) {
    this.#options = { ...options, random: options.random ?? Math.random };
  }

  /** How many delays were handed out since the last success. */
  get attempt(): number {
    return this.#attempt;
  }

  next(): number {
    const { initialDelayMs, maxDelayMs } = this.#options;
    // 2^attempt overflows to Infinity long after it passed maxDelayMs; min() keeps it finite.
    const base = Math.min(maxDelayMs, initialDelayMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return this.#spread(base);
  }

  /** The first delay, spread, without counting an attempt: between the nodes of a cluster (BrokerRotation). */
  first(): number {
    return this.#spread(Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs));
  }

  #spread(baseMs: number): number {
    const { jitter, random } = this.#options;
    return Math.max(0, Math.round(baseMs * (1 + jitter * (2 * random() - 1))));
  }

  /** After a successful connection: the next loss starts again from `initialDelayMs`. */
  reset(): void {
    this.#attempt = 0;
  }
}
