import { type Logger, pino } from 'pino';
import { Agent, type RunningAgent } from './Agent';
import { type AgentConfigInput, parseAgentConfig } from './config';
import { createHal } from './hal/createHal';
import type { Hal } from './hal/Hal';
import type { Scheduler } from './Scheduler';

export type { AgentSnapshot, RunningAgent } from './Agent';
export { AGENT_ERROR_CODES, AgentError, type AgentErrorCode } from './AgentError';
export {
  AGENT_FIRMWARE_VERSION,
  type AgentConfig,
  type AgentConfigInput,
  type AgentRules,
  type AgentTimings,
  type HalConfig,
  loadAgentConfigFile,
  parseAgentConfig,
} from './config';
export { createHal } from './hal/createHal';
export type { Hal, HalDriver } from './hal/Hal';
export {
  type AutoPersonOptions,
  SimulatedHal,
  type SimulatedHalOptions,
  type SimulatedHardware,
} from './hal/SimulatedHal';
export { installProcessGuards, type ProcessGuardOptions } from './processGuards';
export { ManualScheduler, realScheduler, type ScheduledTimer, type Scheduler } from './Scheduler';

export interface StartAgentOptions<H extends Hal = Hal> {
  /** A HAL to use instead of the one `config.hal` names, e.g. a SimulatedHal the caller drives. */
  hal?: H;
  logger?: Logger;
  /**
   * The device rules' clock and timers (and a simulated HAL's): tests pass a ManualScheduler to let
   * a 5-minute lockdown run out in one call. The wall clock by default.
   */
  scheduler?: Scheduler;
}

/**
 * Starts one locker agent in this process: the CLI uses it for a real locker, and the server for
 * simulated ones. Resolves once started, without waiting for the broker (a locker keeps working,
 * fail-secure, while the network is down); use `waitUntilConnected()` to wait for it.
 */
export async function startAgent<H extends Hal = Hal>(
  config: AgentConfigInput,
  options: StartAgentOptions<H> = {},
): Promise<RunningAgent<H>> {
  const parsed = parseAgentConfig(config);
  const logger = (options.logger ?? pino({ name: 'smartlocker-agent', level: parsed.logLevel })).child({
    lockerId: parsed.lockerId,
  });
  // Without an injected HAL, H is the default `Hal`, so the cast only restates what createHal returns.
  const hal =
    options.hal ??
    (createHal(parsed.hal, {
      ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      // Driver faults (a dead gpiomon, an SPI error) go to the agent's log, not to stderr.
      gpio: { onFault: (error: Error) => logger.error({ err: error }, error.message) },
    }) as H);
  let agent: Agent<H>;
  try {
    agent = new Agent(parsed, hal, logger, options.scheduler);
  } catch (error) {
    if (!options.hal) await hal.close();
    throw error;
  }
  agent.start();
  return agent;
}
