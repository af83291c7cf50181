import { stageTrace } from '@smartlocker/protocol';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import type { AccountRepository } from '../accounts/AccountRepository';
import type { AccountService } from '../accounts/AccountService';
import type { RateLimiter } from '../accounts/RateLimiter';
import type { Auth } from '../auth/auth';
import type { Clock } from '../clock';
import { databaseUnavailable } from '../db/pgErrors';
import type { EventBus } from '../eventBus';
import type { DevOutbox } from '../mail/DevOutbox';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { requestIds } from '../observability/requestContext';
import type { PushRepository } from '../push/PushRepository';
import type { PushService } from '../push/PushService';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { UserRepository, UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import type { BookingService } from '../services/BookingService';
import { type LockerView, toLockerView } from '../services/lockerView';
import type { OpenService } from '../services/OpenService';
import type { PairingService } from '../services/PairingService';
import { createAccountRoutes } from './accountRoutes';
import { type AdminRouteDeps, createAdminRoutes } from './adminRoutes';
import { type AlertRouteDeps, createAlertAdminRoutes, createNotificationRoutes } from './alertRoutes';
import { createAuthRoutes } from './authRoutes';
import { createBookingAdminRoutes, createBookingRoutes } from './bookingRoutes';
import { createDevOutboxRoutes } from './devOutboxRoutes';
import { createDevRoutes, type WorkbenchOptions } from './devRoutes';
import { createFleetAdminRoutes, type FleetAdminRouteDeps } from './fleetAdminRoutes';
import { createHistoryRoutes } from './historyRoutes';
import { createPaymentWebhookRoutes, type PaymentWebhookDeps } from './paymentWebhookRoutes';
import { createProvisioningRoutes, type ProvisioningRouteDeps } from './provisioningRoutes';
import { createPushRoutes } from './pushRoutes';
import { readJsonBody } from './requestBody';
import { createRouteHints, readViteManifest } from './routeHints';
import { securityHeaders } from './securityHeaders';
import { createSessionRoutes, readSessionState, type SessionHttpDeps } from './sessionRoutes';
import { createStaticHandler } from './staticFiles';

export interface HttpDeps {
  auth: Auth;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  lockers: LockerRepository;
  pairings: PairingRepository;
  users: UserRepository;
  pairingService: PairingService;
  openService: OpenService;
  /** Sport sessions, history and the dashboard's stats (issue 6). */
  sessions: SessionHttpDeps;
  /** Web Push subscriptions (booking reminders). */
  push: { service: PushService; repository: PushRepository };
  /** School bookings and their payments (issue 5). */
  bookings: { service: BookingService; webhook: PaymentWebhookDeps; clock: Clock };
  health: () => Promise<HealthReport>;
  demoMode: boolean;
  /** Origins allowed to send state-changing requests (CSRF defence). */
  trustedOrigins: string[];
  /** Aborted when the server shuts down: every SSE stream ends, so browsers reconnect elsewhere. */
  draining?: AbortSignal;
  webRoot: string;
  sseKeepAliveMs?: number;
  admin: AdminRouteDeps;
  /** Alarms, notification settings and the audit trail (issue 10). */
  alerts: Omit<AlertRouteDeps, 'metrics'>;
  accounts: AccountHttpDeps;
  /** The admin panel's API (issue 11, docs/admin-api.md) and its live overview. */
  fleetAdmin: FleetAdminRouteDeps & {
    provisioning: ProvisioningRouteDeps;
    overviewFeed: { subscribe(listener: (overview: unknown) => void): () => void };
  };
  /** The simulated lockers' hardware: the workbench routes exist only with it (SIMULATED_LOCKERS). */
  workbench?: WorkbenchOptions;
}

/** Accounts (issue 4): settings routes, rate limits, public configuration, development outbox. */
export interface AccountHttpDeps {
  service: AccountService;
  repository: AccountRepository;
  limiter: RateLimiter;
  trustProxy: boolean;
  googleEnabled: boolean;
  /** The development outbox, when mail is not sent by SMTP (GET /api/dev/outbox). */
  outbox: DevOutbox | null;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  db: 'ok' | 'down';
  broker: 'ok' | 'down';
  lockersOnline: number | null;
}

type Env = { Variables: { user: UserRow } };

const PairBody = z.object({ code: z.string().max(64) });
const PremiumBody = z.object({ premium: z.boolean() });
const LockerIdParam = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);
/**
 * No JSON body of the API is more than a few kilobytes. Larger ones are refused while they
 * arrive (413), before anything parses them. The photo upload and the payment webhook have their
 * own, larger caps, read the same way.
 */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** The locker an open request names, for the bench's stage marks (stageTrace); null for any other request. */
function openedLocker(method: string, path: string): string | null {
  if (method !== 'POST' || !path.endsWith('/open')) return null;
  return /^\/api\/lockers\/([^/]+)\/open$/.exec(path)?.[1] ?? null;
}

export function createHttpApp(deps: HttpDeps) {
  const app = new Hono<Env>();
  const serveWeb = createStaticHandler(deps.webRoot, createRouteHints(readViteManifest(deps.webRoot)));

  app.onError((error, c) => {
    if (error instanceof AppError) {
      return c.json(
        { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
        error.status,
      );
    }
    // The database restarting or out of reach: a moment's wait, not a bug (issue 14).
    if (databaseUnavailable(error)) {
      deps.logger.warn({ err: error, path: c.req.path }, 'database unavailable');
      c.header('retry-after', '5');
      return c.json(
        { error: { code: 'database_unavailable', message: 'The service is briefly unavailable; try again shortly.' } },
        503,
      );
    }
    deps.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } }, 500);
  });

  app.use('*', async (c, next) => {
    const locker = openedLocker(c.req.method, c.req.path);
    if (locker) stageTrace.mark(locker, 'http_in');
    await next();
  });
  // First: every later middleware, route and log line runs with the request's id.
  app.use('*', requestIds());
  app.use(
    '*',
    securityHeaders({
      https: deps.trustedOrigins.some((origin) => origin.startsWith('https://')),
      trustProxy: deps.accounts.trustProxy,
    }),
  );

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    deps.metrics.httpRequests.inc({ method: c.req.method, route, status: `${Math.floor(c.res.status / 100)}xx` });
    deps.metrics.httpDuration.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
    // The access log, at debug: with the request id of every other line of the request.
    deps.logger.debug(
      { method: c.req.method, route, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request served',
    );
  });

  // What the screens read is gzipped (a week of the booking calendar is 23 KB of JSON): GET
  // answers in JSON only. The event stream and the CSV exports, streamed as they are written,
  // and the small answers to actions (an open), where it would only add time, are left as they are.
  const gzipJson = compress({ contentTypeFilter: /^application\/json/ });
  app.use('/api/*', (c, next) => (c.req.method === 'GET' ? gzipJson(c, next) : next()));

  app.get('/healthz', async (c) => {
    const report = await deps.health();
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });

  app.get('/metrics', async (c) => {
    return c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType });
  });

  const jsonBodyLimit = bodyLimit({
    maxSize: MAX_JSON_BODY_BYTES,
    onError: (c) => c.json({ error: { code: 'payload_too_large', message: 'The request body is too large.' } }, 413),
  });
  app.use('/api/*', async (c, next) => {
    if (c.req.method === 'PUT' && c.req.path === '/api/me/photo') return next();
    return jsonBodyLimit(c, next);
  });

  // CSRF: a state-changing API call must come from one of our own origins. Browsers send
  // Origin on every cross-origin POST/PUT/PATCH/DELETE. This covers better-auth's routes too
  // (sign-in included: no login CSRF), whatever better-auth itself checks (docs/security.md).
  app.use('/api/*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const origin = c.req.header('origin');
      const site = c.req.header('sec-fetch-site');
      if (origin ? !deps.trustedOrigins.includes(origin) : site === 'cross-site') {
        throw new AppError(403, 'csrf_rejected', 'This request did not come from the SmartLocker app.');
      }
    }
    await next();
  });

  app.route(
    '/api/auth',
    createAuthRoutes({
      auth: deps.auth,
      limiter: deps.accounts.limiter,
      accounts: deps.accounts.repository,
      trustProxy: deps.accounts.trustProxy,
      logger: deps.logger,
      audit: deps.alerts.audit,
      users: deps.users,
    }),
  );
  // What the sign-in page needs before anyone is signed in.
  app.get('/api/public-config', (c) => c.json({ googleEnabled: deps.accounts.googleEnabled, demoMode: deps.demoMode }));
  if (deps.accounts.outbox) app.route('/api/dev', createDevOutboxRoutes(deps.accounts.outbox));

  const api = new Hono<Env>();
  api.use('*', async (c, next) => {
    const session = await deps.auth.api.getSession({ headers: c.req.raw.headers });
    const locker = openedLocker(c.req.method, c.req.path);
    if (locker) stageTrace.mark(locker, 'session_read');
    const user = session ? await deps.users.findById(session.user.id) : null;
    if (!user) throw new AppError(401, 'unauthenticated', 'Sign in to continue.');
    c.set('user', user);
    await next();
  });

  async function pairedLockerView(userId: string): Promise<LockerView | null> {
    const lockerId = await deps.pairings.activeLockerOf(userId);
    if (!lockerId) return null;
    const found = await deps.lockers.findWithSite(lockerId);
    return found ? toLockerView(found.locker, found.site) : null;
  }

  api.get('/me', async (c) => {
    const user = c.get('user');
    return c.json({
      user: await deps.accounts.service.publicUser(user),
      demoMode: deps.demoMode,
      // The server's clock, so countdowns in the browser follow it (it is not the device's).
      now: deps.bookings.clock.now().toISOString(),
      locker: await pairedLockerView(user.id),
      // Additive (issue 6): the running sport session and the member's totals, for the dashboard.
      ...(await readSessionState(deps.sessions, user.id)),
    });
  });

  // SPEC §3: the demo's self-service Premium switch, absent unless DEMO_MODE is on.
  api.post('/me/premium', async (c) => {
    if (!deps.demoMode) throw new AppError(404, 'not_found', 'No such route.');
    const body = await readJsonBody(c.req.raw, PremiumBody);
    const updated = await deps.users.update(c.get('user').id, { premium: body.premium });
    if (!updated) throw new AppError(404, 'not_found', 'Account not found.');
    return c.json({ user: await deps.accounts.service.publicUser(updated) });
  });

  // PATCH /me, DELETE /me and /me/photo: the settings of one's own account.
  api.route(
    '/',
    createAccountRoutes({
      auth: deps.auth,
      service: deps.accounts.service,
      accounts: deps.accounts.repository,
      limiter: deps.accounts.limiter,
    }),
  );

  api.post('/pairing', async (c) => {
    const body = await readJsonBody(c.req.raw, PairBody);
    const locker = await deps.pairingService.pair(c.get('user').id, body.code);
    return c.json({ locker }, 201);
  });

  api.delete('/pairing', async (c) => {
    await deps.pairingService.unpair(c.get('user').id);
    return c.body(null, 204);
  });

  api.post('/lockers/:id/open', async (c) => {
    const id = LockerIdParam.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError(403, 'not_paired', 'You can only open the locker paired to your account.');
    stageTrace.mark(id.data, 'authenticated');
    const result = await deps.openService.open(c.get('user'), id.data);
    return c.json(result, 202);
  });

  // Live updates for one person: their locker's state and the outcome of their commands,
  // pushed as they happen (never polled).
  api.get('/events', (c) => {
    const user = c.get('user');
    return streamSSE(c, async (stream) => {
      deps.metrics.sseClients.inc();
      let lockerId = await deps.pairings.activeLockerOf(user.id);
      let queue = Promise.resolve();
      const send = (event: string, data: unknown) => {
        queue = queue.then(() => stream.writeSSE({ event, data: JSON.stringify(data) })).catch(() => stream.abort());
      };
      const unsubscribe = [
        deps.bus.on('locker.changed', ({ locker }) => {
          if (locker.id !== lockerId) return;
          stageTrace.mark(locker.id, 'sse_queued');
          send('locker', locker);
          queue = queue.then(() => stageTrace.mark(locker.id, 'sse_written'));
        }),
        // Alerts at the person's locker, shown live (issue 10); the push goes to its current user.
        deps.bus.on('alert.raised', ({ alert, ownerId }) => {
          if (alert.lockerId !== lockerId && ownerId !== user.id) return;
          send('alert', {
            alertId: alert.id,
            lockerId: alert.lockerId,
            type: alert.kind,
            severity: alert.severity,
            state: alert.state,
            data: alert.data,
            at: alert.raisedAt,
          });
        }),
        // Administrators follow every alarm and every locker of the fleet (the admin panel).
        ...(user.role === 'admin'
          ? [
              deps.bus.on('alert.raised', ({ alert }) => send('alarm', alert)),
              deps.bus.on('alert.changed', ({ alert }) => send('alarm', alert)),
              deps.bus.on('locker.changed', ({ locker }) => send('fleet-locker', locker)),
              // Issue 11: the overview's counters, coalesced to at most one a second.
              deps.fleetAdmin.overviewFeed.subscribe((overview) => send('overview', overview)),
            ]
          : []),
        deps.bus.on('command.acknowledged', (ack) => {
          if (ack.userId !== user.id) return;
          send('command', { commandId: ack.commandId, outcome: ack.outcome, reason: ack.reason });
        }),
        // Issue 6: the running session and the totals, which a school booking's change moves too.
        ...(['session.changed', 'booking.changed'] as const).map((event) =>
          deps.bus.on(event, (change) => {
            if (change.userId !== user.id) return;
            queue = queue
              .then(async () => {
                const state = await readSessionState(deps.sessions, user.id);
                await stream.writeSSE({ event: 'session', data: JSON.stringify(state) });
              })
              .catch(() => stream.abort());
          }),
        ),
        deps.bus.on('booking.changed', (change) => {
          if (change.userId === user.id) send('booking', change.booking);
        }),
        deps.bus.on('booking.reminder', ({ userId, ...reminder }) => {
          if (userId === user.id) send('reminder', reminder);
        }),
        deps.bus.on('pairing.changed', (change) => {
          if (change.userId !== user.id) return;
          lockerId = change.lockerId;
          queue = queue.then(async () => {
            await stream.writeSSE({ event: 'locker', data: JSON.stringify(await pairedLockerView(user.id)) });
          });
        }),
      ];
      send('session', await readSessionState(deps.sessions, user.id));
      send('locker', await pairedLockerView(user.id));
      const keepAlive = setInterval(() => send('ping', {}), deps.sseKeepAliveMs ?? 25_000);
      // The draining signal lives as long as the server: the listener goes with the stream, or
      // every stream ever opened would stay referenced from it (MaxListenersExceededWarning).
      const listening = new AbortController();
      await new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        if (deps.draining?.aborted) resolve();
        deps.draining?.addEventListener('abort', () => resolve(), { once: true, signal: listening.signal });
      });
      listening.abort();
      clearInterval(keepAlive);
      for (const off of unsubscribe) off();
      deps.metrics.sseClients.dec();
    });
  });

  api.route('/sessions', createSessionRoutes(deps.sessions));
  api.route('/', createHistoryRoutes({ ...deps.sessions, logger: deps.logger, metrics: deps.metrics }));
  api.route('/admin/lockers', createBookingAdminRoutes(deps.bookings.service));
  api.route('/push', createPushRoutes(deps.push));
  api.route('/admin', createAdminRoutes(deps.admin));
  api.route('/admin', createAlertAdminRoutes({ ...deps.alerts, metrics: deps.metrics }));
  api.route('/me/notifications', createNotificationRoutes(deps.alerts.alerts));
  api.route('/admin', createFleetAdminRoutes(deps.fleetAdmin));
  api.route('/admin', createProvisioningRoutes(deps.fleetAdmin.provisioning));
  if (deps.workbench) {
    api.route('/dev/workbench', createDevRoutes({ ...deps, ...deps.workbench }));
  }

  api.route(
    '/',
    createBookingRoutes(deps.bookings.service, () => deps.bookings.clock.now()),
  );

  api.all('*', () => {
    throw new AppError(404, 'not_found', 'No such route.');
  });

  app.route('/webhooks', createPaymentWebhookRoutes({ ...deps.bookings.webhook, metrics: deps.metrics }));
  app.route('/api', api);
  app.get('*', (c) => serveWeb(c));
  return app;
}
