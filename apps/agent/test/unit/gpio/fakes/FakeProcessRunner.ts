import type { ProcessExit, ProcessRunner, RunningProcess, SyncRunResult } from '../../../../src/hal/gpio/ProcessRunner';

/** A program "started" by the fake runner: the test decides what it prints and when it ends. */
export class FakeProcess implements RunningProcess {
  readonly signals: NodeJS.Signals[] = [];
  /** A stuck program: SIGTERM is recorded but does nothing (SIGKILL still ends it). */
  ignoreSigterm = false;
  /** kill() fails as if the signal could not be delivered, while the program runs on. */
  refuseSignals = false;
  readonly #lineListeners: ((line: string) => void)[] = [];
  readonly #exitListeners: ((exit: ProcessExit) => void)[] = [];
  #exit: ProcessExit | null = null;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
  ) {}

  /** "gpioset --mode=signal gpiochip0 17=1" */
  get argv(): string {
    return [this.command, ...this.args].join(' ');
  }

  get exited(): boolean {
    return this.#exit !== null;
  }

  get exitStatus(): ProcessExit | null {
    return this.#exit;
  }

  onLine(listener: (line: string) => void): void {
    this.#lineListeners.push(listener);
  }

  onExit(listener: (exit: ProcessExit) => void): void {
    if (this.#exit) listener(this.#exit);
    else this.#exitListeners.push(listener);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.#exit || this.refuseSignals) return false;
    this.signals.push(signal);
    if (signal === 'SIGTERM' && this.ignoreSigterm) return true;
    // Like a real child: the exit is seen later, not inside kill().
    queueMicrotask(() => this.exit(null, signal));
    return true;
  }

  /** Prints one line on stdout. */
  print(line: string): void {
    if (this.#exit) throw new Error(`${this.argv} has exited and cannot print`);
    for (const listener of this.#lineListeners) listener(line);
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null, stderr = ''): void {
    if (this.#exit) return;
    this.#exit = { code, signal, stderr };
    for (const listener of this.#exitListeners.splice(0)) listener(this.#exit);
  }
}

/** Records every program the drivers start and answers the blocking ones through `sync`. */
export class FakeProcessRunner implements ProcessRunner {
  readonly spawned: FakeProcess[] = [];
  readonly syncCalls: string[] = [];
  sync: (command: string, args: readonly string[]) => SyncRunResult = () => ({ status: 0, stdout: '', stderr: '' });
  onSpawn: (process: FakeProcess) => void = () => undefined;

  spawn(command: string, args: readonly string[]): FakeProcess {
    const process = new FakeProcess(command, [...args]);
    this.spawned.push(process);
    this.onSpawn(process);
    return process;
  }

  runSync(command: string, args: readonly string[]): SyncRunResult {
    this.syncCalls.push([command, ...args].join(' '));
    return this.sync(command, args);
  }

  /** The argv of every spawned program, in order. */
  get argvs(): string[] {
    return this.spawned.map((process) => process.argv);
  }

  get running(): FakeProcess[] {
    return this.spawned.filter((process) => !process.exited);
  }

  /** The last gpiomon started on line `offset`. */
  monitor(offset: number): FakeProcess {
    return this.last(`gpiomon`, (process) => process.args.at(-1) === String(offset));
  }

  /** The last spawned program whose argv contains `fragment`. */
  last(fragment: string, where: (process: FakeProcess) => boolean = () => true): FakeProcess {
    const found = this.spawned.findLast((process) => process.argv.includes(fragment) && where(process));
    if (!found) throw new Error(`nothing spawned with "${fragment}"; spawned:\n${this.argvs.join('\n')}`);
    return found;
  }
}

export interface LibgpiodWorld {
  runner: FakeProcessRunner;
  /** What gpioget reads on any line (the door line, in practice). */
  level: 0 | 1;
}

/**
 * A runner that behaves like libgpiod `major` installed on a Pi: `gpioset --version` answers, gpioget
 * reads `world.level`, and one-shot gpiosets (pulses, set-and-exit) end by themselves with success.
 */
export function libgpiodWorld(major: 1 | 2, level: 0 | 1 = 0): LibgpiodWorld {
  const runner = new FakeProcessRunner();
  const world: LibgpiodWorld = { runner, level };
  runner.sync = (command, args) => {
    if (command === 'gpioset' && args[0] === '--version') {
      const version = major === 1 ? 'v1.6.3' : 'v2.2.1';
      return {
        status: 0,
        stdout: `gpioset (libgpiod) ${version}\nCopyright (C) 2017-2023 Bartosz Golaszewski\n`,
        stderr: '',
      };
    }
    if (command === 'gpioget') {
      const line = args.at(-1);
      const stdout = major === 1 ? `${world.level}\n` : `"${line}"=${world.level === 1 ? 'active' : 'inactive'}\n`;
      return { status: 0, stdout, stderr: '' };
    }
    return { status: 0, stdout: '', stderr: '' };
  };
  runner.onSpawn = (process) => {
    if (process.command === 'gpioset' && isOneShot(process.args)) queueMicrotask(() => process.exit(0));
  };
  return world;
}

export function isOneShot(args: readonly string[]): boolean {
  return args.some((arg) => arg === '--mode=time' || arg === '--mode=exit' || arg.startsWith('--toggle='));
}

/** A gpiomon line as `LibgpiodCli.monitor()` asks v1 to print it: offset, 1/0, seconds, nanoseconds. */
export function v1Edge(offset: number, rising: boolean, timestampNs: bigint): string {
  return `${offset} ${rising ? 1 : 0} ${timestampNs / 1_000_000_000n} ${timestampNs % 1_000_000_000n}`;
}

/** The same for v2: offset, rising/falling, seconds.nanoseconds. */
export function v2Edge(offset: number, rising: boolean, timestampNs: bigint): string {
  const nanos = String(timestampNs % 1_000_000_000n).padStart(9, '0');
  return `${offset} ${rising ? 'rising' : 'falling'} ${timestampNs / 1_000_000_000n}.${nanos}`;
}

/** Lets queued microtasks (fake exits, promise chains) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round += 1) await Promise.resolve();
}
