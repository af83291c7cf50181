/**
 * Where the device rules read the time and set their timers. A locker runs on `realScheduler`;
 * tests that must let five minutes of lockdown pass run the whole agent on a `ManualScheduler`
 * and move it, so "wait 5 min" is one call and every timer due meanwhile fires in order.
 *
 * Only the rules' clock goes through here: network timers (MQTT keep-alive, reconnect back-off,
 * PUBACK waits) stay on the real clock, because the broker on the other side counts in real time.
 */
export interface Scheduler {
  now(): number;
  setTimeout(callback: () => void, ms: number): ScheduledTimer;
  setInterval(callback: () => void, ms: number): ScheduledTimer;
  /** Cancels a timeout or an interval; null and already-fired timers are ignored. */
  clear(timer: ScheduledTimer | null): void;
}

/** An opaque handle: each scheduler only accepts its own. */
export interface ScheduledTimer {
  readonly scheduler: Scheduler;
}

interface RealTimer extends ScheduledTimer {
  readonly handle: ReturnType<typeof setTimeout>;
  readonly interval: boolean;
}

/**
 * The wall clock and Node's timers, looked up at each call (not captured at import), so test
 * suites that fake the global timers keep faking them.
 */
export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    const timer: RealTimer = { scheduler: realScheduler, handle: setTimeout(callback, ms), interval: false };
    return timer;
  },
  setInterval(callback, ms) {
    const timer: RealTimer = { scheduler: realScheduler, handle: setInterval(callback, ms), interval: true };
    return timer;
  },
  clear(timer) {
    if (!timer) return;
    const real = timer as RealTimer;
    if (real.interval) clearInterval(real.handle);
    else clearTimeout(real.handle);
  },
};

interface ManualTimer extends ScheduledTimer {
  dueAt: number;
  readonly everyMs: number | null;
  readonly callback: () => void;
  /** Breaks ties between timers due at the same instant: the one set first fires first. */
  readonly order: number;
  cancelled: boolean;
}

/** A clock that moves only when told to; `advance` fires every timer that falls due, in time order. */
export class ManualScheduler implements Scheduler {
  #now: number;
  #order = 0;
  readonly #timers = new Set<ManualTimer>();

  constructor(start: number = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ScheduledTimer {
    return this.#add(callback, ms, null);
  }

  setInterval(callback: () => void, ms: number): ScheduledTimer {
    return this.#add(callback, ms, Math.max(1, ms));
  }

  clear(timer: ScheduledTimer | null): void {
    if (!timer) return;
    const manual = timer as ManualTimer;
    manual.cancelled = true;
    this.#timers.delete(manual);
  }

  /** Timers waiting to fire (intervals count once). */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves the clock forward by `ms`, firing each timer at its own instant (the clock reads that
   * instant inside the callback), including timers that callbacks set on the way.
   */
  advance(ms: number): void {
    const target = this.#now + Math.max(0, ms);
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#now = next.dueAt;
      if (next.everyMs === null) this.#timers.delete(next);
      else next.dueAt += next.everyMs;
      next.callback();
    }
    this.#now = target;
  }

  #nextDue(limit: number): ManualTimer | null {
    let found: ManualTimer | null = null;
    for (const timer of this.#timers) {
      if (timer.cancelled || timer.dueAt > limit) continue;
      if (!found || timer.dueAt < found.dueAt || (timer.dueAt === found.dueAt && timer.order < found.order)) {
        found = timer;
      }
    }
    return found;
  }

  #add(callback: () => void, ms: number, everyMs: number | null): ManualTimer {
    const timer: ManualTimer = {
      scheduler: this,
      dueAt: this.#now + Math.max(0, ms),
      everyMs,
      callback,
      order: this.#order++,
      cancelled: false,
    };
    this.#timers.add(timer);
    return timer;
  }
}
