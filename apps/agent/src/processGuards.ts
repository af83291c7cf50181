import type { Logger } from 'pino';
import type { RunningAgent } from './Agent';

/** A stop that takes longer than this (a hung broker) is cut short: the relay is released and the process exits. */
const STOP_DEADLINE_MS = 10_000;

export interface ProcessGuardOptions {
  logger: Logger;
  /** Ends the process; injectable for tests. */
  exit?: (code: number) => void;
  /** The process whose signals and failures are watched; injectable for tests. */
  process?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Makes every way out of the agent's process release the strike first (SPEC §2: the relay is
 * "always de-energised (also on error)"): SIGTERM (systemd stop) and SIGINT (Ctrl-C) stop the
 * agent cleanly, a second signal or a stop that hangs releases the relay synchronously and exits,
 * and an uncaught exception or unhandled rejection releases it before the process dies. SIGKILL
 * and power cuts cannot be caught: the release at start-up (Controller) covers those.
 * Returns a function that removes the guards.
 */
export function installProcessGuards(agent: RunningAgent, options: ProcessGuardOptions): () => void {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target = options.process ?? process;
  let stopping = false;

  const releaseNow = (): void => {
    try {
      agent.hal.setRelay(false);
    } catch (error) {
      logger.fatal({ err: error }, 'the relay driver refused the final release');
    }
  };

  const onFatal = (error: unknown): void => {
    logger.fatal({ err: error }, 'unexpected failure; releasing the relay and exiting');
    releaseNow();
    exit(1);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // "Now": the operator does not want to wait for the broker.
      releaseNow();
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'stop took too long; releasing the relay and exiting');
      releaseNow();
      exit(1);
    }, STOP_DEADLINE_MS);
    deadline.unref();
    agent.stop().then(
      () => {
        clearTimeout(deadline);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.error({ err: error }, 'unclean stop');
        releaseNow();
        exit(1);
      },
    );
  };

  target.on('SIGINT', onSignal);
  target.on('SIGTERM', onSignal);
  target.on('uncaughtException', onFatal);
  target.on('unhandledRejection', onFatal);
  return () => {
    target.off('SIGINT', onSignal);
    target.off('SIGTERM', onSignal);
    target.off('uncaughtException', onFatal);
    target.off('unhandledRejection', onFatal);
  };
}
