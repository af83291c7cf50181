import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerType, serve } from '@hono/node-server';
import { type RunningAgent, startAgent } from '@smartlocker/agent';
import { createAuth } from './auth/auth';
import { type EmbeddedBroker, startEmbeddedBroker } from './broker/embeddedBroker';
import { LockerGateway } from './broker/LockerGateway';
import type { Config } from './config';
import { type DatabaseTarget, type OpenDatabase, openDatabase } from './db/database';
import { DEMO_LOCKERS, type DemoAccount, type DemoLocker, ensureDemoAccounts, ensureDemoLockers } from './demoData';
import { EventBus } from './eventBus';
import { createHttpApp, type HealthReport } from './http/app';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { AuditRepository } from './repositories/AuditRepository';
import { LockerRepository } from './repositories/LockerRepository';
import { PairingRepository } from './repositories/PairingRepository';
import { UserRepository } from './repositories/UserRepository';
import { loadSecrets } from './secrets';
import { OpenService } from './services/OpenService';
import { PairingService } from './services/PairingService';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

export interface SystemOverrides {
  /** Tests use an in-memory PGlite instead of DATA_DIR/pglite. */
  database?: DatabaseTarget;
  logger?: Logger;
  webRoot?: string;
  /** Lockers seeded in demo mode and simulated; tests give unique ids to share one broker safely. */
  demoLockers?: readonly DemoLocker[];
}

export interface RunningSystem {
  url: string;
  port: number;
  brokerUrl: string;
  demoAccounts: DemoAccount[];
  agents: RunningAgent[];
  gateway: LockerGateway;
  database: OpenDatabase;
  metrics: Metrics;
  bus: EventBus;
  logger: Logger;
  health(): Promise<HealthReport>;
  stop(): Promise<void>;
}

/**
 * The one wiring point (STYLE.md ex. 1): builds every part, hands each its collaborators, and
 * knows the order to start and stop them in.
 */
export async function startSystem(config: Config, overrides: SystemOverrides = {}): Promise<RunningSystem> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const bus = new EventBus();
  mkdirSync(config.dataDir, { recursive: true });
  const secrets = loadSecrets(config);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };

  try {
    // Both start at once; whichever succeeded is stopped again if the other failed.
    const [opened, startedBroker] = await Promise.allSettled([
      openDatabase(overrides.database ?? config.database),
      config.mqtt.kind === 'embedded' ? startEmbeddedBroker(config.mqtt) : Promise.resolve<EmbeddedBroker | null>(null),
    ]);
    if (opened.status === 'fulfilled') cleanups.push(() => opened.value.close());
    if (startedBroker.status === 'fulfilled' && startedBroker.value) {
      const embedded = startedBroker.value;
      cleanups.push(() => embedded.close());
    }
    if (opened.status === 'rejected') throw opened.reason;
    if (startedBroker.status === 'rejected') throw startedBroker.reason;
    const database = opened.value;
    const broker = startedBroker.value;
    const brokerUrl = broker ? broker.url : config.mqtt.kind === 'external' ? config.mqtt.url : '';

    const lockers = new LockerRepository(database.db);
    const pairings = new PairingRepository(database.db);
    const users = new UserRepository(database.db);
    const audit = new AuditRepository(database.db);

    const gateway = new LockerGateway({
      url: brokerUrl,
      ...(config.mqtt.kind === 'external' ? { username: config.mqtt.username, password: config.mqtt.password } : {}),
      signingKey: secrets.commandPrivateKey,
      lockers,
      audit,
      bus,
      logger: logger.child({ part: 'gateway' }),
      metrics,
      offlineAfterMs: config.lockerOfflineAfterMs,
    });

    const health = async (): Promise<HealthReport> => {
      const dbOk = await database.ping().then(
        () => true,
        () => false,
      );
      const lockersOnline = dbOk ? await lockers.countOnline().catch(() => null) : null;
      if (lockersOnline !== null) metrics.lockersOnline.set(lockersOnline);
      const brokerOk = gateway.connected;
      return {
        status: dbOk && brokerOk ? 'ok' : 'degraded',
        db: dbOk ? 'ok' : 'down',
        broker: brokerOk ? 'ok' : 'down',
        lockersOnline,
      };
    };

    // The listening port is needed for the auth base URL, so bind first with a placeholder
    // handler, then install the app.
    let handler: (request: Request) => Response | Promise<Response> = () => new Response('starting', { status: 503 });
    const server: ServerType = await new Promise((resolve) => {
      const s = serve({ fetch: (request) => handler(request), port: config.port, hostname: config.host }, () =>
        resolve(s),
      );
    });
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          // Open SSE streams would hold close() forever: end them first.
          if ('closeAllConnections' in server) server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    const localUrl = `http://localhost:${port}`;
    const baseUrl = config.publicUrl ?? localUrl;
    const trustedOrigins = [...new Set([baseUrl, localUrl, `http://127.0.0.1:${port}`].map((u) => new URL(u).origin))];

    const auth = createAuth({ db: database.db, secret: secrets.authSecret, baseUrl, trustedOrigins });

    const demoLockers = overrides.demoLockers ?? DEMO_LOCKERS;
    if (config.demoMode) await ensureDemoLockers(database.db, demoLockers);
    const demoAccounts = config.demoMode ? await ensureDemoAccounts(auth, users, config.dataDir) : [];

    await gateway.start();
    cleanups.push(() => gateway.stop());

    const app = createHttpApp({
      auth,
      bus,
      logger: logger.child({ part: 'http' }),
      metrics,
      lockers,
      pairings,
      users,
      pairingService: new PairingService(lockers, pairings, audit, bus),
      openService: new OpenService(lockers, pairings, audit, gateway),
      health,
      demoMode: config.demoMode,
      trustedOrigins,
      webRoot: overrides.webRoot ?? DEFAULT_WEB_ROOT,
    });
    handler = (request) => app.fetch(request);

    const agents: RunningAgent[] = [];
    if (config.simulatedLockers) {
      for (const locker of demoLockers) {
        const agent = await startAgent(
          {
            lockerId: locker.id,
            mqtt: { url: brokerUrl },
            commandPublicKeyPem: secrets.commandPublicKeyPem,
            stateDir: join(config.dataDir, 'agents', locker.id),
            hal: { driver: 'simulator', autoPerson: { enabled: true } },
            logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
          },
          { logger: logger.child({ part: 'simulated-agent' }) },
        );
        agents.push(agent);
        cleanups.push(() => agent.stop());
      }
    }

    return {
      url: localUrl,
      port,
      brokerUrl,
      demoAccounts,
      agents,
      gateway,
      database,
      metrics,
      bus,
      logger,
      health,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
