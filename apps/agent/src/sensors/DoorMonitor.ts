import type { DoorState } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import type { Hal } from '../hal/Hal';
import { realScheduler, type ScheduledTimer, type Scheduler } from '../Scheduler';

export interface DoorMonitorOptions {
  hal: Hal;
  /** SPEC §2: sampled every 500 ms. */
  sampleMs: number;
  /** A new reading must still hold after this long to count (a reed contact bounces). */
  debounceMs: number;
  logger: Logger;
  scheduler?: Scheduler;
  /** Called once per debounced change, never per sample. */
  onChange: (door: DoorState) => void;
}

/**
 * The reed door sensor, debounced (SPEC §2: "sampled every 500 ms or on edge"). Edges and
 * samples are only triggers: a reading that differs from the current state becomes a candidate,
 * and is committed if the sensor still says so `debounceMs` later. A contact that bounces, or a
 * sensor that flickers to `unknown` for an instant, changes nothing. A read that throws is
 * `unknown` (a real state, STYLE example 4), logged once per failure streak.
 */
export class DoorMonitor {
  readonly #options: DoorMonitorOptions;
  #door: DoorState = 'unknown';
  #candidate: DoorState | null = null;
  #debounceTimer: ScheduledTimer | null = null;
  #sampleTimer: ScheduledTimer | null = null;
  #stopEdges: (() => void) | null = null;
  #readFailing = false;
  #running = false;

  constructor(options: DoorMonitorOptions) {
    this.#options = options;
  }

  get #scheduler(): Scheduler {
    return this.#options.scheduler ?? realScheduler;
  }

  get door(): DoorState {
    return this.#door;
  }

  /** Takes the first reading as it is (nothing to debounce against) and starts watching. */
  start(): DoorState {
    if (this.#running) return this.#door;
    this.#running = true;
    this.#door = this.#read();
    this.#stopEdges = this.#options.hal.onDoorChange?.((door) => this.#observe(door)) ?? null;
    this.#sampleTimer = this.#scheduler.setInterval(() => this.#observe(this.#read()), this.#options.sampleMs);
    return this.#door;
  }

  stop(): void {
    this.#running = false;
    this.#scheduler.clear(this.#sampleTimer);
    this.#sampleTimer = null;
    this.#cancelCandidate();
    this.#stopEdges?.();
    this.#stopEdges = null;
  }

  #observe(reading: DoorState): void {
    if (!this.#running) return;
    if (reading === this.#door) {
      // Bounced back before the debounce ran out: nothing happened.
      this.#cancelCandidate();
      return;
    }
    if (reading === this.#candidate) return;
    this.#cancelCandidate();
    this.#candidate = reading;
    this.#debounceTimer = this.#scheduler.setTimeout(() => this.#confirm(), this.#options.debounceMs);
  }

  #confirm(): void {
    const candidate = this.#candidate;
    this.#debounceTimer = null;
    this.#candidate = null;
    if (!this.#running || candidate === null) return;
    const again = this.#read();
    if (again !== candidate) {
      this.#observe(again);
      return;
    }
    this.#door = candidate;
    this.#options.onChange(candidate);
  }

  #cancelCandidate(): void {
    this.#scheduler.clear(this.#debounceTimer);
    this.#debounceTimer = null;
    this.#candidate = null;
  }

  #read(): DoorState {
    try {
      const door = this.#options.hal.readDoor();
      if (this.#readFailing) this.#options.logger.info('door sensor readable again');
      this.#readFailing = false;
      return door;
    } catch (error) {
      if (!this.#readFailing) this.#options.logger.error({ err: error }, 'door sensor read failed; reporting unknown');
      this.#readFailing = true;
      return 'unknown';
    }
  }
}
