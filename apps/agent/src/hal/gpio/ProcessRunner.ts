import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a program ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT: not installed, EACCES: not executable). */
  error?: NodeJS.ErrnoException;
  /** The end of what the program wrote on stderr, for the message a person reads. */
  stderr: string;
}

/** A program started in the background: gpiomon watching a line, gpioset holding one. */
export interface RunningProcess {
  readonly command: string;
  readonly args: readonly string[];
  readonly exited: boolean;
  /** Each line the program writes on stdout, as it comes. */
  onLine(listener: (line: string) => void): void;
  /** Called once when the program ends; at once if it already has. */
  onExit(listener: (exit: ProcessExit) => void): void;
  /** Sends a signal; false when it could not be delivered (the program already ended). */
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SyncRunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

/**
 * The drivers' only door to the operating system (STYLE: port, real adapter, fake with the same
 * interface): the libgpiod tools are programs, so the drivers are tested against a fake runner
 * that records each argv and answers like the tools do.
 */
export interface ProcessRunner {
  spawn(command: string, args: readonly string[]): RunningProcess;
  /** Runs a short program to its end, blocking: only for start-up checks and one-shot line writes. */
  runSync(command: string, args: readonly string[], timeoutMs: number): SyncRunResult;
}

/** Enough of stderr to explain a failure, without growing without bound on a chatty program. */
const STDERR_KEPT_CHARS = 2_000;

class NodeRunningProcess implements RunningProcess {
  readonly #child: ChildProcess;
  readonly #lineListeners: ((line: string) => void)[] = [];
  readonly #exitListeners: ((exit: ProcessExit) => void)[] = [];
  #stderr = '';
  #exit: ProcessExit | null = null;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
  ) {
    this.#child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.#child.stdout) {
      createInterface({ input: this.#child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        for (const listener of this.#lineListeners) listener(line);
      });
    }
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_KEPT_CHARS);
    });
    this.#child.on('error', (error: NodeJS.ErrnoException) => {
      // 'error' also reports a failed kill of a running program; only a program that never
      // started (no pid) has ended here.
      if (this.#child.pid === undefined) this.#finish({ code: null, signal: null, error, stderr: this.#stderr });
    });
    this.#child.on('close', (code, signal) => this.#finish({ code, signal, stderr: this.#stderr }));
  }

  get exited(): boolean {
    return this.#exit !== null;
  }

  onLine(listener: (line: string) => void): void {
    this.#lineListeners.push(listener);
  }

  onExit(listener: (exit: ProcessExit) => void): void {
    if (this.#exit) listener(this.#exit);
    else this.#exitListeners.push(listener);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.#exit) return false;
    return this.#child.kill(signal);
  }

  #finish(exit: ProcessExit): void {
    if (this.#exit) return;
    this.#exit = exit;
    for (const listener of this.#exitListeners.splice(0)) listener(exit);
  }
}

export const nodeProcessRunner: ProcessRunner = {
  spawn: (command, args) => new NodeRunningProcess(command, args),
  runSync(command, args, timeoutMs) {
    const result = spawnSync(command, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return {
      status: result.status,
      stdout: result.stdout ?? '',
      stderr: result.stderr ?? '',
      ...(result.error ? { error: result.error as NodeJS.ErrnoException } : {}),
    };
  },
};

/** Resolves when the program ends. */
export function waitForExit(process: RunningProcess): Promise<ProcessExit> {
  return new Promise((resolve) => process.onExit(resolve));
}

/** "exit code 1: gpioset: unable to request lines: Device or resource busy", for messages. */
export function describeExit(exit: ProcessExit | SyncRunResult): string {
  const how =
    exit.error !== undefined
      ? (exit.error.code ?? exit.error.message)
      : 'signal' in exit && exit.signal
        ? `killed by ${exit.signal}`
        : `exit code ${'code' in exit ? exit.code : exit.status}`;
  const stderr = exit.stderr.trim().split('\n').at(-1)?.trim();
  return stderr ? `${how}: ${stderr}` : how;
}

/** SIGTERM, then SIGKILL if the program is still there after `graceMs`; resolves when it has ended. */
export async function stopProcess(process: RunningProcess, graceMs = 1_000): Promise<ProcessExit> {
  process.kill('SIGTERM');
  const timer = setTimeout(() => process.kill('SIGKILL'), graceMs);
  try {
    return await waitForExit(process);
  } finally {
    clearTimeout(timer);
  }
}
