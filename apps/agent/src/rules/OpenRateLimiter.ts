/**
 * Anti-spam for remote opens (SPEC §2: "rate-limited (anti-spam)"): at most `maxOpens` within
 * any rolling window of `windowMs`. Only opens that actually pulsed the relay are counted, so a
 * burst of refused requests does not lock a legitimate user out for longer.
 */
export class OpenRateLimiter {
  readonly #maxOpens: number;
  readonly #windowMs: number;
  #opens: number[] = [];

  constructor(maxOpens: number, windowMs: number) {
    this.#maxOpens = maxOpens;
    this.#windowMs = windowMs;
  }

  allows(now: number): boolean {
    this.#forgetBefore(now);
    return this.#opens.length < this.#maxOpens;
  }

  record(now: number): void {
    this.#forgetBefore(now);
    this.#opens.push(now);
  }

  /** An open at `t` counts until `t + windowMs`, exclusive. */
  #forgetBefore(now: number): void {
    const horizon = now - this.#windowMs;
    this.#opens = this.#opens.filter((at) => at > horizon);
  }
}
