import { AgentError } from '../../../src/AgentError';
import { GpioHalConfig } from '../../../src/config';
import { GpioHal, type GpioHalDependencies } from '../../../src/hal/gpio/GpioHal';
import type { SpiProvider, SpiTransport } from '../../../src/hal/gpio/SpiTransport';
import { FakeMfrc522 } from './fakes/FakeMfrc522';
import { type LibgpiodWorld, libgpiodWorld } from './fakes/FakeProcessRunner';

export interface HalFixture extends LibgpiodWorld {
  hal: GpioHal;
  faults: AgentError[];
  reader: FakeMfrc522;
  spiOpens: string[];
}

/** An SPI provider whose only device is the fake MFRC522. */
export function fakeSpi(reader: FakeMfrc522, opens: string[] = []): SpiProvider {
  return {
    check: () => undefined,
    open: async (bus, chipSelect, speedHz): Promise<SpiTransport> => {
      opens.push(`spidev${bus}.${chipSelect} @ ${speedHz} Hz`);
      reader.closed = false;
      return reader;
    },
  };
}

/** A GpioHal on the seed's wiring over fakes of libgpiod `major` and of the RC522. */
export function gpioHal(
  major: 1 | 2,
  wiring: Record<string, unknown> = {},
  dependencies: GpioHalDependencies = {},
): HalFixture {
  const world = libgpiodWorld(major);
  const faults: AgentError[] = [];
  const reader = new FakeMfrc522();
  const spiOpens: string[] = [];
  const hal = new GpioHal(GpioHalConfig.parse({ driver: 'gpio', rfid: { enabled: false }, ...wiring }), {
    runner: world.runner,
    spi: fakeSpi(reader, spiOpens),
    onFault: (error) => faults.push(error),
    tuning: { restartDelayMs: 1_000, killTimeoutMs: 1_000, readerStartDelayMs: 0, sleep: async () => undefined },
    ...dependencies,
  });
  return Object.assign(world, { hal, faults, reader, spiOpens });
}

export function thrown(action: () => unknown): AgentError {
  try {
    action();
  } catch (error) {
    if (error instanceof AgentError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}
