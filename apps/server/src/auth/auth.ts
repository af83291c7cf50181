import { randomUUID } from 'node:crypto';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware, createEmailVerificationToken, getSessionFromCtx } from 'better-auth/api';
import { genericOAuth } from 'better-auth/plugins/generic-oauth';
import type { AccountRepository } from '../accounts/AccountRepository';
import { CLIENT_ADDRESS_HEADER } from '../accounts/clientAddress';
import { DEFAULT_LOCALE, isLocale, type Locale, localeFromAcceptLanguage, localeOf } from '../accounts/locale';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MESSAGES,
  PASSWORD_MIN_LENGTH,
  type PasswordProblem,
  passwordProblem,
} from '../accounts/passwordPolicy';
import { normalisePseudo, PSEUDO_MAX, PSEUDO_MIN, pseudoFromProfile } from '../accounts/pseudo';
import type { Database } from '../db/database';
import { authAccounts, authSessions, authVerifications, users } from '../db/schema';
import { emailChangedNotice, emailChangeMail, existingAccountMail, passwordResetMail } from '../mail/accountMails';
import type { Postman } from '../mail/Postman';
import type { Logger } from '../observability/logger';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { UserRepository } from '../repositories/UserRepository';

export interface AuthOptions {
  db: Database;
  secret: string;
  /** The origin people reach the app at (PUBLIC_URL, or http://localhost:PORT in development). */
  baseUrl: string;
  trustedOrigins: string[];
  /** Google through OpenID Connect; null hides it. */
  google: { clientId: string; clientSecret: string; issuer: string } | null;
  /** Lower-case addresses promoted to administrator once the address is proven (ADMIN_EMAILS). */
  adminEmails: readonly string[];
  postman: Postman;
  users: UserRepository;
  accounts: AccountRepository;
  audit: AuditRepository;
  logger: Logger;
}

/** Web app routes the links and redirects point at (apps/web/src/router.ts). */
export const WEB_ROUTES = { signIn: '/connexion', forgot: '/mot-de-passe-oublie', reset: '/reinitialiser' } as const;

export const RESET_TOKEN_TTL_S = 30 * 60;
const EMAIL_TOKEN_TTL_S = 60 * 60;
const SESSION_TTL_S = 60 * 60 * 24 * 30;

/**
 * better-auth endpoints the app does not use. Each would be a way around a rule enforced here:
 * `/update-user` sets any name or image URL (PATCH /api/me validates them), `/delete-user` skips
 * our erasure (DELETE /api/me), linking and unlinking would unlock a Google account's e-mail, and
 * `/send-verification-email` would mail anyone with no rate limit.
 */
const DISABLED_PATHS = [
  '/update-user',
  '/update-session',
  '/delete-user',
  '/delete-user/callback',
  '/link-social',
  '/unlink-account',
  '/get-access-token',
  '/refresh-token',
  '/account-info',
  '/send-verification-email',
];

function passwordError(problem: PasswordProblem): APIError {
  return APIError.from('BAD_REQUEST', { code: problem, message: PASSWORD_MESSAGES[problem] });
}

function checkNewPassword(password: unknown, context: { email?: string } = {}): void {
  if (typeof password !== 'string') return; // better-auth's own body validation answers
  const problem = passwordProblem(password, context);
  if (problem) throw passwordError(problem);
}

/** The payload of a better-auth e-mail token, read without checking: only used after better-auth did. */
function tokenPayload(token: unknown): Record<string, unknown> | null {
  if (typeof token !== 'string') return null;
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/**
 * better-auth on our own tables (written by hand in db/schema.ts): e-mail + password, Google
 * through OpenID Connect, password reset and e-mail change by mail. Sessions, cookies, CSRF and
 * rate limits are described in docs/security.md; the rate limits and the Origin check live in
 * the HTTP layer (http/authRoutes.ts), in front of every endpoint here.
 */
export function createAuth(options: AuthOptions) {
  const log = options.logger;
  const adminEmails = new Set(options.adminEmails.map((e) => e.toLowerCase()));
  const secure = options.baseUrl.startsWith('https://');
  const link = (path: string) => new URL(path, options.baseUrl).toString();

  /**
   * ADMIN_EMAILS: an address on the list becomes administrator, but only once it is proven
   * (Google says it is verified, or a link mailed to it was opened). Otherwise anyone could sign
   * up with an administrator's address before they do. Until then a confirmation link is sent.
   */
  /** The account's language for its e-mails (better-auth's own user objects do not carry it). */
  async function localeOfUser(userId: string): Promise<Locale> {
    return localeOf((await options.users.findById(userId))?.locale);
  }

  async function applyAdminList(userId: string): Promise<void> {
    const user = await options.users.findById(userId);
    if (!user || user.role === 'admin' || !adminEmails.has(user.email)) return;
    if (user.emailVerified) {
      await options.users.update(user.id, { role: 'admin' });
      await options.audit.record({ actorKind: 'system', action: 'account.promoted_admin', subjectUserId: user.id });
      log.info({ userId: user.id }, 'account promoted to administrator (ADMIN_EMAILS)');
      return;
    }
    const token = await createEmailVerificationToken(options.secret, user.email, undefined, EMAIL_TOKEN_TTL_S, {
      userId: user.id,
    });
    const url = link(`/api/auth/verify-email?token=${token}&callbackURL=${encodeURIComponent('/')}`);
    options.postman.post(emailChangeMail(user.email, user.name, url, user.locale));
  }

  return betterAuth({
    appName: 'SmartLocker',
    baseURL: options.baseUrl,
    basePath: '/api/auth',
    secret: options.secret,
    trustedOrigins: options.trustedOrigins,
    telemetry: { enabled: false },
    disabledPaths: DISABLED_PATHS,
    logger: {
      // 'info' also keeps better-auth from printing every refused request to the console itself.
      // Its info lines (which name e-mail addresses) become our debug; API errors are answers,
      // not faults, and are not logged at all.
      level: 'info',
      log: (level, message, ...args) => {
        const detail = args.length > 0 ? { detail: args.map((a) => (a instanceof Error ? a.message : a)) } : {};
        log[level === 'info' ? 'debug' : level](detail, `better-auth: ${message}`);
      },
    },
    // Ours, in the database and in front of every instance (http/authRoutes.ts, docs/security.md).
    rateLimit: { enabled: false },
    onAPIError: { errorURL: WEB_ROUTES.signIn },
    database: drizzleAdapter(options.db, {
      provider: 'pg',
      schema: { user: users, session: authSessions, account: authAccounts, verification: authVerifications },
    }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      // Hashing is better-auth's scrypt (N=16384, r=16, p=1: memory-hard), salted per password.
      autoSignIn: true,
      resetPasswordTokenExpiresIn: RESET_TOKEN_TTL_S,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url }) => {
        options.postman.post(
          passwordResetMail(user.email, user.name, url, RESET_TOKEN_TTL_S / 60, await localeOfUser(user.id)),
        );
      },
      onPasswordReset: async ({ user }) => {
        // The reset link reached this address: it is proven (this also unlocks ADMIN_EMAILS and
        // lets a Google sign-in with the same address link to the account).
        await options.accounts.markEmailVerified(user.id);
        await options.audit.record({ actorKind: 'user', actorId: user.id, action: 'account.password_reset' });
        await applyAdminList(user.id);
      },
    },
    emailVerification: {
      expiresIn: EMAIL_TOKEN_TTL_S,
      sendOnSignUp: false,
      // Used for an e-mail change (sent to the new address) and for proving an ADMIN_EMAILS address.
      sendVerificationEmail: async ({ user, url }) => {
        options.postman.post(emailChangeMail(user.email, user.name, url, await localeOfUser(user.id)));
      },
      afterEmailVerification: async (user) => {
        await applyAdminList(user.id);
      },
    },
    user: {
      additionalFields: {
        premium: { type: 'boolean', defaultValue: false, input: false },
        role: { type: 'string', defaultValue: 'user', input: false },
        // Sent by the app at sign-up (its current language); checked in the sign-up hook below.
        locale: { type: 'string', defaultValue: DEFAULT_LOCALE, input: true },
      },
      changeEmail: { enabled: true },
    },
    account: {
      // A Google sign-in joins an existing account with the same address only when both sides have
      // proven it (better-auth's default, stated here): otherwise someone who signed up first with
      // another person's address would share that person's account.
      accountLinking: { enabled: true, requireLocalEmailVerified: true, trustedProviders: [] },
    },
    session: {
      expiresIn: SESSION_TTL_S,
      updateAge: 60 * 60 * 24,
      // Changing the password or e-mail, and signing out everywhere, need a session under a day old.
      freshAge: 60 * 60 * 24,
    },
    databaseHooks: {
      user: {
        create: {
          before: async (user, ctx) => ({
            data: {
              ...user,
              name: normalisePseudo(user.name) ?? pseudoFromProfile(user.name, user.email),
              // A Google sign-up carries no language of ours: the browser's Accept-Language decides.
              locale: isLocale(user.locale)
                ? user.locale
                : localeFromAcceptLanguage(ctx?.headers?.get('accept-language')),
            },
          }),
        },
      },
      session: {
        create: {
          after: async (session) => {
            await applyAdminList(session.userId);
          },
        },
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const body = (ctx.body ?? {}) as Record<string, unknown>;
        switch (ctx.path) {
          case '/sign-up/email': {
            const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : null;
            const name = normalisePseudo(body.name);
            if (!name) {
              throw APIError.from('BAD_REQUEST', {
                code: 'INVALID_NAME',
                message: `The pseudo must be ${PSEUDO_MIN} to ${PSEUDO_MAX} characters long.`,
              });
            }
            checkNewPassword(body.password, email ? { email } : {});
            // The photo is uploaded to us (PUT /api/me/photo), never given as a URL.
            delete body.image;
            body.locale = isLocale(body.locale)
              ? body.locale
              : localeFromAcceptLanguage(ctx.headers?.get('accept-language'));
            body.name = name;
            if (!email || typeof body.password !== 'string') return;
            const existing = await ctx.context.internalAdapter.findUserByEmail(email);
            if (!existing) return;
            // The address has an account. Saying so would tell anyone which addresses are
            // customers; instead the answer looks like a sign-up waiting for its mail, and the
            // owner gets a message (docs/security.md). The hash evens out the time taken.
            await ctx.context.password.hash(body.password);
            options.postman.post(
              existingAccountMail(
                existing.user.email,
                existing.user.name,
                link(WEB_ROUTES.signIn),
                link(WEB_ROUTES.forgot),
                await localeOfUser(existing.user.id),
              ),
            );
            const now = new Date();
            return ctx.json({
              token: null,
              user: {
                id: randomUUID(),
                email,
                name,
                image: null,
                emailVerified: false,
                premium: false,
                role: 'user',
                createdAt: now,
                updatedAt: now,
              },
            });
          }
          case '/reset-password':
          case '/change-password':
            checkNewPassword(body.newPassword);
            return;
          case '/change-email': {
            const session = await getSessionFromCtx(ctx);
            if (!session) return; // better-auth answers 401
            const methods = await options.accounts.signInMethods(session.user.id);
            if (methods.providers.includes('google')) {
              throw APIError.from('CONFLICT', {
                code: 'email_locked',
                message: 'This account signs in with Google: its e-mail address is managed by Google.',
              });
            }
            return;
          }
          default:
            return;
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/verify-email') return;
        // An e-mail change went through: tell the previous address, so a change made by someone
        // else with an open session does not go unnoticed.
        const payload = tokenPayload(ctx.query?.token);
        if (payload?.requestType !== 'change-email-verification') return;
        const { email: previous, updateTo, userId } = payload;
        if (typeof previous !== 'string' || typeof updateTo !== 'string' || typeof userId !== 'string') return;
        const user = await options.users.findById(userId);
        if (user?.email !== updateTo) return;
        await options.audit.record({ actorKind: 'user', actorId: user.id, action: 'account.email_changed' });
        options.postman.post(emailChangedNotice(previous, user.name, updateTo, user.locale));
      }),
    },
    plugins: options.google
      ? [
          genericOAuth({
            config: [
              {
                providerId: 'google',
                name: 'Google',
                discoveryUrl: `${options.google.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`,
                clientId: options.google.clientId,
                clientSecret: options.google.clientSecret,
                authentication: 'basic',
                scopes: ['openid', 'email', 'profile'],
                // Authorization code + PKCE (RFC 7636, S256); the ID token is checked against the
                // issuer's keys, audience and nonce.
                pkce: true,
                requireIdTokenVerification: true,
                prompt: 'select_account',
                mapProfileToUser: (profile) => {
                  const email = typeof profile.email === 'string' ? profile.email.toLowerCase() : '';
                  const picture = typeof profile.picture === 'string' ? profile.picture : null;
                  return {
                    email,
                    name: pseudoFromProfile(profile.name, email),
                    // Only an https URL is kept: it is shown as-is by browsers on an https site.
                    image: picture?.startsWith('https://') ? picture : undefined,
                    emailVerified: profile.email_verified === true || profile.email_verified === 'true',
                  };
                },
              },
            ],
          }),
        ]
      : [],
    advanced: {
      // better-auth skips its Origin check when NODE_ENV=test; CSRF protection must never
      // depend on an environment variable, so it is forced on.
      disableOriginCheck: false,
      // Over https every cookie is `__Host-` (RFC 6265bis §4.1.3.2): Secure, Path=/, no Domain, so
      // no other site or subdomain can set or shadow it. better-auth's own switch would give the
      // weaker `__Secure-` prefix, hence the prefix in the name and Secure set by hand.
      useSecureCookies: false,
      cookiePrefix: secure ? '__Host-smartlocker' : 'smartlocker',
      defaultCookieAttributes: { secure, httpOnly: true, sameSite: 'lax', path: '/' },
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
      database: { generateId: () => crypto.randomUUID() },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
