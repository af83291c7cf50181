import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, noSuchObject } from './apiError';
import { renderCheckoutPage, renderMessagePage } from './checkoutPage';
import { readCheckoutSessionParams } from './checkoutSessionParams';
import { type FormParams, ParamReader, parseFormBody } from './formParams';
import { IdempotencyStore, type SavedResponse } from './idempotency';
import { newId } from './ids';
import type { CheckoutSessionObject, EventObject } from './objects';
import { type PaymentAttempt, PaymentLedger, type RequestCause, successRedirect } from './paymentLedger';
import { readRefundParams } from './refundParams';
import { futureExpiry, testCvcFor } from './testCards';
import { type ChaosOptions, type DeliveryRecord, type EmulatorLogger, WebhookDispatcher } from './webhookDispatcher';
import { generateWebhookSecret } from './webhookSignature';

export interface StripeEmulatorOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** The key the SDK must send as Bearer; default `sk_test_emulator`. */
  secretKey?: string;
  /** The `whsec_...` secret webhooks are signed with; default a random one. */
  webhookSecret?: string;
  /** Where events are POSTed; can be set later with `setWebhookUrl`. */
  webhookUrl?: string;
  /**
   * Business clock for `created`, `expires_at` checks and auto-expiry (tests move it). Webhook signature
   * timestamps always use the real clock, since the receiver checks them against its own.
   */
  now?: () => Date;
  /** Waits between delivery attempts to a failing endpoint; default 1 s, 5 s, 30 s, 2 min, 10 min. */
  retryDelaysMs?: number[];
  /** Deliver some events twice, or hold one back and send it after the next; off by default. */
  chaos?: ChaosOptions;
  /** Base URL of the hosted checkout pages; default `http://<publicHost>:<port>`. */
  publicUrl?: string;
  /**
   * Host name browsers reach the hosted pages at, on the emulator's own port; default `host`
   * (bound to every interface, a phone on the LAN pays at the machine's name or address).
   */
  publicHost?: string;
  logger?: EmulatorLogger;
}

export interface StripeEmulator {
  url: string;
  /** Where the hosted checkout pages are, without a trailing slash. */
  checkoutBaseUrl: string;
  host: string;
  port: number;
  secretKey: string;
  webhookSecret: string;
  setWebhookUrl(url: string | null): void;
  /** Expire every open session whose expires_at <= now() (also runs on a 1 s unref'd timer). */
  expireDue(): Promise<number>;
  /** Test helper: pay as the hosted page would, with a future expiry and a valid CVC. */
  pay(sessionId: string, card: string): Promise<{ ok: boolean; declineCode?: string }>;
  /** Test helper: end a payment started with the async card `4000 0000 0000 3055`. */
  settleAsyncPayment(sessionId: string, outcome: 'succeeded' | 'failed'): Promise<void>;
  getSession(id: string): CheckoutSessionObject | undefined;
  deliveries(): DeliveryRecord[];
  /** Resolves when no delivery is pending or being retried. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The API version the installed `stripe` SDK (v23) pins; events carry the version clients ask for. */
export const DEFAULT_API_VERSION = '2026-10-28.endive';
export const DEFAULT_SECRET_KEY = 'sk_test_emulator';
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000];

const AUTO_EXPIRY_INTERVAL_MS = 1_000;
const MAX_BODY_BYTES = 1024 * 1024;
const SILENT: EmulatorLogger = { info() {}, warn() {} };

interface ApiRequest {
  params: ParamReader;
  /** Path segments captured by the route. */
  ids: string[];
  cause: RequestCause;
}

interface Route {
  method: 'GET' | 'POST';
  path: RegExp;
  handle(request: ApiRequest): object;
}

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = options.host ?? '127.0.0.1';
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const webhookSecret = options.webhookSecret ?? generateWebhookSecret();
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? SILENT;
  const nowSeconds = () => Math.floor(now().getTime() / 1000);
  let apiVersion = DEFAULT_API_VERSION;

  const dispatcher = new WebhookDispatcher({
    secret: webhookSecret,
    url: options.webhookUrl ?? null,
    retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    chaos: options.chaos ?? {},
    logger,
  });
  const idempotency = new IdempotencyStore();
  // The ledger needs the public URL, known only once the port is; requests wait for `listen` anyway.
  let ledger: PaymentLedger | undefined;
  const requireLedger = (): PaymentLedger => {
    if (!ledger) throw new Error('stripe emulator is not listening yet');
    return ledger;
  };

  const routes: Route[] = [
    {
      method: 'POST',
      path: /^\/v1\/checkout\/sessions$/,
      handle: ({ params }) => requireLedger().createCheckoutSession(readCheckoutSessionParams(params, nowSeconds())),
    },
    {
      method: 'GET',
      path: /^\/v1\/checkout\/sessions\/([^/]+)$/,
      handle: ({ ids: [id = ''] }) => {
        // Do not wait for the next timer tick: a test that moved the clock reads the expiry at once.
        requireLedger().expireDue();
        return requireLedger().getSession(id) ?? throwMissing('checkout.session', id);
      },
    },
    {
      method: 'POST',
      path: /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/,
      handle: ({ ids: [id = ''], cause }) => requireLedger().expireSession(id, cause),
    },
    {
      method: 'GET',
      path: /^\/v1\/payment_intents\/([^/]+)$/,
      handle: ({ ids: [id = ''] }) => requireLedger().getPaymentIntent(id) ?? throwMissing('payment_intent', id),
    },
    {
      method: 'GET',
      path: /^\/v1\/charges\/([^/]+)$/,
      handle: ({ ids: [id = ''] }) => requireLedger().getCharge(id) ?? throwMissing('charge', id),
    },
    {
      method: 'POST',
      path: /^\/v1\/refunds$/,
      handle: ({ params, cause }) => requireLedger().createRefund(readRefundParams(params), cause),
    },
    {
      method: 'GET',
      path: /^\/v1\/refunds\/([^/]+)$/,
      handle: ({ ids: [id = ''] }) => requireLedger().getRefund(id) ?? throwMissing('refund', id),
    },
  ];

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const requestId = newId('req_', 14);
    const requestedVersion = header(req, 'stripe-version');
    if (requestedVersion) apiVersion = requestedVersion;
    const idempotencyKey = method === 'POST' ? (header(req, 'idempotency-key') ?? null) : null;
    const baseHeaders: Record<string, string> = {
      'request-id': requestId,
      'stripe-version': requestedVersion ?? apiVersion,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    const send = (response: SavedResponse, extra: Record<string, string> = {}) =>
      sendJson(res, response.status, response.body, { ...baseHeaders, 'request-id': response.requestId, ...extra });
    const fail = (error: ApiError, extra: Record<string, string> = {}) =>
      send({ status: error.status, body: JSON.stringify(error.toBody(), null, 2), requestId }, extra);

    const authError = checkAuthorization(header(req, 'authorization'), secretKey);
    if (authError) return fail(authError, { 'www-authenticate': 'Bearer realm="Stripe"' });

    const route = routes.find((r) => r.method === method && r.path.test(url.pathname));
    const match = route?.path.exec(url.pathname);
    if (!route || !match) {
      return fail(new ApiError(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${url.pathname}).`));
    }

    let params: FormParams;
    try {
      params = method === 'POST' ? parseFormBody(await readBody(req)) : parseFormBody(url.search.slice(1));
    } catch (error) {
      if (error instanceof ApiError) return fail(error);
      throw error;
    }
    const endpoint = `${method} ${url.pathname}`;
    try {
      if (idempotencyKey) {
        const replay = idempotency.replay(idempotencyKey, endpoint, params);
        if (replay) return send(replay, { 'idempotent-replayed': 'true' });
      }
    } catch (error) {
      if (error instanceof ApiError) return fail(error);
      throw error;
    }

    let response: SavedResponse;
    let keep = true;
    try {
      const reader = new ParamReader(params);
      const object = route.handle({
        params: reader,
        ids: match.slice(1).map(decodeURIComponent),
        cause: { requestId, idempotencyKey },
      });
      const expanded = expand(object, expandPaths(params), (id) => requireLedger().lookup(id));
      response = { status: 200, body: JSON.stringify(expanded, null, 2), requestId };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      keep = !error.beforeExecution;
      response = { status: error.status, body: JSON.stringify(error.toBody(), null, 2), requestId };
    }
    if (idempotencyKey && keep) idempotency.save(idempotencyKey, endpoint, params, response);
    send(response);
  }

  async function handleCheckoutPage(req: IncomingMessage, res: ServerResponse, sessionId: string): Promise<void> {
    const payments = requireLedger();
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      return sendHtml(res, 405, renderMessagePage('Method not allowed', 'Use GET or POST on this page.'), {
        allow: 'GET, POST',
      });
    }
    if (method === 'GET') {
      // A page load is also a good moment to notice that the session ran out of time.
      payments.expireDue();
      const session = payments.getSession(sessionId);
      if (!session) return sendNotFound(res);
      if (session.status !== 'open') return sendNotOpen(res, session);
      return sendHtml(res, 200, renderCheckoutPage({ session, lineItems: payments.getLineItems(sessionId) }));
    }

    const form = parseFormBody(await readBody(req));
    const field = (name: string) => (typeof form[name] === 'string' ? form[name] : '');
    const card = { number: field('card-number'), expiry: field('card-expiry'), cvc: field('card-cvc') };
    const attempt = payments.pay(sessionId, { ...card, name: field('card-name') });
    const session = payments.getSession(sessionId);
    if (!attempt || !session) return sendNotFound(res);
    const entered = { number: card.number, expiry: card.expiry, name: field('card-name') };
    const lineItems = payments.getLineItems(sessionId);
    switch (attempt.outcome) {
      case 'paid':
      case 'processing':
        res.writeHead(303, { location: attempt.redirectUrl, 'cache-control': 'no-store' });
        res.end();
        return;
      case 'declined':
        return sendHtml(
          res,
          402,
          renderCheckoutPage({ session, lineItems, entered, error: { message: attempt.decline.message } }),
        );
      case 'invalid':
        return sendHtml(
          res,
          400,
          renderCheckoutPage({
            session,
            lineItems,
            entered,
            error: { message: attempt.message, field: attempt.field },
          }),
        );
      case 'not_open':
        return sendNotOpen(res, session);
    }
  }

  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      logger.warn({ err: String(error), method: req.method, url: req.url }, 'stripe emulator request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const status = error instanceof ApiError ? error.status : 500;
      const body =
        error instanceof ApiError ? error.toBody() : { error: { type: 'api_error', message: String(error) } };
      sendJson(res, status, JSON.stringify(body, null, 2), {});
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const page = /^\/c\/pay\/([^/]+)$/.exec(url.pathname);
    if (page?.[1]) return handleCheckoutPage(req, res, decodeURIComponent(page[1]));
    return handleApi(req, res, url);
  }

  server.listen(options.port ?? 0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const origin = (name: string) => `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
  const url = origin(host);
  const checkoutBaseUrl = (options.publicUrl ?? origin(options.publicHost ?? host)).replace(/\/+$/, '');
  const payments = new PaymentLedger({
    now,
    checkoutBaseUrl,
    emit: (type, object, cause) => {
      const event: EventObject = {
        id: newId('evt_'),
        object: 'event',
        api_version: apiVersion,
        created: nowSeconds(),
        data: { object: structuredClone(object) },
        livemode: false,
        pending_webhooks: 1,
        request: { id: cause.requestId, idempotency_key: cause.idempotencyKey },
        type,
      };
      dispatcher.enqueue(event);
    },
  });
  ledger = payments;

  const expireDue = async (): Promise<number> => {
    const expired = payments.expireDue();
    if (expired > 0) logger.info({ expired }, 'checkout sessions expired');
    return expired;
  };
  const expiryTimer = setInterval(() => void expireDue(), AUTO_EXPIRY_INTERVAL_MS);
  expiryTimer.unref();
  let stopping: Promise<void> | undefined;

  logger.info({ url, checkoutBaseUrl, webhookUrl: options.webhookUrl ?? null }, 'stripe emulator listening');

  return {
    url,
    checkoutBaseUrl,
    host,
    port,
    secretKey,
    webhookSecret,
    setWebhookUrl: (webhookUrl) => dispatcher.setUrl(webhookUrl),
    expireDue,
    pay: async (sessionId, number) => {
      const attempt = payments.pay(sessionId, {
        number,
        expiry: futureExpiry(now()),
        cvc: testCvcFor(number),
        name: 'Test Customer',
      });
      if (!attempt) throw new Error(`no checkout session ${sessionId}`);
      return payResult(attempt);
    },
    settleAsyncPayment: async (sessionId, outcome) => payments.settleAsyncPayment(sessionId, outcome),
    getSession: (id) => payments.getSession(id),
    deliveries: () => dispatcher.deliveries(),
    idle: () => dispatcher.idle(),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(expiryTimer);
        dispatcher.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return stopping;
    },
  };
}

function payResult(attempt: PaymentAttempt): { ok: boolean; declineCode?: string } {
  switch (attempt.outcome) {
    case 'paid':
    case 'processing':
      return { ok: true };
    case 'declined':
      return { ok: false, declineCode: attempt.decline.declineCode };
    case 'invalid':
      return { ok: false, declineCode: attempt.code };
    case 'not_open':
      return { ok: false, declineCode: `session_${attempt.status}` };
  }
}

/** Bearer, as the SDK sends it, or Basic with the key as user name, as `curl -u sk_test_...:` does. */
function checkAuthorization(authorization: string | undefined, secretKey: string): ApiError | undefined {
  if (!authorization) {
    return new ApiError(
      401,
      'invalid_request_error',
      "You did not provide an API key. Send it in the Authorization header using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const [scheme = '', credentials = ''] = authorization.trim().split(/\s+/, 2);
  let key = '';
  if (scheme.toLowerCase() === 'bearer') key = credentials;
  else if (scheme.toLowerCase() === 'basic') {
    key = Buffer.from(credentials, 'base64').toString('utf8').split(':')[0] ?? '';
  }
  if (key === secretKey) return undefined;
  const masked = key.length > 8 ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
  return new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`, {
    code: 'api_key_invalid',
  });
}

/** `expand[]=payment_intent` or `expand[]=payment_intent.latest_charge`: ids replaced by their objects. */
function expandPaths(params: FormParams): string[] {
  const value = params.expand;
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value) : [value];
  return list.filter((path): path is string => typeof path === 'string' && path !== '');
}

function expand(object: object, paths: string[], lookup: (id: string) => object | undefined): object {
  if (paths.length === 0) return object;
  const copy = structuredClone(object) as Record<string, unknown>;
  for (const path of paths) expandPath(copy, path.split('.'), path, lookup);
  return copy;
}

function expandPath(
  target: Record<string, unknown>,
  [head, ...rest]: string[],
  fullPath: string,
  lookup: (id: string) => object | undefined,
): void {
  if (head === undefined) return;
  const value = target[head];
  if (value === null) return;
  let expanded: unknown = value;
  if (typeof value === 'string') {
    expanded = lookup(value);
    if (!expanded) {
      throw new ApiError(400, 'invalid_request_error', `This property cannot be expanded (${fullPath}).`, {
        param: 'expand',
        beforeExecution: true,
      });
    }
    target[head] = expanded;
  }
  if (typeof expanded !== 'object' || expanded === null) {
    throw new ApiError(400, 'invalid_request_error', `This property cannot be expanded (${fullPath}).`, {
      param: 'expand',
      beforeExecution: true,
    });
  }
  expandPath(expanded as Record<string, unknown>, rest, fullPath, lookup);
}

function throwMissing(kind: string, id: string): never {
  throw noSuchObject(kind, id);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new ApiError(413, 'invalid_request_error', `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache, no-store',
    ...headers,
  });
  res.end(body);
}

function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // The page needs nothing from outside: no scripts, no fonts, no images.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ...headers,
  });
  res.end(html);
}

function sendNotFound(res: ServerResponse): void {
  sendHtml(res, 404, renderMessagePage('Not found', 'This checkout page does not exist.', undefined, 'not-found'));
}

function sendNotOpen(res: ServerResponse, session: CheckoutSessionObject): void {
  const html =
    session.status === 'complete'
      ? renderMessagePage(
          'Already paid',
          'This checkout session is already complete. Nothing more to pay.',
          { href: successRedirect(session), label: 'Continue' },
          'session-complete',
        )
      : renderMessagePage(
          'Session expired',
          'This checkout session has expired. Start again from the site to get a new one.',
          session.cancel_url ? { href: session.cancel_url, label: 'Back' } : undefined,
          'session-expired',
        );
  sendHtml(res, 410, html);
}
