import { mkdirSync } from 'node:fs';
import type { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { type RunningAgent, startAgent } from '@smartlocker/agent';
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from '@smartlocker/stripe-emulator';
import { AccountRepository } from './accounts/AccountRepository';
import { AccountService } from './accounts/AccountService';
import { RateLimiter } from './accounts/RateLimiter';
import { RateLimitRepository } from './accounts/RateLimitRepository';
import { createAuth } from './auth/auth';
import { BrokerAccess, loadServerBrokerPassword, SERVER_BROKER_USERNAME } from './broker/brokerAccess';
import { type EmbeddedBroker, startEmbeddedBroker } from './broker/embeddedBroker';
import { LockerGateway } from './broker/LockerGateway';
import { type Clock, systemClock } from './clock';
import type { Config } from './config';
import { type DatabaseTarget, type OpenDatabase, openDatabase } from './db/database';
import {
  DEMO_LOCKERS,
  type DemoAccount,
  type DemoLocker,
  ensureDemoAccounts,
  ensureDemoBadge,
  ensureDemoLockers,
} from './demoData';
import { EventBus } from './eventBus';
import { createHttpApp, type HealthReport } from './http/app';
import { createMailer } from './mail/createMailer';
import { DevOutbox } from './mail/DevOutbox';
import { Postman } from './mail/Postman';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics, type Metrics } from './observability/metrics';
import { WEB_DIST_DIR } from './paths';
import { emulatorAddress } from './payments/emulatorAddress';
import { StripePaymentProvider } from './payments/StripePaymentProvider';
import { DeviceCredentials } from './provisioning/DeviceCredentials';
import { LockerProvisioning } from './provisioning/LockerProvisioning';
import { ProvisioningRepository } from './provisioning/ProvisioningRepository';
import { createSimulatorControl } from './provisioning/simulatorControl';
import { PushRepository } from './push/PushRepository';
import { PushService } from './push/PushService';
import { AdminBadgeRepository } from './repositories/AdminBadgeRepository';
import { AlertRepository } from './repositories/AlertRepository';
import { AuditRepository } from './repositories/AuditRepository';
import { BookingRepository } from './repositories/BookingRepository';
import { HistoryRepository } from './repositories/HistoryRepository';
import { LockerRepository } from './repositories/LockerRepository';
import { PairingRepository } from './repositories/PairingRepository';
import { PaymentRepository } from './repositories/PaymentRepository';
import { SessionRepository } from './repositories/SessionRepository';
import { UserRepository } from './repositories/UserRepository';
import { loadSecrets } from './secrets';
import { AppError } from './services/AppError';
import { BookingService } from './services/BookingService';
import { LockerConfigService } from './services/LockerConfigService';
import { OpenService } from './services/OpenService';
import { PairingService } from './services/PairingService';
import { SportSessionService } from './services/SportSessionService';

export const DEFAULT_WEB_ROOT = WEB_DIST_DIR;

export interface SystemOverrides {
  /** Tests use an in-memory PGlite instead of DATA_DIR/pglite. */
  database?: DatabaseTarget;
  logger?: Logger;
  webRoot?: string;
  /** Lockers seeded in demo mode and simulated; tests give unique ids to share one broker safely. */
  demoLockers?: readonly DemoLocker[];
  /** The time business rules see (bookings, sessions, expiry); tests pass a ManualClock. */
  clock?: Clock;
  /** Tests make the emulator's chaos deterministic (a seeded `random`). */
  stripeEmulator?: Pick<StripeEmulatorOptions, 'chaos' | 'retryDelaysMs'>;
  /** Tests reach a local push service with a self-signed certificate through this agent. */
  pushAgent?: Agent;
}

export interface RunningSystem {
  url: string;
  port: number;
  brokerUrl: string;
  demoAccounts: DemoAccount[];
  /** The administrator badge seeded in demo mode (present it on the workbench). */
  demoBadgeUid: string | null;
  /** The key lockers verify commands and configs with (SPKI PEM); provisioning hands it out. */
  commandPublicKeyPem: string;
  /** The server's own broker account (embedded broker, or MQTT_USERNAME); null when anonymous. */
  brokerAccount: { username: string; password?: string } | null;
  provisioning: LockerProvisioning;
  agents: RunningAgent[];
  gateway: LockerGateway;
  database: OpenDatabase;
  metrics: Metrics;
  bus: EventBus;
  clock: Clock;
  /** School bookings; tests call `tick()` after moving a ManualClock. */
  bookings: BookingService;
  /** The local Stripe emulator, when no Stripe keys are configured. */
  stripeEmulator: StripeEmulator | null;
  logger: Logger;
  /** Every HTTP route (method, path), so the authorization matrix test can insist on covering all. */
  httpRoutes: { method: string; path: string }[];
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
  const clock = overrides.clock ?? systemClock;
  mkdirSync(config.dataDir, { recursive: true });
  const secrets = loadSecrets(config);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
    }
  };

  // SPEC §12: the embedded broker knows the server's account and each locker's (checked in the
  // database once it is open); nobody connects anonymously.
  const serverBrokerPassword = config.mqtt.kind === 'embedded' ? loadServerBrokerPassword(config.dataDir) : '';
  const brokerAccount: RunningSystem['brokerAccount'] =
    config.mqtt.kind === 'embedded'
      ? { username: SERVER_BROKER_USERNAME, password: serverBrokerPassword }
      : config.mqtt.username
        ? { username: config.mqtt.username, password: config.mqtt.password }
        : null;
  let credentials: DeviceCredentials | null = null;
  const brokerAccess = new BrokerAccess({
    serverPassword: serverBrokerPassword,
    verifyDevice: (lockerId, secret) => credentials?.verify(lockerId, secret) ?? Promise.resolve(false),
  });

  try {
    // Both start at once; whichever succeeded is stopped again if the other failed.
    const [opened, startedBroker] = await Promise.allSettled([
      openDatabase(overrides.database ?? config.database),
      config.mqtt.kind === 'embedded'
        ? startEmbeddedBroker({ ...config.mqtt, access: brokerAccess, logger: logger.child({ part: 'broker' }) })
        : Promise.resolve<EmbeddedBroker | null>(null),
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
    const deviceCredentials = new DeviceCredentials(new ProvisioningRepository(database.db));
    credentials = deviceCredentials;
    // A rotated secret takes effect at once: the sessions opened with the old one end.
    if (broker) deviceCredentials.onRevoked((lockerId) => broker.disconnectDevice(lockerId));
    const alerts = new AlertRepository(database.db);
    const badges = new AdminBadgeRepository(database.db);

    const gateway = new LockerGateway({
      url: brokerUrl,
      ...brokerAccount,
      signingKey: secrets.commandPrivateKey,
      lockers,
      audit,
      alerts,
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
    // The node bindings (env) carry the socket: the rate limits key on the peer's address.
    let handler: (request: Request, env: unknown) => Response | Promise<Response> = () =>
      new Response('starting', { status: 503 });
    const server: ServerType = await new Promise((resolve) => {
      const s = serve(
        { fetch: (request, env) => handler(request, env), port: config.port, hostname: config.host },
        () => resolve(s),
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

    // Accounts (issue 4, docs/security.md): mail, rate limits in the database, better-auth.
    const mailer = createMailer(config, logger.child({ part: 'mail' }));
    const postman = new Postman(mailer, logger.child({ part: 'mail' }));
    cleanups.push(() => postman.close());
    const accountRepository = new AccountRepository(database.db);
    const limiter = new RateLimiter(new RateLimitRepository(database.db), secrets.authSecret);
    const sweep = setInterval(
      () => void limiter.sweep().catch((error: unknown) => logger.warn({ err: error }, 'rate-limit sweep failed')),
      10 * 60_000,
    );
    sweep.unref();
    cleanups.push(async () => clearInterval(sweep));
    // Settings and erasure of accounts (also what an administrator's "delete this user's data" calls).
    const accountService = new AccountService(users, accountRepository, pairings, audit, bus);
    const auth = createAuth({
      db: database.db,
      secret: secrets.authSecret,
      baseUrl,
      trustedOrigins,
      google: config.google,
      adminEmails: config.adminEmails,
      postman,
      users,
      accounts: accountRepository,
      audit,
      logger: logger.child({ part: 'auth' }),
    });

    const demoLockers = overrides.demoLockers ?? DEMO_LOCKERS;
    if (config.demoMode) await ensureDemoLockers(database.db, demoLockers);
    const demoAccounts = config.demoMode ? await ensureDemoAccounts(auth, users, config.dataDir) : [];

    await gateway.start();
    cleanups.push(() => gateway.stop());
    const demoBadgeUid = config.demoMode ? await ensureDemoBadge(badges) : null;
    const lockerConfig = new LockerConfigService(lockers, badges, gateway, logger.child({ part: 'config' }));
    await lockerConfig.pushToAll();

    const provisioning = new LockerProvisioning({
      repository: new ProvisioningRepository(database.db),
      credentials: deviceCredentials,
      lockers,
      audit,
      brokerUrl,
      commandPublicKeyPem: secrets.commandPublicKeyPem,
      onProvisioned: (lockerId) =>
        lockerConfig
          .pushTo(lockerId)
          .catch((error: unknown) => logger.error({ err: error, lockerId }, 'could not publish the locker config')),
    });
    const agents: RunningAgent[] = [];

    // Payments (issue 5, docs/payments.md): Stripe with keys, the local emulator otherwise.
    let stripeEmulator: StripeEmulator | null = null;
    const emulatorAt = emulatorAddress(config.host, config.publicUrl);
    if (config.payments.kind === 'emulator') {
      const emulator = await startStripeEmulator({
        host: emulatorAt.bindHost,
        publicHost: emulatorAt.publicHost,
        port: config.payments.port,
        now: () => clock.now(),
        webhookUrl: `${localUrl}/webhooks/stripe`,
        ...(config.payments.chaos ? { chaos: { duplicate: true, outOfOrder: true } } : {}),
        logger: logger.child({ part: 'stripe-emulator' }),
        ...overrides.stripeEmulator,
      });
      stripeEmulator = emulator;
      cleanups.push(() => emulator.stop());
    }
    const paymentProvider = new StripePaymentProvider(
      config.payments.kind === 'stripe'
        ? { secretKey: config.payments.secretKey, webhookSecret: config.payments.webhookSecret }
        : {
            secretKey: stripeEmulator?.secretKey ?? '',
            webhookSecret: stripeEmulator?.webhookSecret ?? '',
            emulator: { host: emulatorAt.sdkHost, port: stripeEmulator?.port ?? 0 },
          },
    );
    const paymentRepository = new PaymentRepository(database.db);
    const bookingService = new BookingService({
      bookings: new BookingRepository(database.db),
      payments: paymentRepository,
      lockers,
      pairings,
      users,
      audit,
      bus,
      postman,
      provider: paymentProvider,
      clock,
      appUrl: baseUrl,
      logger: logger.child({ part: 'bookings' }),
    });
    // Web Push (booking reminders): sent beside the in-app SSE reminder, to every browser the person
    // turned reminders on in.
    const pushRepository = new PushRepository(database.db);
    const push = new PushService({
      repository: pushRepository,
      vapid: secrets.vapid,
      logger: logger.child({ part: 'push' }),
      ...(overrides.pushAgent ? { agent: overrides.pushAgent } : {}),
    });
    cleanups.push(
      (() => {
        const off = bus.on('booking.reminder', (reminder) => {
          const body = reminder.extensionOffered
            ? `Votre réservation du ${reminder.lockerName} se termine à ${reminder.endsAtLocal}. Prolonger d'une heure ?`
            : `Votre réservation du ${reminder.lockerName} se termine à ${reminder.endsAtLocal}.`;
          void push
            .notify(
              reminder.userId,
              { title: 'Plus que 10 minutes', body, url: '/', tag: `booking-reminder-${reminder.bookingId}` },
              600,
            )
            .catch((error: unknown) => logger.warn({ err: error }, 'reminder push failed'));
        });
        return async () => off();
      })(),
    );
    // The booking clock: one pass at a time; every change it makes is one atomic statement, so
    // several instances ticking together still apply each exactly once.
    let ticking = false;
    const bookingClock = setInterval(() => {
      if (ticking) return;
      ticking = true;
      bookingService
        .tick()
        .catch((error: unknown) => logger.error({ err: error }, 'booking clock pass failed'))
        .finally(() => {
          ticking = false;
        });
    }, config.bookingTickMs);
    bookingClock.unref();
    cleanups.push(async () => clearInterval(bookingClock));

    // Sport sessions and history (issue 6).
    const sessionRepository = new SessionRepository(database.db);
    // Erasing an account: a running sport session is ended by its member first (their things are
    // inside); then school bookings are settled (holds let go, paid ones refunded).
    accountService.addErasureStep(async (userId) => {
      if (await sessionRepository.activeOfUser(userId)) {
        throw new AppError(409, 'session_active', 'End your sport session before deleting your account.');
      }
    });
    accountService.addErasureStep((userId) => bookingService.releaseUser(userId));
    const sportSessions = new SportSessionService({
      lockers,
      pairings,
      sessions: sessionRepository,
      users,
      audit,
      gateway,
      bus,
      clock,
    });

    const app = createHttpApp({
      auth,
      bus,
      logger: logger.child({ part: 'http' }),
      metrics,
      lockers,
      pairings,
      users,
      pairingService: new PairingService(lockers, pairings, audit, bus, sessionRepository),
      openService: new OpenService(lockers, pairings, audit, gateway, bookingService, sportSessions),
      admin: { lockers, badges, audit, gateway, lockerConfig },
      accounts: {
        service: accountService,
        repository: accountRepository,
        limiter,
        trustProxy: config.trustProxy,
        googleEnabled: config.google !== null,
        outbox: mailer instanceof DevOutbox ? mailer : null,
      },
      health,
      push: { service: push, repository: pushRepository },
      bookings: {
        service: bookingService,
        webhook: { provider: paymentProvider, payments: paymentRepository, bookings: bookingService, logger },
        clock,
      },
      sessions: { service: sportSessions, history: new HistoryRepository(database.db), clock },
      demoMode: config.demoMode,
      trustedOrigins,
      webRoot: overrides.webRoot ?? DEFAULT_WEB_ROOT,
      provisioning,
      ...(config.simulatedLockers ? { workbench: { simulator: createSimulatorControl(agents), demoBadgeUid } } : {}),
    });
    handler = (request, env) => app.fetch(request, env);

    if (config.simulatedLockers) {
      // The simulated lockers get a new broker secret at every start, handed to them here and
      // never written down; against an external broker they connect as that broker allows.
      const deviceSecrets = broker ? await Promise.all(demoLockers.map((l) => deviceCredentials.issue(l.id))) : [];
      for (const [index, locker] of demoLockers.entries()) {
        const secret = deviceSecrets[index] ?? null;
        if (broker && !secret) logger.warn({ lockerId: locker.id }, 'simulated locker not in the database');
        const agent = await startAgent(
          {
            lockerId: locker.id,
            mqtt: { url: brokerUrl, ...(secret ? { username: locker.id, password: secret } : {}) },
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
      demoBadgeUid,
      commandPublicKeyPem: secrets.commandPublicKeyPem,
      brokerAccount,
      provisioning,
      agents,
      gateway,
      database,
      metrics,
      bus,
      clock,
      bookings: bookingService,
      stripeEmulator,
      logger,
      httpRoutes: app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => ({ method: r.method, path: r.path }))
        .filter((r, i, all) => all.findIndex((o) => o.method === r.method && o.path === r.path) === i),
      health,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
