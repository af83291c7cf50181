import { describe, expect, it } from 'vitest';
import { AgentError } from '../../../src/AgentError';
import { HalConfig } from '../../../src/config';
import { createHal } from '../../../src/hal/createHal';
import { isRaspberryPi } from '../../../src/hal/gpio/detectRaspberryPi';
import { GpioHal } from '../../../src/hal/gpio/GpioHal';
import { SimulatedHal } from '../../../src/hal/SimulatedHal';
import { FakeMfrc522 } from './fakes/FakeMfrc522';
import { FakeProcessRunner, libgpiodWorld } from './fakes/FakeProcessRunner';
import { fakeSpi, thrown } from './halFixture';

function problems(raw: unknown): string[] {
  const parsed = HalConfig.safeParse(raw);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('createHal picks the driver (STYLE example 3)', () => {
  it('detects a Raspberry Pi from the device-tree model', () => {
    expect(isRaspberryPi('Raspberry Pi Zero W Rev 1.1')).toBe(true);
    expect(isRaspberryPi('Raspberry Pi Zero 2 W Rev 1.0')).toBe(true);
    expect(isRaspberryPi('Raspberry Pi 5 Model B Rev 1.0')).toBe(true);
    expect(isRaspberryPi('Hardkernel ODROID-C4')).toBe(false);
    expect(isRaspberryPi(null)).toBe(false);
  });

  it('auto: the GPIO driver on a Raspberry Pi', async () => {
    const world = libgpiodWorld(1);
    const hal = createHal(HalConfig.parse({ driver: 'auto' }), {
      readBoardModel: () => 'Raspberry Pi Zero W Rev 1.1',
      gpio: { runner: world.runner, spi: fakeSpi(new FakeMfrc522()), onFault: () => undefined },
    });
    expect(hal).toBeInstanceOf(GpioHal);
    expect(hal.driver).toBe('gpio');
    expect((hal as GpioHal).libgpiod).toBe(1);
    await hal.close();
  });

  it('auto: the simulator anywhere else, without touching the tools', async () => {
    const runner = new FakeProcessRunner();
    for (const model of [null, 'QEMU Virtual Machine']) {
      const hal = createHal(HalConfig.parse({ driver: 'auto' }), {
        readBoardModel: () => model,
        gpio: { runner },
      });
      expect(hal).toBeInstanceOf(SimulatedHal);
      expect(hal.readDoor()).toBe('closed');
      await hal.close();
    }
    expect(runner.syncCalls).toEqual([]);
  });

  it('gpio without libgpiod: hal_driver_unavailable naming the package to install', () => {
    const runner = new FakeProcessRunner();
    runner.sync = () => ({
      status: null,
      stdout: '',
      stderr: '',
      error: Object.assign(new Error('spawnSync gpioset ENOENT'), { code: 'ENOENT' }),
    });
    const error = thrown(() =>
      createHal(HalConfig.parse({ driver: 'gpio' }), { gpio: { runner, spi: fakeSpi(new FakeMfrc522()) } }),
    );
    expect(error).toBeInstanceOf(AgentError);
    expect(error.code).toBe('hal_driver_unavailable');
    expect(error.message).toBe(
      "hal_driver_unavailable: the GPIO driver needs libgpiod's command-line tools (gpioset, gpioget, gpiomon), and gpioset is not on the PATH: install them with `sudo apt install gpiod` (docs/agent-install.md)",
    );
    expect(runner.spawned).toEqual([]);
  });

  it('gpio with the RC522 on but no spi-device: refused before any line is touched', () => {
    const world = libgpiodWorld(2);
    const error = thrown(() =>
      createHal(HalConfig.parse({ driver: 'gpio' }), {
        gpio: {
          runner: world.runner,
          spi: {
            check: () => {
              throw new AgentError('hal_driver_unavailable', 'the RC522 badge reader needs spi-device');
            },
            open: () => Promise.reject(new Error('not reached')),
          },
        },
      }),
    );
    expect(error.message).toContain('needs spi-device');
    expect(world.runner.spawned).toEqual([]);
  });
});

describe('GPIO wiring in the configuration (SPEC §2 seed wiring)', () => {
  it('defaults to the seed: relay 17 active high, door 27, TRIG 23, ECHO 24, RC522 on SPI0 CE0 with reset 25', () => {
    expect(HalConfig.parse({ driver: 'gpio' })).toEqual({
      driver: 'gpio',
      chip: 'gpiochip0',
      libgpiod: 'auto',
      relayPin: 17,
      relayActiveHigh: true,
      doorPin: 27,
      trigPin: 23,
      echoPin: 24,
      echoTimeoutMs: 100,
      rfid: { enabled: true, spiBus: 0, spiChipSelect: 0, resetPin: 25, speedHz: 1_000_000, pollMs: 250 },
    });
  });

  it('keeps BCM numbers within 0–27', () => {
    expect(problems({ driver: 'gpio', relayPin: 28 })).toEqual([expect.stringMatching(/^relayPin: /)]);
    expect(problems({ driver: 'gpio', doorPin: -1 })).toEqual([expect.stringMatching(/^doorPin: /)]);
  });

  it('refuses two parts on one pin, and the SPI bus’s own pins, listing each clash', () => {
    expect(problems({ driver: 'gpio', doorPin: 17, echoPin: 10 })).toEqual([
      'doorPin: BCM 17 is already used by the relay',
      'echoPin: BCM 10 is already used by SPI0 MOSI',
    ]);
    expect(problems({ driver: 'gpio', relayPin: 8 })).toEqual(['relayPin: BCM 8 is already used by SPI0 CE0']);
    expect(problems({ driver: 'gpio', rfid: { spiBus: 1, spiChipSelect: 1 } })).toEqual([
      'relayPin: BCM 17 is already used by SPI1 CE1',
    ]);
    expect(problems({ driver: 'gpio', rfid: { spiChipSelect: 2 } })).toEqual([
      'rfid.spiChipSelect: SPI0 has chip selects 0 to 1',
    ]);
  });

  it('frees the SPI and reset pins when the reader is disabled', () => {
    expect(problems({ driver: 'gpio', relayPin: 10, doorPin: 25, rfid: { enabled: false } })).toEqual([]);
  });
});
