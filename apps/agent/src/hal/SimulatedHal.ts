import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { DoorState } from '@smartlocker/protocol';
import { realScheduler, type ScheduledTimer, type Scheduler } from '../Scheduler';
import type { Hal } from './Hal';

export interface AutoPersonOptions {
  /** How long after the relay is energised the simulated person pushes the door open. */
  autoOpenAfterMs?: number;
  /** How long the door then stays open before the person closes it. */
  autoCloseAfterMs?: number;
}

export interface SimulatedHalOptions {
  initialDoor?: DoorState;
  /** A simulated person who opens and closes the door each time the relay is energised; off by default. */
  autoPerson?: boolean | AutoPersonOptions;
  /** Whether door changes are announced as edges; off, the controller only sees them by sampling. */
  edgeEvents?: boolean;
  clock?: () => number;
  /** The simulated person's timers and, without `clock`, the clock; a test's ManualScheduler moves both. */
  scheduler?: Scheduler;
  /** What the ultrasonic sensor measures in the empty locker (its depth), in cm. */
  emptyDistanceCm?: number;
  /** What it measures with an object inside, in cm. */
  objectDistanceCm?: number;
  initialObjectPresent?: boolean;
  /** Every distance reading is an outlier while the relay is energised (SPEC §11.3: relay interference). */
  relayInterference?: boolean;
  /**
   * A JSON file where the simulated hardware keeps its physical facts (relay, door, distance),
   * so a process that is killed and started again finds them as it would on a real locker —
   * including a relay left energised by a crash mid-pulse, which the agent must release at start-up.
   */
  persistPath?: string;
}

/** The simulated hardware's physical facts, as a workbench shows them. */
export interface SimulatedHardware {
  door: DoorState;
  relayEnergised: boolean;
  relayActivations: number;
  /** What the sensor measures when nothing interferes; null is "no echo". */
  distanceCm: number | null;
  objectPresent: boolean;
  relayInterference: boolean;
  /** A relay driver fault injected on the workbench: which switching throws. */
  relayFault: 'energise' | 'release' | null;
  /** Raw readings injected and not yet consumed. */
  pendingReadings: number;
}

interface PersistedFacts {
  relayEnergised: boolean;
  door: DoorState;
  distanceCm: number | null;
}

const DEFAULT_AUTO_OPEN_AFTER_MS = 800;
const DEFAULT_AUTO_CLOSE_AFTER_MS = 3_000;
const DEFAULT_EMPTY_DISTANCE_CM = 45;
const DEFAULT_OBJECT_DISTANCE_CM = 12;
/** What relay interference looks like on an HC-SR04: implausibly near, then implausibly far (seed bug 3). */
const INTERFERENCE_READINGS = [0.4, 312] as const;

/**
 * An in-memory locker for tests, demos and the server's in-process agents. Its control surface
 * plays the part of the person and the wiring: open and close the door, put an object in or
 * take it out, disturb the distance sensor, present a badge, watch the relay.
 */
export class SimulatedHal implements Hal {
  readonly driver = 'simulator' as const;
  readonly #clock: () => number;
  readonly #edgeEvents: boolean;
  readonly #emptyDistanceCm: number;
  readonly #objectDistanceCm: number;
  readonly #persistPath: string | null;
  readonly #doorListeners = new Set<(door: DoorState) => void>();
  readonly #relayListeners = new Set<(energised: boolean) => void>();
  readonly #badgeListeners = new Set<(uid: string) => void>();
  readonly #personTimers = new Set<ScheduledTimer>();
  readonly #scheduler: Scheduler;
  readonly #injectedReadings: (number | null)[] = [];
  #door: DoorState;
  #relay = false;
  #relayActivations = 0;
  #lastRelayOnAt: number | null = null;
  #distanceCm: number | null;
  #relayInterference: boolean;
  #interferenceIndex = 0;
  #autoPerson: Required<AutoPersonOptions> | null = null;
  /** A broken relay driver (a workbench or test fault): it throws when asked to do this. */
  #relayFault: 'energise' | 'release' | null = null;

  constructor(options: SimulatedHalOptions = {}) {
    this.#scheduler = options.scheduler ?? realScheduler;
    const scheduler = this.#scheduler;
    this.#clock = options.clock ?? (() => scheduler.now());
    this.#edgeEvents = options.edgeEvents ?? true;
    this.#emptyDistanceCm = options.emptyDistanceCm ?? DEFAULT_EMPTY_DISTANCE_CM;
    this.#objectDistanceCm = options.objectDistanceCm ?? DEFAULT_OBJECT_DISTANCE_CM;
    this.#relayInterference = options.relayInterference ?? false;
    this.#persistPath = options.persistPath ?? null;
    this.#door = options.initialDoor ?? 'closed';
    this.#distanceCm = options.initialObjectPresent ? this.#objectDistanceCm : this.#emptyDistanceCm;
    const persisted = this.#persistPath ? readFacts(this.#persistPath) : null;
    if (persisted) {
      // The physical world outlives the process: a relay left energised stays so until someone releases it.
      this.#relay = persisted.relayEnergised;
      this.#door = persisted.door;
      this.#distanceCm = persisted.distanceCm;
    }
    this.setAutoPerson(options.autoPerson ?? false);
    this.#persist();
  }

  // --- Hal ---

  setRelay(energised: boolean): void {
    if (this.#relayFault === (energised ? 'energise' : 'release')) {
      throw new Error(`simulated relay fault: the driver cannot ${energised ? 'energise' : 'release'} the relay`);
    }
    if (energised === this.#relay) return;
    this.#relay = energised;
    if (energised) {
      this.#relayActivations += 1;
      this.#lastRelayOnAt = performance.now();
    }
    this.#persist();
    if (energised) this.#schedulePerson();
    for (const listener of this.#relayListeners) listener(energised);
  }

  readDoor(): DoorState {
    return this.#door;
  }

  async readDistanceCm(): Promise<number | null> {
    if (this.#injectedReadings.length > 0) return this.#injectedReadings.shift() ?? null;
    if (this.#relayInterference && this.#relay) {
      const reading = INTERFERENCE_READINGS[this.#interferenceIndex % INTERFERENCE_READINGS.length] ?? null;
      this.#interferenceIndex += 1;
      return reading;
    }
    return this.#distanceCm;
  }

  now(): number {
    return this.#clock();
  }

  onDoorChange(listener: (door: DoorState) => void): () => void {
    this.#doorListeners.add(listener);
    return () => this.#doorListeners.delete(listener);
  }

  onBadge(listener: (uid: string) => void): () => void {
    this.#badgeListeners.add(listener);
    return () => this.#badgeListeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const timer of this.#personTimers) this.#scheduler.clear(timer);
    this.#personTimers.clear();
    this.setRelay(false);
  }

  // --- control surface ---

  get door(): DoorState {
    return this.#door;
  }

  get relayEnergised(): boolean {
    return this.#relay;
  }

  /** How many times the relay went from released to energised since this simulator was made. */
  get relayActivations(): number {
    return this.#relayActivations;
  }

  /** When the relay was last energised (`performance.now()`, this process's clock), null before the first time. */
  get lastRelayOnAt(): number | null {
    return this.#lastRelayOnAt;
  }

  /** The distance the sensor measures when nothing interferes; null is "no echo". */
  get distanceCm(): number | null {
    return this.#distanceCm;
  }

  get objectPresent(): boolean {
    return this.#distanceCm !== null && this.#distanceCm < this.#emptyDistanceCm;
  }

  snapshot(): SimulatedHardware {
    return {
      door: this.#door,
      relayEnergised: this.#relay,
      relayActivations: this.#relayActivations,
      distanceCm: this.#distanceCm,
      objectPresent: this.objectPresent,
      relayInterference: this.#relayInterference,
      relayFault: this.#relayFault,
      pendingReadings: this.#injectedReadings.length,
    };
  }

  setDoor(door: DoorState): void {
    if (door === this.#door) return;
    this.#door = door;
    this.#persist();
    if (!this.#edgeEvents) return;
    for (const listener of this.#doorListeners) listener(door);
  }

  openDoor(): void {
    this.setDoor('open');
  }

  closeDoor(): void {
    this.setDoor('closed');
  }

  /** Puts an object in (the sensor then measures `objectDistanceCm`) or takes it out (`emptyDistanceCm`). */
  setObjectPresent(present: boolean): void {
    this.setDistanceCm(present ? this.#objectDistanceCm : this.#emptyDistanceCm);
  }

  /** Sets the raw distance the sensor measures from now on, in cm; null for "no echo". Out-of-range values are allowed. */
  setDistanceCm(distanceCm: number | null): void {
    this.#distanceCm = distanceCm;
    this.#persist();
  }

  /** Raw readings returned, in order, by the next `readDistanceCm()` calls (outliers, no echo), before the steady value. */
  injectDistanceReadings(...readings: (number | null)[]): void {
    this.#injectedReadings.push(...readings);
  }

  /** Breaks the relay driver: it throws on `energise` or on `release` until set back to null. */
  setRelayFault(fault: 'energise' | 'release' | null): void {
    this.#relayFault = fault;
  }

  get relayFault(): 'energise' | 'release' | null {
    return this.#relayFault;
  }

  /** While on, every reading taken with the relay energised is an outlier (SPEC §11.3). */
  setRelayInterference(on: boolean): void {
    this.#relayInterference = on;
  }

  /** A card held to the RC522 reader; `uid` in hex, any case, separators ignored. */
  presentBadge(uid: string): void {
    const normalized = uid.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
    if (normalized === '') throw new Error('a badge UID is a hex string, e.g. "04A1B2C3"');
    for (const listener of this.#badgeListeners) listener(normalized);
  }

  onRelayChange(listener: (energised: boolean) => void): () => void {
    this.#relayListeners.add(listener);
    return () => this.#relayListeners.delete(listener);
  }

  setAutoPerson(autoPerson: boolean | AutoPersonOptions): void {
    if (autoPerson === false) {
      this.#autoPerson = null;
      return;
    }
    const options = autoPerson === true ? {} : autoPerson;
    this.#autoPerson = {
      autoOpenAfterMs: options.autoOpenAfterMs ?? DEFAULT_AUTO_OPEN_AFTER_MS,
      autoCloseAfterMs: options.autoCloseAfterMs ?? DEFAULT_AUTO_CLOSE_AFTER_MS,
    };
  }

  #schedulePerson(): void {
    const person = this.#autoPerson;
    if (!person) return;
    this.#later(person.autoOpenAfterMs, () => {
      // A real person can only push the door while the strike is still released.
      if (!this.#relay || this.#door !== 'closed') return;
      this.setDoor('open');
      this.#later(person.autoCloseAfterMs, () => this.setDoor('closed'));
    });
  }

  #later(delayMs: number, action: () => void): void {
    const timer = this.#scheduler.setTimeout(() => {
      this.#personTimers.delete(timer);
      action();
    }, delayMs);
    this.#personTimers.add(timer);
  }

  /** Synchronous and atomic (write then rename), so a SIGKILL right after a change still finds it on disk. */
  #persist(): void {
    const path = this.#persistPath;
    if (!path) return;
    const facts: PersistedFacts = { relayEnergised: this.#relay, door: this.#door, distanceCm: this.#distanceCm };
    writeFileSync(`${path}.tmp`, JSON.stringify(facts));
    renameSync(`${path}.tmp`, path);
  }
}

function readFacts(path: string): PersistedFacts | null {
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<PersistedFacts>;
    if (typeof raw.relayEnergised !== 'boolean') return null;
    const door = raw.door === 'open' || raw.door === 'closed' || raw.door === 'unknown' ? raw.door : 'closed';
    const distanceCm = typeof raw.distanceCm === 'number' || raw.distanceCm === null ? raw.distanceCm : null;
    return { relayEnergised: raw.relayEnergised, door, distanceCm };
  } catch {
    return null;
  }
}
