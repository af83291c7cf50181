import { AgentError } from '../AgentError';
import type { HalConfig } from '../config';
import type { Hal } from './Hal';
import { SimulatedHal } from './SimulatedHal';

/** Picks the driver named by the configuration (STYLE: hardware behind an interface and a factory). */
export function createHal(config: HalConfig): Hal {
  switch (config.driver) {
    case 'simulator':
      return new SimulatedHal({
        initialDoor: config.initialDoor,
        autoPerson: config.autoPerson.enabled
          ? { autoOpenAfterMs: config.autoPerson.autoOpenAfterMs, autoCloseAfterMs: config.autoPerson.autoCloseAfterMs }
          : false,
      });
    case 'gpio':
      throw new AgentError(
        'hal_driver_not_built',
        `the GPIO driver (relay on BCM ${config.relayPin}, door sensor on BCM ${config.doorPin}) is not built yet; ` +
          'set hal.driver to "simulator" until it ships',
      );
  }
}
