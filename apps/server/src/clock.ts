/**
 * Where the server reads the time for business rules (bookings, sessions, expiry). Production
 * uses the wall clock; tests and the browser suites hand `startSystem` a clock they can move,
 * so "let the booking expire" takes a call, not an hour. Protocol signatures, cookies and
 * webhook timestamps keep using real time: they are checked by other parties' clocks.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to (tests, browser suites). */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: Date | number = Date.now()) {
    this.#ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  set(instant: Date | number): void {
    this.#ms = typeof instant === 'number' ? instant : instant.getTime();
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}
