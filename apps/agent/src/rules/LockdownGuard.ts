import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { JsonStateFile } from '../JsonStateFile';
import { realScheduler, type ScheduledTimer, type Scheduler } from '../Scheduler';

const FILE_NAME = 'lockdown.json';

const LockdownState = z.object({
  /** Intrusion alerts since the last lockdown ended (or was reset). */
  intrusions: z.number().int().nonnegative(),
  /** When the lockdown in force ends by itself; null when there is none. */
  until: z.number().int().nonnegative().nullable(),
});
type LockdownState = z.infer<typeof LockdownState>;

export interface LockdownGuardOptions {
  /** SPEC §2 (SEUIL_LOCKDOWN): lockdown at the 3rd intrusion alert. */
  threshold: number;
  /** SPEC §2: 5 min. */
  durationMs: number;
  now: () => number;
  scheduler?: Scheduler;
  /** The lockdown's own timer ran out; the guard has already ended it. */
  onExpired: () => void;
}

export interface IntrusionOutcome {
  /** Intrusion alerts counted towards lockdown, this one included. */
  count: number;
  /** Set when this intrusion started a lockdown: when it ends by itself. */
  lockdownUntil: number | null;
}

/**
 * Intrusion counting and lockdown (SPEC §2, §8): at the 3rd intrusion alert the locker refuses
 * every remote open for 5 min, then resets by itself; an administrator badge or the server's
 * `reset_lockdown` ends it earlier. The count and the end instant are on disk, so pulling the
 * plug does not lift a lockdown; a lockdown whose end passed while the locker was off ends at
 * start-up. Intrusions during a lockdown are counted and reported but do not extend it.
 */
export class LockdownGuard {
  readonly #options: LockdownGuardOptions;
  readonly #file: JsonStateFile<LockdownState> | null;
  #state: LockdownState = { intrusions: 0, until: null };
  #timer: ScheduledTimer | null = null;

  private constructor(options: LockdownGuardOptions, file: JsonStateFile<LockdownState> | null) {
    this.#options = options;
    this.#file = file;
  }

  static open(stateDir: string, options: LockdownGuardOptions & { logger: Logger }): LockdownGuard {
    mkdirSync(stateDir, { recursive: true });
    const file = new JsonStateFile(join(stateDir, FILE_NAME), LockdownState, 'device_state_unwritable');
    const guard = new LockdownGuard(options, file);
    const stored = file.read();
    if (!stored.ok) {
      options.logger.error({ problem: stored.problem }, 'lockdown state unreadable; starting without lockdown');
    } else if (stored.value) {
      guard.#state = stored.value;
    }
    return guard;
  }

  static inMemory(options: LockdownGuardOptions): LockdownGuard {
    return new LockdownGuard(options, null);
  }

  get active(): boolean {
    return this.#state.until !== null;
  }

  get until(): number | null {
    return this.#state.until;
  }

  get intrusions(): number {
    return this.#state.intrusions;
  }

  /** Arms the timer of a lockdown carried over from before a restart (fires at once if already over). */
  resume(): void {
    if (this.#state.until !== null) this.#arm(this.#state.until);
  }

  recordIntrusion(): IntrusionOutcome {
    const intrusions = this.#state.intrusions + 1;
    const starts = !this.active && intrusions >= this.#options.threshold;
    const until = starts ? this.#options.now() + this.#options.durationMs : this.#state.until;
    this.#save({ intrusions, until });
    if (starts && until !== null) this.#arm(until);
    return { count: intrusions, lockdownUntil: starts ? until : null };
  }

  /** Ends the lockdown (badge, server or timer) and forgets the intrusions; true if one was in force. */
  end(): boolean {
    const wasActive = this.active;
    this.#disarm();
    if (wasActive || this.#state.intrusions > 0) this.#save({ intrusions: 0, until: null });
    return wasActive;
  }

  stop(): void {
    this.#disarm();
  }

  #arm(until: number): void {
    this.#disarm();
    this.#timer = (this.#options.scheduler ?? realScheduler).setTimeout(
      () => {
        this.#timer = null;
        if (this.end()) this.#options.onExpired();
      },
      Math.max(0, until - this.#options.now()),
    );
  }

  #disarm(): void {
    (this.#options.scheduler ?? realScheduler).clear(this.#timer);
    this.#timer = null;
  }

  #save(state: LockdownState): void {
    // Written before it takes effect, so what the locker enforces is what a restart finds.
    this.#file?.write(state);
    this.#state = state;
  }
}
