import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { JsonStateFile } from './JsonStateFile';

const FILE_NAME = 'counters.json';

export const Counters = z.object({
  opens: z.number().int().nonnegative(),
  relayCycles: z.number().int().nonnegative(),
  alerts: z.number().int().nonnegative(),
});
export type DeviceCounters = z.infer<typeof Counters>;
export type CounterName = keyof DeviceCounters;

/**
 * The heartbeat's counters (SPEC §2: opens, relay cycles, alerts), totals since provisioning:
 * written on every change so a restart never sets the strike's wear count back.
 */
export class PersistentCounters {
  readonly #file: JsonStateFile<DeviceCounters> | null;
  #values: DeviceCounters = { opens: 0, relayCycles: 0, alerts: 0 };

  private constructor(file: JsonStateFile<DeviceCounters> | null) {
    this.#file = file;
  }

  static open(stateDir: string, logger: Logger): PersistentCounters {
    mkdirSync(stateDir, { recursive: true });
    const file = new JsonStateFile(join(stateDir, FILE_NAME), Counters, 'device_state_unwritable');
    const counters = new PersistentCounters(file);
    const stored = file.read();
    if (!stored.ok) logger.warn({ problem: stored.problem }, 'counters unreadable; counting from zero');
    else if (stored.value) counters.#values = stored.value;
    return counters;
  }

  /** Counters that live in memory only, for tests and tools that must leave no trace. */
  static inMemory(): PersistentCounters {
    return new PersistentCounters(null);
  }

  get values(): DeviceCounters {
    return { ...this.#values };
  }

  increment(...names: CounterName[]): void {
    const next = { ...this.#values };
    for (const name of names) next[name] += 1;
    this.#values = next;
    this.#file?.write(next);
  }
}
