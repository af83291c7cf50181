import type { DoorState } from '@smartlocker/protocol';
import { AgentError } from '../../AgentError';
import type { GpioHalConfig } from '../../config';
import type { Hal } from '../Hal';
import { Hcsr04 } from './Hcsr04';
import { LibgpiodCli, type LibgpiodMajor, type LineLevel } from './LibgpiodCli';
import { OutputLineHolder } from './OutputLineHolder';
import { nodeProcessRunner, type ProcessRunner, type RunningProcess } from './ProcessRunner';
import { Rc522BadgeReader } from './Rc522BadgeReader';
import { ReedDoorSensor } from './ReedDoorSensor';
import { type SpiProvider, spiDeviceProvider } from './SpiTransport';

/** The wiring part of the configuration (the `driver` field only chose this class). */
export type GpioWiring = Omit<GpioHalConfig, 'driver'>;

export interface GpioHalDependencies {
  /** Runs the libgpiod tools; a fake in tests. */
  runner?: ProcessRunner;
  /** Opens the RC522's SPI device; by default through the optional `spi-device` package. */
  spi?: SpiProvider;
  /**
   * Driver faults after start-up (a watcher died, the reader stopped answering, a holder could not
   * drive its line). Each is also visible as its effect (door `unknown`, no distance, no badges).
   * Defaults to a line on stderr, which systemd puts in the journal.
   */
  onFault?: (error: AgentError) => void;
  clock?: () => number;
  /** Shorter waits for tests. */
  tuning?: {
    restartDelayMs?: number;
    killTimeoutMs?: number;
    readerStartDelayMs?: number;
    readerRetryDelayMs?: number;
    sleep?: (ms: number) => Promise<void>;
  };
}

/** Time for the reset holder to raise RST and the MFRC522's oscillator to start (datasheet §8.8.2). */
const DEFAULT_READER_START_DELAY_MS = 250;

function reportOnStderr(error: AgentError): void {
  process.stderr.write(`smartlocker-agent: hardware fault: ${error.message}\n`);
}

/**
 * The locker's hardware on a Raspberry Pi (SPEC §2), with nothing compiled at install: the relay,
 * door sensor and HC-SR04 through libgpiod's command-line tools (docs/adr/0004-gpio-library.md),
 * the RC522 over SPI through `spi-device`, loaded only here and only on the Pi.
 *
 * Construction checks everything a person can fix at install time and throws
 * `hal_driver_unavailable` saying how; it then releases the relay before anything else runs
 * (fail-secure at start-up).
 */
export class GpioHal implements Hal {
  readonly driver = 'gpio' as const;
  readonly libgpiod: LibgpiodMajor;
  readonly #wiring: GpioWiring;
  readonly #clock: () => number;
  readonly #onFault: (error: AgentError) => void;
  readonly #relay: OutputLineHolder;
  readonly #door: ReedDoorSensor;
  readonly #distance: Hcsr04;
  readonly #rfidReset: OutputLineHolder | null = null;
  readonly #badges: Rc522BadgeReader | null = null;
  /** Every tool this driver started that is still running. */
  readonly #tools = new Set<RunningProcess>();
  readonly #onProcessExit = (): void => this.killToolsNow();
  #closing: Promise<void> | null = null;

  constructor(wiring: GpioWiring, dependencies: GpioHalDependencies = {}) {
    const runner = this.#tracking(dependencies.runner ?? nodeProcessRunner);
    const tuning = dependencies.tuning ?? {};
    const onFault = dependencies.onFault ?? reportOnStderr;
    const restart = tuning.restartDelayMs === undefined ? {} : { restartDelayMs: tuning.restartDelayMs };
    const holderTuning = {
      ...(tuning.killTimeoutMs === undefined ? {} : { killTimeoutMs: tuning.killTimeoutMs }),
      ...(tuning.restartDelayMs === undefined ? {} : { retryDelayMs: tuning.restartDelayMs }),
    };
    this.#wiring = wiring;
    this.#clock = dependencies.clock ?? Date.now;
    this.#onFault = onFault;

    const cli = LibgpiodCli.detect(runner, wiring.chip, wiring.libgpiod);
    this.libgpiod = cli.major;
    const spi = dependencies.spi ?? spiDeviceProvider();
    if (wiring.rfid.enabled) spi.check(wiring.rfid.spiBus, wiring.rfid.spiChipSelect);

    this.#relay = new OutputLineHolder({
      runner,
      cli,
      offset: wiring.relayPin,
      label: `the relay (BCM ${wiring.relayPin})`,
      initial: this.#relayLevel(false),
      safeLevel: this.#relayLevel(false),
      onFault,
      ...holderTuning,
    });

    this.#door = new ReedDoorSensor({ runner, cli, offset: wiring.doorPin, onFault, ...restart });
    try {
      this.#door.start();
    } catch (error) {
      // Nothing else started yet; the relay goes back to released and the line is freed.
      this.#relay.close(this.#relayLevel(false)).catch(onFault);
      throw error;
    }
    // A process that exits without close() (a crash path calling process.exit) must not leave
    // holders behind: outside systemd's cgroup they would keep the lines and drive them.
    process.once('exit', this.#onProcessExit);

    this.#distance = new Hcsr04({
      runner,
      cli,
      trigOffset: wiring.trigPin,
      echoOffset: wiring.echoPin,
      echoTimeoutMs: wiring.echoTimeoutMs,
      onFault,
      ...restart,
    });
    this.#distance.start();

    if (wiring.rfid.enabled) {
      const { spiBus, spiChipSelect, speedHz, pollMs, resetPin } = wiring.rfid;
      // NRSTPD high keeps the MFRC522 out of power-down (datasheet §8.8.1).
      this.#rfidReset = new OutputLineHolder({
        runner,
        cli,
        offset: resetPin,
        label: `the RC522 reset (BCM ${resetPin})`,
        initial: 1,
        safeLevel: 1,
        onFault,
        ...holderTuning,
      });
      this.#badges = new Rc522BadgeReader({
        openTransport: () => spi.open(spiBus, spiChipSelect, speedHz),
        label: `the RC522 (SPI${spiBus} CE${spiChipSelect})`,
        pollMs,
        onFault,
        startDelayMs: tuning.readerStartDelayMs ?? DEFAULT_READER_START_DELAY_MS,
        ...(tuning.readerRetryDelayMs === undefined ? {} : { retryDelayMs: tuning.readerRetryDelayMs }),
        ...(tuning.sleep === undefined ? {} : { chip: { sleep: tuning.sleep } }),
      });
      this.#badges.start();
    }
  }

  setRelay(energised: boolean): void {
    if (this.#closing !== null) {
      // close() released it already; energising a closed driver is a bug worth a throw.
      if (!energised) return;
      throw new AgentError('hal_driver_unavailable', 'the GPIO driver is closed');
    }
    try {
      this.#relay.set(this.#relayLevel(energised));
    } catch (error) {
      if (energised) throw error;
      throw new AgentError(
        'relay_release_failed',
        `could not release the relay (BCM ${this.#wiring.relayPin}): ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  readDoor(): DoorState {
    return this.#door.door;
  }

  readDistanceCm(): Promise<number | null> {
    return this.#distance.read();
  }

  now(): number {
    return this.#clock();
  }

  onDoorChange(listener: (door: DoorState) => void): () => void {
    return this.#door.onChange(listener);
  }

  onBadge(listener: (uid: string) => void): () => void {
    return this.#badges?.onBadge(listener) ?? (() => undefined);
  }

  /** Releases the relay (driving it released one last time), stops every tool and closes SPI. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * The last resort of an exiting process: signals every running tool at once, synchronously.
   * The relay holder ending releases the line (see OutputLineHolder on what the kernel then does);
   * close() is the orderly way and also drives the relay released one last time.
   */
  killToolsNow(): void {
    for (const tool of this.#tools) tool.kill('SIGTERM');
  }

  async #close(): Promise<void> {
    process.off('exit', this.#onProcessExit);
    const [relay, ...others] = await Promise.allSettled([
      this.#relay.close(this.#relayLevel(false)),
      this.#door.close(),
      this.#distance.close(),
      this.#badges?.close(),
      this.#rfidReset?.close(),
    ]);
    for (const other of others) {
      if (other.status === 'rejected') this.#onFault(asAgentError(other.reason));
    }
    if (relay?.status === 'rejected') {
      throw new AgentError(
        'relay_release_failed',
        `could not drive the relay (BCM ${this.#wiring.relayPin}) released while closing: ${(relay.reason as Error).message}`,
        { cause: relay.reason },
      );
    }
  }

  #tracking(runner: ProcessRunner): ProcessRunner {
    return {
      spawn: (command, args) => {
        const tool = runner.spawn(command, args);
        this.#tools.add(tool);
        tool.onExit(() => this.#tools.delete(tool));
        return tool;
      },
      runSync: (command, args, timeoutMs) => runner.runSync(command, args, timeoutMs),
    };
  }

  /** The line level for a relay state: an active-low module is energised by a low line. */
  #relayLevel(energised: boolean): LineLevel {
    return energised === this.#wiring.relayActiveHigh ? 1 : 0;
  }
}

function asAgentError(reason: unknown): AgentError {
  return reason instanceof AgentError
    ? reason
    : new AgentError('hal_driver_unavailable', (reason as Error).message ?? String(reason), { cause: reason });
}
