import { AgentError } from '../../AgentError';
import type { LibgpiodCli, LineLevel } from './LibgpiodCli';
import { type ProcessExit, type ProcessRunner, type RunningProcess, waitForExit } from './ProcessRunner';

export interface OutputLineHolderOptions {
  runner: ProcessRunner;
  cli: LibgpiodCli;
  offset: number;
  /** How messages name the line: "the relay (BCM 17)". */
  label: string;
  initial: LineLevel;
  /** The level to go back to when a holder dies on its own (the relay's released level). */
  safeLevel: LineLevel;
  onFault: (error: AgentError) => void;
  /** How long a holder gets to stop on SIGTERM before SIGKILL. */
  killTimeoutMs?: number;
  /** The first wait before holding the line again after a failure; doubles up to 30 s. */
  retryDelayMs?: number;
}

interface Holder {
  process: RunningProcess;
  level: LineLevel;
  /** We signalled it: its exit is a switch, not a fault. */
  stopping: boolean;
}

const DEFAULT_KILL_TIMEOUT_MS = 1_000;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const MAX_RETRY_DELAY_MS = 30_000;
const SET_ONCE_TIMEOUT_MS = 5_000;

/**
 * Keeps one output line driven by a long-running `gpioset`. libgpiod's documentation is explicit
 * that a released line's level is undefined (the Raspberry Pi kernel turns it back into an input,
 * or keeps the last output when `persist_gpio_outputs` is set), so the line is held at BOTH levels:
 * switching kills the holder of one level and starts a holder of the other once the first is gone
 * (starting it earlier would find the line busy).
 */
export class OutputLineHolder {
  readonly #options: OutputLineHolderOptions;
  readonly #killTimeoutMs: number;
  #desired: LineLevel;
  #holder: Holder | null = null;
  #killTimer: ReturnType<typeof setTimeout> | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryDelayMs: number;
  #closing: Promise<void> | null = null;

  constructor(options: OutputLineHolderOptions) {
    this.#options = options;
    this.#killTimeoutMs = options.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS;
    this.#retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.#desired = options.initial;
    this.#start();
  }

  /** The level asked for last (the safe level after a holder died on its own). */
  get desired(): LineLevel {
    return this.#desired;
  }

  /** The level a running holder drives the line to, or null while switching or after a failure. */
  get heldLevel(): LineLevel | null {
    const holder = this.#holder;
    return holder && !holder.stopping ? holder.level : null;
  }

  /**
   * Asks for a level. Returns once the current holder has been signalled (synchronously, so a
   * process that is about to exit still gets the signal out); the new holder starts when the old
   * one has exited. Throws when the old holder cannot be signalled.
   */
  set(level: LineLevel): void {
    if (this.#closing !== null) {
      throw new AgentError('hal_driver_unavailable', `${this.#options.label} is closed`);
    }
    this.#desired = level;
    const holder = this.#holder;
    if (!holder) {
      // Between a failure and its retry: try the new level now.
      this.#clearRetry();
      this.#start();
      return;
    }
    // Either already driving it, or already stopping: its exit starts the desired level.
    if (holder.stopping || holder.level === level) return;
    this.#stop(holder);
  }

  /**
   * Stops holding the line. With `finalLevel`, drives it there once more before releasing it, so
   * the last level is ours whatever the kernel does on release. Throws if that last write fails.
   */
  close(finalLevel?: LineLevel): Promise<void> {
    this.#closing ??= this.#close(finalLevel);
    return this.#closing;
  }

  async #close(finalLevel: LineLevel | undefined): Promise<void> {
    this.#clearRetry();
    const holder = this.#holder;
    if (holder) {
      if (!holder.stopping) this.#stop(holder);
      await waitForExit(holder.process);
    }
    if (finalLevel === undefined) return;
    const { runner, cli, offset, label } = this.#options;
    const { command, args } = cli.setOnce(offset, finalLevel);
    const result = runner.runSync(command, args, SET_ONCE_TIMEOUT_MS);
    if (result.error || result.status !== 0) throw cli.failure(`setting ${label} to ${finalLevel}`, result);
  }

  #start(): void {
    const { runner, cli, offset } = this.#options;
    const { command, args } = cli.hold(offset, this.#desired);
    const holder: Holder = { process: runner.spawn(command, args), level: this.#desired, stopping: false };
    this.#holder = holder;
    holder.process.onExit((exit) => this.#onExit(holder, exit));
  }

  #stop(holder: Holder): void {
    holder.stopping = true;
    if (!holder.process.kill('SIGTERM') && !holder.process.exited) {
      throw new AgentError(
        'hal_driver_unavailable',
        `cannot signal the gpioset holding ${this.#options.label} at ${holder.level}`,
      );
    }
    this.#killTimer = setTimeout(() => {
      this.#killTimer = null;
      if (holder.process.exited) return;
      holder.process.kill('SIGKILL');
      this.#options.onFault(
        new AgentError(
          'hal_driver_unavailable',
          `the gpioset holding ${this.#options.label} at ${holder.level} ignored SIGTERM for ${this.#killTimeoutMs} ms; killed it`,
        ),
      );
    }, this.#killTimeoutMs);
  }

  #onExit(holder: Holder, exit: ProcessExit): void {
    if (this.#holder !== holder) return;
    this.#holder = null;
    if (this.#killTimer) clearTimeout(this.#killTimer);
    this.#killTimer = null;
    if (this.#closing !== null) return;
    if (holder.stopping) {
      this.#retryDelayMs = this.#options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
      this.#start();
      return;
    }
    // It died on its own (line busy, chip gone, killed by someone): the line is not ours any more.
    const { cli, label, safeLevel, onFault } = this.#options;
    onFault(cli.failure(`holding ${label} at ${holder.level}`, exit));
    this.#desired = safeLevel;
    if (holder.level !== safeLevel) {
      // Back to the safe level at once; only retries of the safe level itself back off.
      this.#start();
      return;
    }
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closing === null && !this.#holder) this.#start();
    }, delay);
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }
}
