import type { AgentError } from '../../AgentError';
import type { EdgeEvent, LibgpiodCli, LineBias } from './LibgpiodCli';
import { type ProcessRunner, type RunningProcess, stopProcess } from './ProcessRunner';

export interface EdgeMonitorOptions {
  runner: ProcessRunner;
  cli: LibgpiodCli;
  offset: number;
  bias: LineBias;
  /** How messages name the line: "the door sensor (BCM 27)". */
  label: string;
  onEdge: (event: EdgeEvent) => void;
  /** The watcher stopped: no edges until it is back. */
  onDown?: () => void;
  /**
   * Runs just before each restart (not the first start), e.g. to read the level the line has now;
   * a throw is reported and the restart is tried again later.
   */
  beforeRestart?: () => void;
  onFault: (error: AgentError) => void;
  /** The first wait before a restart; doubles up to 30 s while the watcher keeps dying. */
  restartDelayMs?: number;
}

const DEFAULT_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * One long-running `gpiomon` on one line, restarted with back-off when it dies (a driver failure
 * makes the sensor unknown, never the agent crash: STYLE example 5).
 */
export class EdgeMonitor {
  readonly #options: EdgeMonitorOptions;
  #process: RunningProcess | null = null;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  #restartDelayMs: number;
  #closed = false;

  constructor(options: EdgeMonitorOptions) {
    this.#options = options;
    this.#restartDelayMs = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
  }

  /** True while gpiomon runs. */
  get running(): boolean {
    return this.#process !== null;
  }

  start(): void {
    if (this.#closed || this.#process) return;
    const { runner, cli, offset, bias, onEdge } = this.#options;
    const { command, args } = cli.monitor(offset, bias);
    const process = runner.spawn(command, args);
    this.#process = process;
    let sawEdge = false;
    process.onLine((line) => {
      const event = cli.parseEvent(line);
      // Other lines (a banner, a warning) are not edges; another offset cannot appear, but is ignored too.
      if (!event || event.offset !== offset || this.#process !== process) return;
      if (!sawEdge) {
        sawEdge = true;
        this.#restartDelayMs = this.#options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
      }
      onEdge(event);
    });
    process.onExit((exit) => {
      if (this.#process !== process) return;
      this.#process = null;
      if (this.#closed) return;
      this.#options.onFault(cli.failure(`watching ${this.#options.label} with gpiomon`, exit));
      this.#options.onDown?.();
      this.#scheduleRestart();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const process = this.#process;
    if (!process) return;
    this.#process = null;
    await stopProcess(process);
  }

  #scheduleRestart(): void {
    const delay = this.#restartDelayMs;
    this.#restartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.#closed) return;
      try {
        this.#options.beforeRestart?.();
      } catch (error) {
        this.#options.onFault(error as AgentError);
        this.#scheduleRestart();
        return;
      }
      this.start();
    }, delay);
  }
}
