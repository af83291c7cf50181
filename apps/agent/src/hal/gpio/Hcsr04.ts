import { AgentError } from '../../AgentError';
import { EdgeMonitor } from './EdgeMonitor';
import type { EdgeEvent, LibgpiodCli } from './LibgpiodCli';
import { type ProcessRunner, stopProcess, waitForExit } from './ProcessRunner';

export interface Hcsr04Options {
  runner: ProcessRunner;
  cli: LibgpiodCli;
  trigOffset: number;
  echoOffset: number;
  /** How long to wait for the echo once the trigger pulse is out. */
  echoTimeoutMs: number;
  onFault: (error: AgentError) => void;
  /** A trigger gpioset that has not finished by then is killed and the reading is null. */
  triggerTimeoutMs?: number;
  restartDelayMs?: number;
}

/** SPEC §2: the HC-SR04 wants a trigger pulse of at least 10 µs. */
const TRIGGER_PULSE_US = 10;
/** SPEC §2: distance = µs × 0.0343 / 2 (speed of sound in cm/µs, there and back). */
const SOUND_CM_PER_US = 0.0343;
const DEFAULT_TRIGGER_TIMEOUT_MS = 2_000;

/** SPEC §2's formula, rounded to the millimetre (the sensor is no finer). */
export function echoToCentimetres(echoNs: bigint): number {
  const microseconds = Number(echoNs) / 1_000;
  return Math.round(((microseconds * SOUND_CM_PER_US) / 2) * 10) / 10;
}

interface Measurement {
  risingNs: bigint | null;
  fallingNs: bigint | null;
  done: () => void;
}

/**
 * HC-SR04 by echo timing: a long-running `gpiomon` watches ECHO, a `gpioset` pulses TRIG, and the
 * echo width is the difference of the kernel's timestamps of the rising and falling edges (taken in
 * the interrupt handler, so neither process start-up nor Node's event loop adds to it). Readings
 * are raw: out-of-range ones (relay interference, seed bug 3) are the controller's to drop.
 */
export class Hcsr04 {
  readonly #options: Hcsr04Options;
  readonly #echo: EdgeMonitor;
  #measurement: Measurement | null = null;
  /** One reading at a time: the trigger line can only be requested by one gpioset. */
  #queue: Promise<unknown> = Promise.resolve();
  #triggerFailing = false;
  #closed = false;

  constructor(options: Hcsr04Options) {
    this.#options = options;
    this.#echo = new EdgeMonitor({
      runner: options.runner,
      cli: options.cli,
      offset: options.echoOffset,
      // The divider holds ECHO low when the module drives it; the pull-down also when it is unplugged.
      bias: 'pull-down',
      label: `the HC-SR04 echo (BCM ${options.echoOffset})`,
      onEdge: (event) => this.#onEdge(event),
      onFault: options.onFault,
      ...(options.restartDelayMs === undefined ? {} : { restartDelayMs: options.restartDelayMs }),
    });
  }

  start(): void {
    this.#echo.start();
  }

  /** One reading in centimetres, or null (no echo in time, or the driver is down). */
  read(): Promise<number | null> {
    const reading = this.#queue.then(() => this.#measure());
    this.#queue = reading.catch(() => undefined);
    return reading;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#echo.close();
    await this.#queue;
  }

  async #measure(): Promise<number | null> {
    if (this.#closed || !this.#echo.running) return null;
    let complete!: () => void;
    const completed = new Promise<void>((resolve) => {
      complete = resolve;
    });
    // Armed before the trigger starts: only edges from now on belong to this reading.
    const measurement: Measurement = { risingNs: null, fallingNs: null, done: complete };
    this.#measurement = measurement;
    try {
      if (!(await this.#trigger())) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#options.echoTimeoutMs);
      });
      await Promise.race([completed, timedOut]);
      clearTimeout(timer);
      if (measurement.risingNs === null || measurement.fallingNs === null) return null;
      return echoToCentimetres(measurement.fallingNs - measurement.risingNs);
    } finally {
      this.#measurement = null;
    }
  }

  /** Runs the trigger pulse; false (reported once per failure streak) when gpioset failed. */
  async #trigger(): Promise<boolean> {
    const { runner, cli, trigOffset, onFault } = this.#options;
    const timeoutMs = this.#options.triggerTimeoutMs ?? DEFAULT_TRIGGER_TIMEOUT_MS;
    for (const { command, args } of cli.pulse(trigOffset, TRIGGER_PULSE_US)) {
      const process = runner.spawn(command, args);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const overdue = new Promise<'overdue'>((resolve) => {
        timer = setTimeout(() => resolve('overdue'), timeoutMs);
      });
      const outcome = await Promise.race([waitForExit(process), overdue]);
      clearTimeout(timer);
      const exit = outcome === 'overdue' ? await stopProcess(process) : outcome;
      const failed = outcome === 'overdue' || exit.error !== undefined || exit.code !== 0;
      if (failed) {
        if (!this.#triggerFailing) {
          onFault(
            outcome === 'overdue'
              ? new AgentError(
                  'hal_driver_unavailable',
                  `the HC-SR04 trigger pulse (BCM ${trigOffset}) took over ${timeoutMs} ms; gpioset was killed`,
                )
              : cli.failure(`pulsing the HC-SR04 trigger (BCM ${trigOffset})`, exit),
          );
        }
        this.#triggerFailing = true;
        return false;
      }
    }
    this.#triggerFailing = false;
    return true;
  }

  #onEdge(event: EdgeEvent): void {
    const measurement = this.#measurement;
    if (!measurement || measurement.fallingNs !== null) return;
    if (event.rising) {
      // The first rising edge after the trigger starts the echo.
      measurement.risingNs ??= event.timestampNs;
      return;
    }
    if (measurement.risingNs === null) return;
    measurement.fallingNs = event.timestampNs;
    measurement.done();
  }
}
