import { realScheduler, type ScheduledTimer, type Scheduler } from '../Scheduler';

export interface DoorLeftOpenAlert {
  /** Whole seconds the door has been open. */
  openForS: number;
  /** 1..maxReminders within the current cycle; the escalation repeats maxReminders. */
  reminder: number;
  escalated: boolean;
}

export interface DoorLeftOpenWatchOptions {
  /** SPEC §2: first reminder 60 s after the door opened. */
  firstMs: number;
  /** SPEC §2: then every 30 s. */
  everyMs: number;
  /** SPEC §2: at most 3 reminders before the escalation. */
  maxReminders: number;
  now: () => number;
  scheduler?: Scheduler;
  onAlert: (alert: DoorLeftOpenAlert) => void;
}

/**
 * SPEC §2 "door left open": a reminder after 60 s, then every 30 s, at most 3, then ONE
 * escalation, after which the cycle starts again (first reminder 60 s after the escalation).
 * One timer, set for the next due alert, never an alert per door sample (SPEC §11.4: the seed
 * wrote an alert every 500 ms). Deadlines are computed from the planned instants, not from when a
 * timer happened to fire, so the cadence does not drift.
 */
export class DoorLeftOpenWatch {
  readonly #options: DoorLeftOpenWatchOptions;
  #openedAt: number | null = null;
  #remindersInCycle = 0;
  #nextAt = 0;
  #timer: ScheduledTimer | null = null;

  constructor(options: DoorLeftOpenWatchOptions) {
    this.#options = options;
  }

  get watching(): boolean {
    return this.#openedAt !== null;
  }

  /** The door was seen open at `at`; a door already being watched keeps its original cycle. */
  doorOpened(at: number): void {
    if (this.#openedAt !== null) return;
    this.#openedAt = at;
    this.#remindersInCycle = 0;
    this.#schedule(at + this.#options.firstMs);
  }

  doorClosed(): void {
    this.stop();
  }

  stop(): void {
    this.#scheduler.clear(this.#timer);
    this.#timer = null;
    this.#openedAt = null;
    this.#remindersInCycle = 0;
  }

  get #scheduler(): Scheduler {
    return this.#options.scheduler ?? realScheduler;
  }

  #schedule(at: number): void {
    this.#scheduler.clear(this.#timer);
    this.#nextAt = at;
    this.#timer = this.#scheduler.setTimeout(() => this.#due(), Math.max(0, at - this.#options.now()));
  }

  #due(): void {
    const openedAt = this.#openedAt;
    if (openedAt === null) return;
    const { maxReminders, everyMs, firstMs, onAlert } = this.#options;
    const openForS = Math.max(0, Math.floor((this.#nextAt - openedAt) / 1000));
    if (this.#remindersInCycle < maxReminders) {
      this.#remindersInCycle += 1;
      this.#schedule(this.#nextAt + everyMs);
      onAlert({ openForS, reminder: this.#remindersInCycle, escalated: false });
      return;
    }
    // The escalation closes the cycle; the next reminder is a full first delay away.
    this.#remindersInCycle = 0;
    this.#schedule(this.#nextAt + firstMs);
    onAlert({ openForS, reminder: maxReminders, escalated: true });
  }
}
