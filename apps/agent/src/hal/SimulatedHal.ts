import type { DoorState } from '@smartlocker/protocol';
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
}

const DEFAULT_AUTO_OPEN_AFTER_MS = 800;
const DEFAULT_AUTO_CLOSE_AFTER_MS = 3_000;

/**
 * An in-memory locker for tests, demos and the server's in-process agents. The control surface
 * (`setDoor`, `relayEnergised`, listeners) plays the part of the person and the wiring.
 */
export class SimulatedHal implements Hal {
  readonly driver = 'simulator' as const;
  readonly #clock: () => number;
  readonly #edgeEvents: boolean;
  readonly #doorListeners = new Set<(door: DoorState) => void>();
  readonly #relayListeners = new Set<(energised: boolean) => void>();
  readonly #personTimers = new Set<ReturnType<typeof setTimeout>>();
  #door: DoorState;
  #relay = false;
  #relayActivations = 0;
  #autoPerson: Required<AutoPersonOptions> | null = null;

  constructor(options: SimulatedHalOptions = {}) {
    this.#door = options.initialDoor ?? 'closed';
    this.#edgeEvents = options.edgeEvents ?? true;
    this.#clock = options.clock ?? Date.now;
    this.setAutoPerson(options.autoPerson ?? false);
  }

  // --- Hal ---

  setRelay(energised: boolean): void {
    if (energised === this.#relay) return;
    this.#relay = energised;
    if (energised) {
      this.#relayActivations += 1;
      this.#schedulePerson();
    }
    for (const listener of this.#relayListeners) listener(energised);
  }

  readDoor(): DoorState {
    return this.#door;
  }

  now(): number {
    return this.#clock();
  }

  onDoorChange(listener: (door: DoorState) => void): () => void {
    this.#doorListeners.add(listener);
    return () => this.#doorListeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const timer of this.#personTimers) clearTimeout(timer);
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

  setDoor(door: DoorState): void {
    if (door === this.#door) return;
    this.#door = door;
    if (!this.#edgeEvents) return;
    for (const listener of this.#doorListeners) listener(door);
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
    const timer = setTimeout(() => {
      this.#personTimers.delete(timer);
      action();
    }, delayMs);
    this.#personTimers.add(timer);
  }
}
