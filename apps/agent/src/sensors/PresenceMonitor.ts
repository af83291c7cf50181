import type { Logger } from 'pino';
import type { AgentRules, AgentTimings } from '../config';
import type { Hal } from '../hal/Hal';
import { realScheduler, type ScheduledTimer, type Scheduler } from '../Scheduler';

export interface PresenceReading {
  /** Median of the valid samples, in cm, one decimal; null when the sensor gives no valid reading. */
  distanceCm: number | null;
  /** Closer than `objectPresentBelowCm` (SPEC §2: 30 cm); null when the distance is. */
  objectPresent: boolean | null;
}

export interface PresenceMonitorOptions {
  hal: Hal;
  rules: Pick<AgentRules, 'distanceMinCm' | 'distanceMaxCm' | 'objectPresentBelowCm' | 'distanceSamples'>;
  timings: Pick<AgentTimings, 'distanceMeasureEveryMs' | 'distanceSampleGapMs'>;
  logger: Logger;
  scheduler?: Scheduler;
  /** After every reading that was kept; `changed` when the presence verdict differs from the previous one. */
  onReading: (reading: PresenceReading, changed: boolean) => void;
}

/** Readings in a row without a valid median before the verdict becomes unknown (a sensor fault, not a noisy burst). */
const FAILED_READINGS_BEFORE_UNKNOWN = 3;

/**
 * The HC-SR04 presence sensor (SPEC §2). Each reading is a burst of samples: samples outside
 * 1–200 cm are dropped and logged (SPEC §11.3: relay interference produced < 1 cm and > 200 cm
 * outliers in the seed), and the median of the valid ones is kept if they are a majority, so one
 * stray echo can neither fake nor hide an object.
 */
export class PresenceMonitor {
  readonly #options: PresenceMonitorOptions;
  #latest: PresenceReading = { distanceCm: null, objectPresent: null };
  #timer: ScheduledTimer | null = null;
  #measuring = false;
  #enabled = true;
  #running = false;
  #failedInARow = 0;

  constructor(options: PresenceMonitorOptions) {
    this.#options = options;
  }

  get #scheduler(): Scheduler {
    return this.#options.scheduler ?? realScheduler;
  }

  get latest(): PresenceReading {
    return { ...this.#latest };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#timer = this.#scheduler.setInterval(() => void this.measure(), this.#options.timings.distanceMeasureEveryMs);
  }

  stop(): void {
    this.#running = false;
    this.#scheduler.clear(this.#timer);
    this.#timer = null;
  }

  /** Readings are taken only while enabled (the controller enables them while the door is closed). */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
  }

  /** One reading now, unless one is already in progress. Never throws. */
  async measure(): Promise<void> {
    if (!this.#running || !this.#enabled || this.#measuring) return;
    this.#measuring = true;
    try {
      const samples = await this.#burst();
      if (!this.#running || !this.#enabled) return;
      this.#evaluate(samples);
    } catch (error) {
      this.#options.logger.error({ err: error }, 'distance reading failed');
    } finally {
      this.#measuring = false;
    }
  }

  async #burst(): Promise<(number | null)[]> {
    const { distanceSamples } = this.#options.rules;
    const samples: (number | null)[] = [];
    for (let i = 0; i < distanceSamples; i++) {
      if (i > 0) await delay(this.#scheduler, this.#options.timings.distanceSampleGapMs);
      try {
        samples.push(await this.#options.hal.readDistanceCm());
      } catch {
        samples.push(null);
      }
    }
    return samples;
  }

  #evaluate(samples: (number | null)[]): void {
    const { distanceMinCm, distanceMaxCm, objectPresentBelowCm, distanceSamples } = this.#options.rules;
    const valid: number[] = [];
    const outliers: number[] = [];
    let noEcho = 0;
    for (const sample of samples) {
      if (sample === null || !Number.isFinite(sample)) noEcho += 1;
      else if (sample < distanceMinCm || sample > distanceMaxCm) outliers.push(sample);
      else valid.push(sample);
    }
    if (outliers.length > 0) {
      // SPEC §2: "discarded and logged"; one line per burst, with the values, for diagnosing the wiring.
      this.#options.logger.warn(
        { outliers, minCm: distanceMinCm, maxCm: distanceMaxCm },
        'dropped out-of-range distance samples',
      );
    }
    if (valid.length * 2 <= distanceSamples) {
      this.#failedInARow += 1;
      if (this.#failedInARow === 1) {
        this.#options.logger.warn(
          { valid: valid.length, outliers: outliers.length, noEcho },
          'no reliable distance reading',
        );
      }
      if (this.#failedInARow === FAILED_READINGS_BEFORE_UNKNOWN) this.#keep({ distanceCm: null, objectPresent: null });
      return;
    }
    this.#failedInARow = 0;
    const distanceCm = Math.round(median(valid) * 10) / 10;
    this.#keep({ distanceCm, objectPresent: distanceCm < objectPresentBelowCm });
  }

  #keep(reading: PresenceReading): void {
    const changed = reading.objectPresent !== this.#latest.objectPresent;
    this.#latest = reading;
    this.#options.onReading({ ...reading }, changed);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function delay(scheduler: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => scheduler.setTimeout(resolve, ms));
}
