import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AccountRepository } from '../accounts/AccountRepository';
import { CLIENT_ADDRESS_HEADER, clientAddress } from '../accounts/clientAddress';
import { type Hit, LIMITS, type LimitRule, type RateLimiter } from '../accounts/RateLimiter';
import type { Auth } from '../auth/auth';
import type { Logger } from '../observability/logger';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { UserRepository } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';

export interface AuthRouteDeps {
  auth: Auth;
  limiter: RateLimiter;
  accounts: AccountRepository;
  /** TRUST_PROXY: read the client address from X-Forwarded-For (clientAddress.ts). */
  trustProxy: boolean;
  logger: Logger;
  audit: AuditRepository;
  users: UserRepository;
}

/**
 * Failed sign-ins of one account within the rate-limit window that make a burst worth an audit
 * row (issue 10): someone guessing, before the limit (10) locks the account for a while.
 */
const FAILURE_BURSTS = [5, LIMITS.signInAccount.limit];

/** What @hono/node-server hands a handler as `c.env` (the socket gives the peer address). */
type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } } | undefined;

type Body = Record<string, unknown>;

/** The JSON or form body of a request, or null when it is neither (better-auth accepts both). */
async function readBody(request: Request): Promise<Body | null> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Body) : null;
  } catch {
    return null;
  }
}

const emailOf = (body: Body) => (typeof body.email === 'string' ? body.email.trim().toLowerCase() : '');

function tooMany(retryAfterS: number): Response {
  return Response.json(
    {
      error: {
        code: 'rate_limited',
        message: `Too many attempts. Try again in ${Math.ceil(retryAfterS / 60)} min.`,
      },
    },
    { status: 429, headers: { 'retry-after': String(retryAfterS) } },
  );
}

/** The session token in a `name=token.signature` cookie value (better-auth signs it). */
function tokenOfCookieValue(value: string | undefined): string | null {
  if (!value) return null;
  const token = decodeURIComponent(value).split('.')[0];
  return token || null;
}

/**
 * `/api/auth/*`: better-auth, behind what it does not do for us (docs/security.md):
 * - rate limits in the database, per client address and per account, on sign-in (failures),
 *   sign-up, password-reset requests and wrong current passwords;
 * - the client address set by us (clientAddress.ts), never taken from the client's headers;
 * - one body for both: the body limited here is re-sent as the JSON better-auth reads, so a form
 *   body cannot be counted under one address and handled under another;
 * - session rotation: when a browser that held a session is given a new one (sign-in, sign-up,
 *   Google), the old one is ended, not merely replaced in the cookie jar;
 * - `POST /sign-in/oauth2` {providerId, callbackURL}: the name the web app uses for
 *   better-auth's `POST /sign-in/social` {provider, callbackURL}.
 * The Origin check (CSRF) is the app-wide one in app.ts, which covers these routes too.
 */
export function createAuthRoutes(deps: AuthRouteDeps) {
  const routes = new Hono();
  let sessionCookieName: string | null = null;
  const cookieName = async () => {
    sessionCookieName ??= (await deps.auth.$context).authCookies.sessionToken.name;
    return sessionCookieName;
  };

  const addressOf = (c: Context) =>
    clientAddress(
      (c.env as NodeBindings)?.incoming?.socket?.remoteAddress,
      c.req.header('x-forwarded-for'),
      deps.trustProxy,
    );

  async function forward(c: Context, body?: Body, path?: string): Promise<Response> {
    const headers = new Headers(c.req.raw.headers);
    headers.set(CLIENT_ADDRESS_HEADER, addressOf(c));
    const url = new URL(c.req.url);
    if (path) url.pathname = path;
    let request: Request;
    if (body) {
      headers.set('content-type', 'application/json');
      headers.delete('content-length');
      request = new Request(url, { method: c.req.method, headers, body: JSON.stringify(body) });
    } else {
      request = new Request(c.req.raw, { headers });
    }
    const response = await deps.auth.handler(request);
    await endReplacedSession(c.req.header('cookie'), response);
    return response;
  }

  /** Rotation: a new session cookie for a browser that presented another ends the other one. */
  async function endReplacedSession(cookieHeader: string | undefined, response: Response): Promise<void> {
    if (!cookieHeader) return;
    const name = await cookieName();
    const issued = response.headers
      .getSetCookie()
      .find((line) => line.startsWith(`${name}=`) && !/max-age=0/i.test(line));
    if (!issued) return;
    const newToken = tokenOfCookieValue(issued.slice(name.length + 1).split(';')[0]);
    const presented = cookieHeader
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${name}=`));
    const oldToken = tokenOfCookieValue(presented?.slice(name.length + 1));
    if (oldToken && newToken && oldToken !== newToken) await deps.accounts.deleteSessionByToken(oldToken);
  }

  async function bodyOf(c: Context): Promise<Body> {
    const body = await readBody(c.req.raw);
    if (!body) throw new AppError(400, 'invalid_body', 'The request body must be a JSON object or a form.');
    return body;
  }

  async function limited(rules: readonly (readonly [LimitRule, string])[]) {
    return deps.limiter.acquireAll(rules);
  }

  const release = (hits: Hit[]) => Promise.all(hits.map((hit) => deps.limiter.release(hit)));

  // Failures count (401 INVALID_EMAIL_OR_PASSWORD); a success forgets the account's failures.
  routes.post('/sign-in/email', async (c) => {
    const body = await bodyOf(c);
    const email = emailOf(body);
    const acquired = await limited([
      [LIMITS.signInAddress, addressOf(c)],
      [LIMITS.signInAccount, email],
    ]);
    if (!acquired.ok) {
      deps.logger.warn({ rule: 'sign-in' }, 'sign-in refused by the rate limit');
      return tooMany(acquired.retryAfterS);
    }
    const response = await forward(c, body);
    if (response.status === 401) {
      const failures = acquired.hits[1]?.count ?? 0;
      if (FAILURE_BURSTS.includes(failures)) {
        const account = email ? await deps.users.findByEmail(email) : null;
        await deps.audit.record({
          actorKind: 'system',
          action: 'auth.sign_in_failure_burst',
          subjectUserId: account?.id ?? null,
          data: {
            failures,
            windowS: LIMITS.signInAccount.windowS,
            locked: failures >= LIMITS.signInAccount.limit,
            knownAccount: account !== null,
          },
        });
      }
      return response;
    }
    await release(acquired.hits);
    if (response.ok) await deps.limiter.reset(LIMITS.signInAccount, email);
    return response;
  });

  // Every request counts: each may create an account or send a mail.
  routes.post('/sign-up/email', async (c) => {
    const body = await bodyOf(c);
    const acquired = await limited([
      [LIMITS.signUpAddress, addressOf(c)],
      [LIMITS.signUpAccount, emailOf(body)],
    ]);
    if (!acquired.ok) return tooMany(acquired.retryAfterS);
    return forward(c, body);
  });

  // The answer is the same for known and unknown addresses, and so is the limit.
  routes.post('/request-password-reset', async (c) => {
    const body = await bodyOf(c);
    const acquired = await limited([
      [LIMITS.resetAddress, addressOf(c)],
      [LIMITS.resetAccount, emailOf(body)],
    ]);
    if (!acquired.ok) return tooMany(acquired.retryAfterS);
    return forward(c, body);
  });

  // Someone with a stolen open session must not be able to guess the current password.
  routes.post('/change-password', async (c) => {
    const session = await deps.auth.api.getSession({ headers: c.req.raw.headers });
    if (!session) return forward(c);
    const acquired = await deps.limiter.acquire(LIMITS.passwordCheckAccount, session.user.id);
    if (!acquired.ok) return tooMany(acquired.retryAfterS);
    const response = await forward(c);
    const code = response.status === 400 ? ((await response.clone().json()) as { code?: string }).code : null;
    if (code !== 'INVALID_PASSWORD') await deps.limiter.release(acquired.hit);
    return response;
  });

  routes.post('/sign-in/oauth2', async (c) => {
    const { providerId, ...rest } = await bodyOf(c);
    return forward(c, { ...rest, provider: providerId }, '/api/auth/sign-in/social');
  });

  routes.on(['GET', 'POST'], '*', (c) => forward(c));
  return routes;
}
