import type { DoorState } from '@smartlocker/protocol';
import type { AgentError } from '../../AgentError';
import { EdgeMonitor } from './EdgeMonitor';
import type { LibgpiodCli, LineLevel } from './LibgpiodCli';
import type { ProcessRunner } from './ProcessRunner';

export interface ReedDoorSensorOptions {
  runner: ProcessRunner;
  cli: LibgpiodCli;
  offset: number;
  onFault: (error: AgentError) => void;
  restartDelayMs?: number;
}

const GET_TIMEOUT_MS = 5_000;

/**
 * SPEC §2: reed switch with the pull-up on, contact to ground when the magnet is near. So a low
 * line is a closed door, a high line an open one (also what a cut wire reads: open, fail-secure).
 */
export function doorFromLevel(level: LineLevel): DoorState {
  return level === 0 ? 'closed' : 'open';
}

/**
 * The door sensor: one `gpioget` for the level at start, then a long-running `gpiomon` whose
 * every edge gives the new level. Edges are reported raw, without debouncing: the controller owns
 * that rule, identically for every driver. While gpiomon is down the door is `unknown`.
 */
export class ReedDoorSensor {
  readonly #options: ReedDoorSensorOptions;
  readonly #monitor: EdgeMonitor;
  readonly #listeners = new Set<(door: DoorState) => void>();
  #door: DoorState = 'unknown';

  constructor(options: ReedDoorSensorOptions) {
    this.#options = options;
    this.#monitor = new EdgeMonitor({
      runner: options.runner,
      cli: options.cli,
      offset: options.offset,
      bias: 'pull-up',
      label: this.#label,
      onEdge: (event) => this.#set(event.rising ? 'open' : 'closed'),
      onDown: () => this.#set('unknown'),
      beforeRestart: () => this.#set(this.#readDoor()),
      onFault: options.onFault,
      ...(options.restartDelayMs === undefined ? {} : { restartDelayMs: options.restartDelayMs }),
    });
  }

  /**
   * Reads the level once (throwing `hal_driver_unavailable` when the tools cannot: at start-up a
   * person is there to read why), then watches the edges. A line can only be requested by one
   * program at a time, so gpiomon starts after gpioget has released it; an edge in the few
   * milliseconds between the two is caught up by the next one (a moving door bounces).
   */
  start(): void {
    this.#set(this.#readDoor());
    this.#monitor.start();
  }

  get door(): DoorState {
    return this.#door;
  }

  onChange(listener: (door: DoorState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return this.#monitor.close();
  }

  get #label(): string {
    return `the door sensor (BCM ${this.#options.offset})`;
  }

  #readDoor(): DoorState {
    const { runner, cli, offset } = this.#options;
    const { command, args } = cli.get(offset, 'pull-up');
    const result = runner.runSync(command, args, GET_TIMEOUT_MS);
    if (result.error || result.status !== 0) throw cli.failure(`reading ${this.#label} with gpioget`, result);
    const level = cli.parseLevel(result.stdout);
    if (level === null) {
      throw cli.failure(`reading ${this.#label} with gpioget`, {
        ...result,
        stderr: `unexpected output ${JSON.stringify(result.stdout.trim())}`,
      });
    }
    return doorFromLevel(level);
  }

  #set(door: DoorState): void {
    if (door === this.#door) return;
    this.#door = door;
    for (const listener of this.#listeners) listener(door);
  }
}
