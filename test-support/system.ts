import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RETAINED_CHANNELS, topicFor } from '@smartlocker/protocol';
import mqtt from 'mqtt';
import { loadConfig, type RunningSystem, type SystemOverrides, startSystem } from '../apps/server/src/index';
import type { BrokerBackend, DatabaseBackend } from './backends';
import { scratchDatabase } from './databases';

export interface TestSystem extends RunningSystem {
  /** The unique ids given to the two simulated lockers of this system. */
  lockerIds: { school: string; sport: string };
  codes: { school: string; sport: string };
  /** The system's DATA_DIR (the simulated agents keep their state under `agents/<id>`). */
  dataDirPath: string;
  dispose(): Promise<void>;
}

/**
 * The whole stack as `npm start` runs it, on ephemeral ports, in a temporary DATA_DIR, against
 * the given database and broker. Locker ids carry a random suffix so suites can share one
 * external broker (its retained messages included) without hearing each other.
 */
export async function startTestSystem(
  db: DatabaseBackend,
  broker: BrokerBackend,
  env: Record<string, string> = {},
  options: Pick<SystemOverrides, 'clock' | 'stripeEmulator' | 'pushAgent' | 'agentScheduler' | 'logger'> = {},
): Promise<TestSystem> {
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const lockerIds = { school: `ECOLE_T${suffix}`, sport: `SPORT_T${suffix}` };
  const codes = { school: `SL-ECOLE-T${suffix}`, sport: `SL-SPORT-T${suffix}` };
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-test-'));
  const scratch = await scratchDatabase(db);
  const result = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: dataDir,
    EMBEDDED_MQTT_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DEMO_MODE: 'true',
    STRIPE_EMULATOR_PORT: '0',
    ...(broker.url ? { MQTT_URL: broker.url } : {}),
    ...env,
  });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  let system: RunningSystem;
  try {
    system = await startSystem(result.config, {
      database: scratch.target,
      ...options,
      demoLockers: [
        { id: lockerIds.school, name: 'Casier école test', type: 'school', pairingCode: codes.school },
        { id: lockerIds.sport, name: 'Casier sport test', type: 'sport', pairingCode: codes.sport },
      ],
    });
  } catch (error) {
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...system,
    lockerIds,
    codes,
    dataDirPath: dataDir,
    dispose: async () => {
      await system.stop();
      if (broker.url) await clearRetained(broker.url, Object.values(lockerIds));
      await scratch.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An external broker keeps retained messages forever: remove the ones this system left. */
export async function clearRetained(url: string, lockerIds: string[]): Promise<void> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000 });
  try {
    for (const lockerId of lockerIds) {
      for (const channel of RETAINED_CHANNELS) {
        await client.publishAsync(topicFor(lockerId, channel), '', { retain: true, qos: 1 });
      }
    }
  } finally {
    await client.endAsync();
  }
}
