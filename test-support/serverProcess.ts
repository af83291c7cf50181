import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Spawns what `npm start` runs, on ephemeral ports and its own DATA_DIR, with nothing from this
 * process's environment but PATH: the process tests and the start-up bench measure the real thing.
 */
export function spawnStart(dataDir: string, options: { logLevel: string; stdio: StdioOptions }): ChildProcess {
  return spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      EMBEDDED_MQTT_PORT: '0',
      STRIPE_EMULATOR_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: options.logLevel,
    },
    stdio: options.stdio,
  });
}
