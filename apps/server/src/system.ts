import { createPublicKey } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { type RunningAgent, type Scheduler, startAgent } from '@smartlocker/agent';
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from '@smartlocker/stripe-emulator';
import { AccountRepository } from './accounts/AccountRepository';
import { AccountService } from './accounts/AccountService';
import { localeOf } from './accounts/locale';
import { RateLimiter } from './accounts/RateLimiter';
import { RateLimitRepository } from './accounts/RateLimitRepository';
import { AlertService } from './alerts/AlertService';
import { verifyAuditChain } from './audit/AuditVerifier';
import { auditSigner, trustedAuditKeys } from './audit/auditChain';
import { createAuth } from './auth/auth';
import { startBackupSocket } from './backup/pgliteBackup';
import { BrokerAccess, loadServerBrokerPassword, SERVER_BROKER_USERNAME } from './broker/brokerAccess';
import { type EmbeddedBroker, startEmbeddedBroker } from './broker/embeddedBroker';
import { LockerGateway } from './broker/LockerGateway';
import { MosquittoDynamicSecurity } from './broker/MosquittoDynamicSecurity';
import { followLogFile, MosquittoLogWatch } from './broker/mosquittoLogWatch';
import { SiteBridges, SiteLockerRepository } from './broker/siteBridges';
import { type Clock, systemClock } from './clock';
import { PostgresEventRelay } from './cluster/PostgresEventRelay';
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
import { bookingReminderMessage } from './push/reminderMessage';
import { AdminBadgeRepository } from './repositories/AdminBadgeRepository';
import { AdminUserRepository } from './repositories/AdminUserRepository';
import { AlertRepository } from './repositories/AlertRepository';
import { AuditRepository } from './repositories/AuditRepository';
import { BookingRepository } from './repositories/BookingRepository';
import { FleetRepository } from './repositories/FleetRepository';
import { HistoryRepository } from './repositories/HistoryRepository';
import { LockerRepository } from './repositories/LockerRepository';
import { PairingRepository } from './repositories/PairingRepository';
import { PaymentRepository } from './repositories/PaymentRepository';
import { RevenueRepository } from './repositories/RevenueRepository';
import { SessionRepository } from './repositories/SessionRepository';
import { UserRepository } from './repositories/UserRepository';
import { loadSecrets } from './secrets';
import { SecurityAlerts } from './security/SecurityAlerts';
import { AdminOverview, OverviewFeed } from './services/AdminOverview';
import { AdminUserService } from './services/AdminUserService';
import { AppError } from './services/AppError';
import { BookingService } from './services/BookingService';
import { FleetService } from './services/FleetService';
import { LockerConfigService } from './services/LockerConfigService';
import { LockerInterventionService } from './services/LockerInterventionService';
import { OpenService } from './services/OpenService';
import { PairingService } from './services/PairingService';
import { RevenueService } from './services/RevenueService';
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
  /**
   * The simulated lockers' clock and timers (a ManualScheduler in tests, to let a 5-minute
   * lockdown run out in one call). Commands are then signed on that clock too, so the lockers
   * find them fresh.
   */
  agentScheduler?: Scheduler;
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
  /** Alerts and alarms (issue 10); tests wait on `idle()` for the pushes to go out. */
  alerts: AlertService;
  /** The local Stripe emulator, when no Stripe keys are configured. */
  stripeEmulator: StripeEmulator | null;
  logger: Logger;
  /** Every HTTP route (method, path), so the authorization matrix test can insist on covering all. */
  httpRoutes: { method: string; path: string }[];
  health(): Promise<HealthReport>;
  /**
   * Graceful shutdown (docs/deploy.md): stops accepting connections, ends the SSE streams (the
   * browsers reconnect, to another instance behind the proxy), lets in-flight requests finish
   * for at most `graceMs` (default `SHUTDOWN_GRACE_S`), then stops the parts in reverse order.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
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
  let security: SecurityAlerts | null = null;
  const brokerAccess = new BrokerAccess({
    serverPassword: serverBrokerPassword,
    verifyDevice: (lockerId, secret) => credentials?.verify(lockerId, secret) ?? Promise.resolve(false),
  });

  try {
    // Both start at once; whichever succeeded is stopped again if the other failed.
    const [opened, startedBroker] = await Promise.allSettled([
      openDatabase(overrides.database ?? config.database),
      config.mqtt.kind === 'embedded'
        ? startEmbeddedBroker({
            ...config.mqtt,
            access: brokerAccess,
            logger: logger.child({ part: 'broker' }),
            onDenied: (denial) => {
              if (security) security.brokerDenied(denial);
              else metrics.brokerDenied.inc({ action: denial.action, reason: denial.reason });
            },
          })
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
    // Online backups of the embedded database, over a socket in DATA_DIR (`npm run backup`).
    if (database.dump) {
      // Not fatal: a DATA_DIR whose socket path is too long (108 bytes) still serves people.
      const backups = await startBackupSocket({
        dataDir: config.dataDir,
        dump: database.dump,
        logger: logger.child({ part: 'backup' }),
      }).catch((error: unknown) => {
        logger.warn({ err: error }, 'online backups unavailable: stop the server to back up (docs/deploy.md)');
        return null;
      });
      if (backups) cleanups.push(() => backups.close());
    }
    const brokerUrl = broker ? broker.url : config.mqtt.kind === 'external' ? config.mqtt.url : '';
    // MQTT over TLS (issue 14): the lockers are given the mqtts:// listener and the CA to pin.
    const brokerCaPem = config.mqttTlsCaFile ? readBrokerCa(config.mqttTlsCaFile) : null;
    const deviceBrokerUrl = broker?.tlsUrl ? deviceFacingUrl(broker.tlsUrl, config.publicUrl) : brokerUrl;

    const lockers = new LockerRepository(database.db);
    metrics.countLockersOnlineWith(() => lockers.countOnline());
    // Several instances on one PostgreSQL share their bus events (ADR 11). PGlite has one
    // instance by construction (its lock file): nothing to share.
    const databaseTarget = overrides.database ?? config.database;
    let relay: PostgresEventRelay | null = null;
    if (databaseTarget.kind === 'postgres') {
      const started = new PostgresEventRelay({
        url: databaseTarget.url,
        bus,
        logger: logger.child({ part: 'relay' }),
        metrics,
      });
      await started.start();
      cleanups.push(() => started.stop());
      relay = started;
    }
    const pairings = new PairingRepository(database.db);
    const users = new UserRepository(database.db);
    const audit = new AuditRepository(database.db, auditSigner(secrets.commandPrivateKey));
    // Rows an earlier version wrote before the audit trail was chained join the chain first.
    const sealed = await audit.sealUnchained();
    if (sealed > 0) logger.info({ rows: sealed }, 'audit rows from before the hash chain were chained');
    // A production Mosquitto keeps the lockers' accounts in its dynamic-security plugin
    // (MQTT_DYNSEC, docs/deploy-mosquitto.md). Set up before the server's broker client connects:
    // granting the server its role drops that account's sessions.
    let deviceAccounts: MosquittoDynamicSecurity | null = null;
    if (config.mosquitto.dynamicSecurity && config.mqtt.kind === 'external' && brokerAccount?.password) {
      const accounts = await MosquittoDynamicSecurity.connect({
        url: config.mqtt.url,
        username: brokerAccount.username,
        password: brokerAccount.password,
        logger: logger.child({ part: 'dynsec' }),
      });
      cleanups.push(() => accounts.close());
      await accounts.setUp();
      deviceAccounts = accounts;
    }
    const deviceCredentials = new DeviceCredentials(new ProvisioningRepository(database.db), deviceAccounts);
    credentials = deviceCredentials;
    // A rotated secret takes effect at once: the sessions opened with the old one end.
    if (broker) deviceCredentials.onRevoked((lockerId) => broker.disconnectDevice(lockerId));
    const badges = new AdminBadgeRepository(database.db);

    // Web Push (booking reminders and alerts): to every browser the person turned it on in.
    const pushRepository = new PushRepository(database.db);
    const push = new PushService({
      repository: pushRepository,
      metrics,
      vapid: secrets.vapid,
      logger: logger.child({ part: 'push' }),
      ...(overrides.pushAgent ? { agent: overrides.pushAgent } : {}),
    });
    const alertService = new AlertService({
      alerts: new AlertRepository(database.db),
      lockers,
      audit,
      bus,
      push,
      metrics,
      logger: logger.child({ part: 'alerts' }),
      clock,
      offlineAfterMs: config.lockerOfflineAfterMs,
    });
    security = new SecurityAlerts({ alerts: alertService, logger: logger.child({ part: 'security' }), metrics });
    // Mosquitto tells nobody what it refused but its debug log (broker/mosquittoLogWatch.ts).
    if (config.mosquitto.logFile && config.mqtt.kind === 'external') {
      const alerts = security;
      const watch = new MosquittoLogWatch({
        onDenied: (denial) => alerts.brokerDenied(denial),
        serverUsername: brokerAccount?.username ?? SERVER_BROKER_USERNAME,
        logger: logger.child({ part: 'broker-log' }),
      });
      const followed = followLogFile(config.mosquitto.logFile, (line) => watch.feed(line), {
        logger: logger.child({ part: 'broker-log' }),
      });
      cleanups.push(() => followed.stop());
    }

    const agentScheduler = overrides.agentScheduler;
    // A site's bridge going down is that site's lockers going offline (docs/site-bridges.md).
    const siteBridges = new SiteBridges({
      siteLockers: new SiteLockerRepository(database.db),
      lockers,
      audit,
      bus,
      logger: logger.child({ part: 'site-bridges' }),
      ...(agentScheduler ? { now: () => agentScheduler.now() } : {}),
    });
    cleanups.push(() => siteBridges.stop());
    const gateway = new LockerGateway({
      url: brokerUrl,
      ...brokerAccount,
      ...(brokerCaPem && config.mqtt.kind === 'external' ? { ca: brokerCaPem } : {}),
      signingKey: secrets.commandPrivateKey,
      lockers,
      audit,
      alerts: alertService,
      bus,
      logger: logger.child({ part: 'gateway' }),
      metrics,
      offlineAfterMs: config.lockerOfflineAfterMs,
      security,
      ...(agentScheduler ? { now: () => agentScheduler.now() } : {}),
      ...(relay ? { othersRunning: async () => (await relay.peerCount()) > 0 } : {}),
      siteBridges,
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
    const draining = new AbortController();
    // Every open event stream listens to it (http/app.ts): thousands of browsers are not a leak.
    setMaxListeners(0, draining.signal);
    const drainHttp = (graceMs: number) => drainHttpServer(server, draining, graceMs, logger);
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
    const demoAccounts = config.demoMode ? await ensureDemoAccounts(auth, users, config.dataDir) : [];

    await gateway.start();
    cleanups.push(() => gateway.stop());
    alertService.start();
    cleanups.push(() => alertService.stop());
    const demoBadgeUid = config.demoMode ? await ensureDemoBadge(badges) : null;
    const lockerConfig = new LockerConfigService(lockers, badges, gateway, logger.child({ part: 'config' }));
    await lockerConfig.pushToAll();

    const provisioning = new LockerProvisioning({
      repository: new ProvisioningRepository(database.db),
      credentials: deviceCredentials,
      lockers,
      audit,
      brokerUrl: deviceBrokerUrl,
      brokerCaPem,
      commandPublicKeyPem: secrets.commandPublicKeyPem,
      onProvisioned: (lockerId) =>
        lockerConfig
          .pushTo(lockerId)
          .catch((error: unknown) => logger.error({ err: error, lockerId }, 'could not publish the locker config')),
    });
    // The demo lockers go through the same provisioning as any other (issue 11).
    if (config.demoMode) await ensureDemoLockers(provisioning, lockers, demoLockers);
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
        ? {
            secretKey: config.payments.secretKey,
            webhookSecret: config.payments.webhookSecret,
            ...(config.payments.apiUrl ? { emulator: stripeApiEndpoint(config.payments.apiUrl) } : {}),
          }
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
      atomically: (work) =>
        database.db.transaction((tx) =>
          work({ bookings: new BookingRepository(tx), payments: new PaymentRepository(tx), audit: audit.within(tx) }),
        ),
    });
    // The booking reminder goes by Web Push beside the in-app SSE reminder.
    cleanups.push(
      (() => {
        // Sent by the instance whose clock claimed the reminder; the others only show it.
        const off = bus.onOwn('booking.reminder', (reminder) => {
          void users
            .findById(reminder.userId)
            .then((user) =>
              push.notify(reminder.userId, bookingReminderMessage(reminder, localeOf(user?.locale)), {
                ttlSeconds: 600,
                urgency: 'high',
                purpose: 'reminder',
              }),
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

    // The admin panel (issue 11): people, sites and lockers, interventions, revenue, overview.
    const fleetRepository = new FleetRepository(database.db);
    const fleetService = new FleetService({ fleet: fleetRepository, lockers, audit, bus, clock });
    const revenueService = new RevenueService(new RevenueRepository(database.db), fleetRepository, clock);
    const adminOverview = new AdminOverview(fleetRepository, new AlertRepository(database.db), revenueService, clock);
    const overviewFeed = new OverviewFeed(bus, adminOverview, logger.child({ part: 'overview' }));
    const fleetAdmin = {
      users: new AdminUserService({
        adminUsers: new AdminUserRepository(database.db),
        users,
        pairings,
        sessions: sessionRepository,
        accounts: accountService,
        audit,
        bus,
        now: () => clock.now(),
      }),
      fleet: fleetService,
      interventions: new LockerInterventionService({
        fleet: fleetService,
        fleetRepository,
        lockers,
        pairings,
        sessions: sessionRepository,
        sportSessions,
        bookings: bookingService,
        gateway,
        credentials: deviceCredentials,
        audit,
        bus,
        clock,
      }),
      revenue: revenueService,
      overview: adminOverview,
      overviewFeed,
      provisioning: { provisioning, fleet: fleetService, publicUrl: baseUrl },
    };

    const app = createHttpApp({
      auth,
      bus,
      logger: logger.child({ part: 'http' }),
      metrics,
      lockers,
      pairings,
      users,
      pairingService: new PairingService(lockers, pairings, audit, bus, sessionRepository),
      openService: new OpenService(lockers, pairings, audit, gateway, bookingService, sportSessions, clock),
      admin: { lockers, badges, audit, gateway, lockerConfig },
      alerts: {
        alerts: alertService,
        audit,
        lockers,
        verifyAudit: () => verifyAuditChain(audit, trustedAuditKeys([createPublicKey(secrets.commandPrivateKey)])),
        clock,
        logger: logger.child({ part: 'audit' }),
      },
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
        webhook: { provider: paymentProvider, payments: paymentRepository, bookings: bookingService, audit, logger },
        clock,
      },
      sessions: { service: sportSessions, history: new HistoryRepository(database.db), clock },
      demoMode: config.demoMode,
      trustedOrigins,
      draining: draining.signal,
      webRoot: overrides.webRoot ?? DEFAULT_WEB_ROOT,
      fleetAdmin,
      ...(config.simulatedLockers ? { workbench: { simulator: createSimulatorControl(agents), demoBadgeUid } } : {}),
    });
    handler = (request, env) => app.fetch(request, env);

    if (config.simulatedLockers) {
      // The simulated lockers get a new broker secret at every start, handed to them here and
      // never written down (on Mosquitto with MQTT_DYNSEC too); against another external broker
      // they connect as that broker allows.
      const ownAccounts = broker !== null || deviceAccounts !== null;
      const deviceSecrets = ownAccounts ? await Promise.all(demoLockers.map((l) => deviceCredentials.issue(l.id))) : [];
      for (const [index, locker] of demoLockers.entries()) {
        const secret = deviceSecrets[index] ?? null;
        if (ownAccounts && !secret) logger.warn({ lockerId: locker.id }, 'simulated locker not in the database');
        const agent = await startAgent(
          {
            lockerId: locker.id,
            mqtt: { url: brokerUrl, ...(secret ? { username: locker.id, password: secret } : {}) },
            commandPublicKeyPem: secrets.commandPublicKeyPem,
            stateDir: join(config.dataDir, 'agents', locker.id),
            hal: { driver: 'simulator', autoPerson: { enabled: true } },
            logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
          },
          {
            logger: logger.child({ part: 'simulated-agent' }),
            ...(agentScheduler ? { scheduler: agentScheduler } : {}),
          },
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
      alerts: alertService,
      stripeEmulator,
      logger,
      httpRoutes: app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => ({ method: r.method, path: r.path }))
        .filter((r, i, all) => all.findIndex((o) => o.method === r.method && o.path === r.path) === i),
      health,
      stop: async (options) => {
        await drainHttp(options?.graceMs ?? config.shutdownGraceMs);
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function readBrokerCa(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read MQTT_TLS_CA_FILE ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`MQTT_TLS_CA_FILE ${path} holds no PEM certificate`);
  }
  return pem;
}

/**
 * The mqtts:// URL written into the lockers' configs: a listener on every interface is reached
 * at the public host name (the one its certificate names); a specific address as it is.
 */
function deviceFacingUrl(tlsUrl: string, publicUrl: string | null): string {
  const url = new URL(tlsUrl);
  if ((url.hostname === '0.0.0.0' || url.hostname === '[::]') && publicUrl) url.hostname = new URL(publicUrl).hostname;
  return `mqtts://${url.host}`;
}

/**
 * The first step of a graceful shutdown. `server.close()` stops accepting connections and closes
 * the idle keep-alive ones; the abort tells every SSE stream to end (EventSource reconnects by
 * itself, through the proxy to an instance still running); requests in flight get `graceMs` to
 * finish, after which whatever is left is cut.
 */
async function drainHttpServer(
  server: ServerType,
  draining: AbortController,
  graceMs: number,
  logger: Logger,
): Promise<void> {
  if (draining.signal.aborted) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  draining.abort();
  // A keep-alive connection whose request has just finished is idle now: close it too, rather
  // than wait for its keep-alive timeout.
  const sweep = setInterval(() => {
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  }, 50);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([closed, late]);
  clearTimeout(timer);
  clearInterval(sweep);
  if (outcome === 'late') {
    logger.warn({ graceMs }, 'requests still running after the shutdown grace period were cut');
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  }
}

/** STRIPE_API_URL: a Stripe-compatible API elsewhere than api.stripe.com (the emulator run on its own). */
function stripeApiEndpoint(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'https:' ? 'https' : 'http';
  return { host: parsed.hostname, port: Number(parsed.port || (protocol === 'https' ? 443 : 80)), protocol };
}
