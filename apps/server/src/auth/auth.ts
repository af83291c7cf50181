import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import type { Database } from '../db/database';
import { authAccounts, authSessions, authVerifications, users } from '../db/schema';

export interface AuthOptions {
  db: Database;
  secret: string;
  /** The origin people reach the app at (PUBLIC_URL, or http://localhost:PORT in development). */
  baseUrl: string;
  trustedOrigins: string[];
}

/**
 * better-auth on our own tables (written by hand in db/schema.ts). E-mail + password now;
 * Google through OpenID Connect, password reset and rate limits per account come with the
 * accounts issue (docs/security.md).
 */
export function createAuth(options: AuthOptions) {
  return betterAuth({
    appName: 'SmartLocker',
    baseURL: options.baseUrl,
    basePath: '/api/auth',
    secret: options.secret,
    trustedOrigins: options.trustedOrigins,
    telemetry: { enabled: false },
    database: drizzleAdapter(options.db, {
      provider: 'pg',
      schema: { user: users, session: authSessions, account: authAccounts, verification: authVerifications },
    }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      maxPasswordLength: 128,
      autoSignIn: true,
    },
    user: {
      additionalFields: {
        premium: { type: 'boolean', defaultValue: false, input: false },
        role: { type: 'string', defaultValue: 'user', input: false },
      },
    },
    session: {
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
    },
    advanced: {
      // better-auth skips its Origin check when NODE_ENV=test; CSRF protection must never
      // depend on an environment variable, so it is forced on.
      disableOriginCheck: false,
      cookiePrefix: 'smartlocker',
      useSecureCookies: options.baseUrl.startsWith('https://'),
      database: { generateId: () => crypto.randomUUID() },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
