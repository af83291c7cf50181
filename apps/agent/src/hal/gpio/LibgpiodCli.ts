import { AgentError } from '../../AgentError';
import { describeExit, type ProcessExit, type ProcessRunner, type SyncRunResult } from './ProcessRunner';

/** The two command-line syntaxes: v1 (Raspberry Pi OS Bullseye/Bookworm) and v2 (Trixie on). */
export type LibgpiodMajor = 1 | 2;
export type LineBias = 'pull-up' | 'pull-down' | 'as-is';
export type LineLevel = 0 | 1;

/** One edge on a watched line, with the kernel's timestamp taken when the interrupt fired. */
export interface EdgeEvent {
  offset: number;
  rising: boolean;
  timestampNs: bigint;
}

/** A program and its arguments. */
export interface Invocation {
  command: string;
  args: string[];
}

/** Shown to the installer whenever a tool is missing (docs/agent-install.md, "Raspberry Pi OS"). */
export const INSTALL_GPIOD_HINT = 'install them with `sudo apt install gpiod` (docs/agent-install.md)';
/** How the lines are named in `gpioinfo`, so an installer sees who holds them. */
const CONSUMER = 'smartlocker';
const VERSION_TIMEOUT_MS = 5_000;
/** Bias needs the v2 kernel uAPI support that came with libgpiod 1.5. */
const OLDEST_V1_MINOR = 5;

const V1_EVENT = /^(\d+) ([01]) (\d+) (\d+)$/;
const V2_EVENT = /^(\d+) (rising|falling) (\d+)\.(\d{9})$/;

/**
 * Builds the argv of libgpiod's `gpioset`, `gpioget` and `gpiomon` for the installed major
 * version, and parses what they print. Both syntaxes are spelled out here and nowhere else; the
 * drivers only ask for "hold this line at 1" or "watch this line".
 */
export class LibgpiodCli {
  constructor(
    readonly major: LibgpiodMajor,
    readonly chip: string,
  ) {}

  /**
   * Asks `gpioset --version` which syntax to speak (or checks the tool is there when the config
   * forces one). Throws `hal_driver_unavailable` with what to install when the tools are absent.
   */
  static detect(runner: ProcessRunner, chip: string, forced: 'auto' | 'v1' | 'v2' = 'auto'): LibgpiodCli {
    const result = runner.runSync('gpioset', ['--version'], VERSION_TIMEOUT_MS);
    if (result.error?.code === 'ENOENT') {
      throw new AgentError(
        'hal_driver_unavailable',
        `the GPIO driver needs libgpiod's command-line tools (gpioset, gpioget, gpiomon), and gpioset is not on the PATH: ${INSTALL_GPIOD_HINT}`,
      );
    }
    if (result.error || result.status !== 0) {
      throw new AgentError(
        'hal_driver_unavailable',
        `\`gpioset --version\` failed (${describeExit(result)}); reinstall the tools: ${INSTALL_GPIOD_HINT}`,
      );
    }
    if (forced !== 'auto') return new LibgpiodCli(forced === 'v1' ? 1 : 2, chip);
    const version = /\(libgpiod\)\s+v?(\d+)\.(\d+)/.exec(result.stdout);
    if (!version) {
      throw new AgentError(
        'hal_driver_unavailable',
        `cannot tell the libgpiod version from \`gpioset --version\` (${JSON.stringify(result.stdout.split('\n')[0])}); set hal.libgpiod to "v1" or "v2"`,
      );
    }
    const major = Number(version[1]);
    const minor = Number(version[2]);
    if (major < 1 || (major === 1 && minor < OLDEST_V1_MINOR)) {
      throw new AgentError(
        'hal_driver_unavailable',
        `libgpiod v${major}.${minor} is too old (the door sensor needs the pull-up bias of v1.5 or later): ${INSTALL_GPIOD_HINT} on a current Raspberry Pi OS`,
      );
    }
    // v2 rewrote the tools' syntax; later majors are expected to keep it.
    return new LibgpiodCli(major === 1 ? 1 : 2, chip);
  }

  /** A gpioset that drives the line and keeps it requested until it is signalled. */
  hold(offset: number, level: LineLevel): Invocation {
    return this.major === 1
      ? gpioset(['--mode=signal', this.chip, `${offset}=${level}`])
      : gpioset([`--consumer=${CONSUMER}`, `--chip=${this.chip}`, `${offset}=${level}`]);
  }

  /** A gpioset that drives the line and exits (the line is then released, its level up to the kernel). */
  setOnce(offset: number, level: LineLevel): Invocation {
    return this.major === 1
      ? gpioset(['--mode=exit', this.chip, `${offset}=${level}`])
      : gpioset(['--toggle=0', `--consumer=${CONSUMER}`, `--chip=${this.chip}`, `${offset}=${level}`]);
  }

  /**
   * A high pulse of about `widthUs`, ending low. v2 toggles back within one process; v1 can only
   * set-and-wait, so a second call drives the line low (its high time then includes one process
   * start, which an HC-SR04 accepts: it fires on the falling edge). The pull-down keeps the
   * released line low between pulses.
   */
  pulse(offset: number, widthUs: number): Invocation[] {
    if (this.major === 1) {
      return [
        gpioset(['--mode=time', `--usec=${widthUs}`, '--bias=pull-down', this.chip, `${offset}=1`]),
        gpioset(['--mode=exit', '--bias=pull-down', this.chip, `${offset}=0`]),
      ];
    }
    return [
      gpioset([
        '--bias=pull-down',
        `--toggle=${widthUs}us,0`,
        `--consumer=${CONSUMER}`,
        `--chip=${this.chip}`,
        `${offset}=1`,
      ]),
    ];
  }

  /** A gpioget that reads the line once, as an input with the given bias. */
  get(offset: number, bias: LineBias): Invocation {
    return this.major === 1
      ? { command: 'gpioget', args: [...biasArgs(bias), this.chip, String(offset)] }
      : {
          command: 'gpioget',
          args: [...biasArgs(bias), `--consumer=${CONSUMER}`, `--chip=${this.chip}`, String(offset)],
        };
  }

  /** A long-running gpiomon printing both edges of the line, one machine-readable line each. */
  monitor(offset: number, bias: LineBias): Invocation {
    return this.major === 1
      ? {
          command: 'gpiomon',
          // v1 buffers stdout on a pipe unless told otherwise; %n is not zero-padded, hence two fields.
          args: [...biasArgs(bias), '--line-buffered', '--format=%o %e %s %n', this.chip, String(offset)],
        }
      : {
          command: 'gpiomon',
          args: [
            ...biasArgs(bias),
            '--edges=both',
            '--format=%o %E %S',
            `--consumer=${CONSUMER}`,
            `--chip=${this.chip}`,
            String(offset),
          ],
        };
  }

  /** Parses one gpiomon line printed with `monitor()`'s format; null for anything else. */
  parseEvent(line: string): EdgeEvent | null {
    const match = (this.major === 1 ? V1_EVENT : V2_EVENT).exec(line.trim());
    if (!match) return null;
    const [, offset = '', edge = '', seconds = '0', nanos = '0'] = match;
    return {
      offset: Number(offset),
      // v1 prints 1 (rising) or 0 (falling), v2 the word.
      rising: edge === '1' || edge === 'rising',
      timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
    };
  }

  /** Parses gpioget's answer: v1 prints `1`, v2 prints `"27"=active` (or `1` with --numeric). */
  parseLevel(stdout: string): LineLevel | null {
    const text = stdout.trim();
    const match = /(?:^|=)(active|inactive|0|1)$/.exec(text);
    if (!match) return null;
    return match[1] === 'active' || match[1] === '1' ? 1 : 0;
  }

  /** The error for a tool that failed, with the hint that fits its message. */
  failure(what: string, result: ProcessExit | SyncRunResult): AgentError {
    const detail = describeExit(result);
    const hint =
      result.error?.code === 'ENOENT'
        ? INSTALL_GPIOD_HINT
        : /permission denied|EACCES/i.test(`${result.stderr} ${result.error?.code ?? ''}`)
          ? `the agent's user cannot open /dev/${this.chip}: add it to the gpio group (docs/agent-install.md)`
          : /busy/i.test(result.stderr)
            ? 'another program holds the line: see who with `gpioinfo` and stop it'
            : /cannot find|unable to open|no such/i.test(result.stderr)
              ? `check hal.chip ("${this.chip}"): \`gpiodetect\` lists the chips`
              : 'see the tool message';
    return new AgentError('hal_driver_unavailable', `${what} failed (${detail}); ${hint}`);
  }
}

function gpioset(args: string[]): Invocation {
  return { command: 'gpioset', args };
}

function biasArgs(bias: LineBias): string[] {
  // Both majors take --bias=pull-up|pull-down; leaving it out keeps the line's bias as it is.
  return bias === 'as-is' ? [] : [`--bias=${bias}`];
}
