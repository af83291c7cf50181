import type { HalConfig } from '../config';
import type { Scheduler } from '../Scheduler';
import { isRaspberryPi, readBoardModel } from './gpio/detectRaspberryPi';
import { GpioHal, type GpioHalDependencies } from './gpio/GpioHal';
import type { Hal } from './Hal';
import { SimulatedHal } from './SimulatedHal';

export interface CreateHalOptions {
  /** What the GPIO driver runs on; the real tools and SPI when absent. */
  gpio?: GpioHalDependencies;
  /** The board model, for `auto`; by default read from /proc/device-tree/model. */
  readBoardModel?: () => string | null;
  /** The simulator's clock and timers (tests); the wall clock by default. */
  scheduler?: Scheduler;
}

/**
 * Picks the driver named by the configuration (STYLE example 3: hardware behind an interface and a
 * factory). `auto` takes the GPIO driver on a Raspberry Pi and the simulator anywhere else, so one
 * configuration runs on the locker and on a laptop.
 */
export function createHal(config: HalConfig, options: CreateHalOptions = {}): Hal {
  switch (config.driver) {
    case 'simulator':
      return new SimulatedHal({
        ...(options.scheduler ? { scheduler: options.scheduler } : {}),
        initialDoor: config.initialDoor,
        autoPerson: config.autoPerson.enabled
          ? { autoOpenAfterMs: config.autoPerson.autoOpenAfterMs, autoCloseAfterMs: config.autoPerson.autoCloseAfterMs }
          : false,
      });
    case 'gpio':
      return new GpioHal(config, options.gpio);
    case 'auto':
      return isRaspberryPi((options.readBoardModel ?? readBoardModel)())
        ? new GpioHal(config, options.gpio)
        : new SimulatedHal();
  }
}
