import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the server reads, validated once at start-up (STYLE.md ex. 11).
 * On bad configuration the process prints every problem at once and exits with code 2.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65_535);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://lockers.example.org' }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  MQTT_URL: z
    .string()
    .regex(/^(mqtts?|wss?|tcp):\/\//, 'expected an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  MQTT_USERNAME: z.string().min(1).optional(),
  MQTT_PASSWORD: z.string().min(1).optional(),
  // Production Mosquitto (docs/deploy-mosquitto.md): lockers' accounts through dynamic security,
  // and its log file followed for the publications it refused.
  MQTT_DYNSEC: bool.optional(),
  MQTT_BROKER_LOG_FILE: z.string().min(1).optional(),
  EMBEDDED_MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  EMBEDDED_MQTT_PORT: port.default(1884),
  // MQTT over TLS (issue 14, docs/deploy.md): the embedded broker's mqtts:// listener for the
  // lockers, and the CA they pin (also trusted by the server for an external mqtts:// broker).
  EMBEDDED_MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
  EMBEDDED_MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
  EMBEDDED_MQTT_TLS_HOST: z.string().min(1).default('0.0.0.0'),
  EMBEDDED_MQTT_TLS_PORT: port.default(8883),
  MQTT_TLS_CA_FILE: z.string().min(1).optional(),
  AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  COMMAND_SIGNING_KEY_FILE: z.string().min(1).optional(),
  DEMO_MODE: bool.optional(),
  SIMULATED_LOCKERS: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOCKER_OFFLINE_AFTER_S: z.coerce.number().int().min(35).max(3600).default(90),
  // Graceful shutdown (docs/deploy.md): how long in-flight requests get after SIGTERM.
  SHUTDOWN_GRACE_S: z.coerce.number().int().min(0).max(300).default(10),
  // Accounts (issue 4, docs/security.md)
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  GOOGLE_ISSUER: z
    .url({ message: 'expected the OpenID Connect issuer URL, e.g. https://accounts.google.com' })
    .default('https://accounts.google.com'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected an smtp:// or smtps:// URL such as smtps://user:pass@smtp.example.org:465')
    .optional(),
  MAIL_FROM: z.string().min(3).default('SmartLocker <no-reply@smartlocker.invalid>'),
  ADMIN_EMAILS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter((e) => e !== ''),
    )
    .pipe(z.array(z.email({ message: 'expected a comma-separated list of e-mail addresses' })))
    .optional(),
  TRUST_PROXY: bool.optional(),
  // Payments (issue 5, docs/payments.md)
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, 'expected a Stripe secret key such as sk_test_…')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9]+$/, 'expected a webhook signing secret whsec_…')
    .optional(),
  STRIPE_API_URL: z
    .url({ message: 'expected the http(s):// base URL of a Stripe-compatible API, e.g. http://127.0.0.1:12111' })
    .optional(),
  STRIPE_EMULATOR_PORT: port.default(12111),
  STRIPE_EMULATOR_CHAOS: bool.optional(),
  BOOKING_TICK_S: z.coerce.number().int().min(1).max(60).default(5),
  // Web Push (booking reminders)
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{80,90}$/, 'expected the VAPID public key in base64url (npx web-push generate-vapid-keys)')
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{40,45}$/, 'expected the VAPID private key in base64url')
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)/, 'expected a mailto: address or an https:// URL')
    .default('mailto:admin@smartlocker.invalid'),
});

/**
 * Production rules, checked beside the schema (not as a refinement of it) so that a production
 * start with several problems hears about all of them at once.
 */
function productionProblems(env: Record<string, string>): string[] {
  if (env.NODE_ENV !== 'production') return [];
  // Nothing secret may be generated on the fly in production: a restart or a second instance
  // would silently sign people out or make every locker refuse the server's commands.
  const problems: string[] = [];
  if (!env.AUTH_SECRET) problems.push('AUTH_SECRET: required in production');
  if (!env.COMMAND_SIGNING_KEY_FILE) problems.push('COMMAND_SIGNING_KEY_FILE: required in production');
  if (!env.STRIPE_SECRET_KEY) {
    problems.push('STRIPE_SECRET_KEY: required in production (the local Stripe emulator is for development)');
  }
  if (env.STRIPE_API_URL) {
    problems.push('STRIPE_API_URL: not allowed in production (payments go to api.stripe.com)');
  }
  if (!env.PUBLIC_URL) problems.push('PUBLIC_URL: required in production');
  else if (!env.PUBLIC_URL.startsWith('https://'))
    problems.push('PUBLIC_URL: must be https:// in production (SPEC §8)');
  return problems;
}

/** Rules that tie several variables together, in every environment. */
function crossProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (Boolean(env.GOOGLE_CLIENT_ID) !== Boolean(env.GOOGLE_CLIENT_SECRET)) {
    problems.push('GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET: set both to enable Google sign-in, or neither');
  }
  if (Boolean(env.VAPID_PUBLIC_KEY) !== Boolean(env.VAPID_PRIVATE_KEY)) {
    problems.push('VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY: set both to send push notifications, or neither');
  }
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    problems.push(
      'STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET: set both to use Stripe, or neither for the local emulator',
    );
  }
  const dynsec = ['true', '1', 'yes'].includes(env.MQTT_DYNSEC ?? '');
  if (dynsec && !(env.MQTT_URL && env.MQTT_USERNAME && env.MQTT_PASSWORD)) {
    problems.push(
      'MQTT_DYNSEC: needs MQTT_URL, MQTT_USERNAME and MQTT_PASSWORD (the account of mosquitto_ctrl dynsec init)',
    );
  }
  if (Boolean(env.EMBEDDED_MQTT_TLS_CERT_FILE) !== Boolean(env.EMBEDDED_MQTT_TLS_KEY_FILE)) {
    problems.push('EMBEDDED_MQTT_TLS_CERT_FILE / EMBEDDED_MQTT_TLS_KEY_FILE: set both to serve mqtts://, or neither');
  }
  if (env.EMBEDDED_MQTT_TLS_CERT_FILE && env.MQTT_URL) {
    problems.push('EMBEDDED_MQTT_TLS_CERT_FILE: only for the embedded broker (MQTT_URL unset); Mosquitto has its own');
  }
  if (env.MQTT_BROKER_LOG_FILE && !env.MQTT_URL) {
    problems.push(
      'MQTT_BROKER_LOG_FILE: only for an external Mosquitto (MQTT_URL); the embedded broker reports by itself',
    );
  }
  return problems;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string | null;
  dataDir: string;
  database: { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };
  mqtt:
    | {
        kind: 'embedded';
        host: string;
        port: number;
        /** The mqtts:// listener for the lockers, when its certificate and key are configured. */
        tls: { host: string; port: number; certFile: string; keyFile: string } | null;
      }
    | { kind: 'external'; url: string; username?: string; password?: string };
  /** The CA (PEM file) the lockers pin for mqtts://, handed out in their provisioning bundle. */
  mqttTlsCaFile: string | null;
  /**
   * A production Mosquitto kept in step (docs/deploy-mosquitto.md): the lockers' accounts through
   * its dynamic-security plugin, and its log file followed for the publications it refused.
   */
  mosquitto: { dynamicSecurity: boolean; logFile: string | null };
  authSecret: string | null;
  commandSigningKeyFile: string | null;
  demoMode: boolean;
  simulatedLockers: boolean;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  lockerOfflineAfterMs: number;
  /** After SIGTERM, how long requests in flight may run before they are cut (docs/deploy.md). */
  shutdownGraceMs: number;
  /** Google sign-in through OpenID Connect; null when not configured. */
  google: { clientId: string; clientSecret: string; issuer: string } | null;
  /** SMTP when `smtpUrl` is set; otherwise the development outbox (docs/security.md). */
  mail: { smtpUrl: string | null; from: string };
  /** Accounts promoted to administrator at sign-up and sign-in (lower-case). */
  adminEmails: string[];
  /** Behind a reverse proxy: take the client address from the last X-Forwarded-For hop. */
  trustProxy: boolean;
  /** Real Stripe when its keys are set; the local emulator otherwise (docs/payments.md). */
  payments:
    | { kind: 'stripe'; secretKey: string; webhookSecret: string; apiUrl: string | null }
    | { kind: 'emulator'; port: number; chaos: boolean };
  /** How often the booking clock runs (holds, starts, ends, reminders). */
  bookingTickMs: number;
  /**
   * Web Push identity. Keys from the environment, or generated under DATA_DIR outside production;
   * in production without keys, push is off (nothing secret is generated on the fly there).
   */
  vapid: { publicKey: string; privateKey: string; subject: string } | { subject: string };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): ConfigResult {
  // An empty variable (`FOO=`) means "not set", as in most twelve-factor tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const known = Object.fromEntries(Object.entries(present).filter(([k]) => k in EnvSchema.shape)) as Record<
    string,
    string
  >;
  const parsed = EnvSchema.safeParse(known);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`)),
    ...productionProblems(known),
    ...crossProblems(known),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const e = parsed.data;
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR);
  const demoMode = e.DEMO_MODE ?? e.NODE_ENV !== 'production';
  return {
    ok: true,
    config: {
      env: e.NODE_ENV,
      port: e.PORT,
      host: e.HOST,
      publicUrl: e.PUBLIC_URL ?? null,
      dataDir,
      database: e.DATABASE_URL
        ? { kind: 'postgres', url: e.DATABASE_URL }
        : { kind: 'pglite', dir: resolve(dataDir, 'pglite') },
      mqtt: e.MQTT_URL
        ? { kind: 'external', url: e.MQTT_URL, username: e.MQTT_USERNAME, password: e.MQTT_PASSWORD }
        : {
            kind: 'embedded',
            host: e.EMBEDDED_MQTT_HOST,
            port: e.EMBEDDED_MQTT_PORT,
            tls:
              e.EMBEDDED_MQTT_TLS_CERT_FILE && e.EMBEDDED_MQTT_TLS_KEY_FILE
                ? {
                    host: e.EMBEDDED_MQTT_TLS_HOST,
                    port: e.EMBEDDED_MQTT_TLS_PORT,
                    certFile: resolve(cwd, e.EMBEDDED_MQTT_TLS_CERT_FILE),
                    keyFile: resolve(cwd, e.EMBEDDED_MQTT_TLS_KEY_FILE),
                  }
                : null,
          },
      mqttTlsCaFile: e.MQTT_TLS_CA_FILE ? resolve(cwd, e.MQTT_TLS_CA_FILE) : null,
      mosquitto: {
        dynamicSecurity: e.MQTT_DYNSEC ?? false,
        logFile: e.MQTT_BROKER_LOG_FILE
          ? isAbsolute(e.MQTT_BROKER_LOG_FILE)
            ? e.MQTT_BROKER_LOG_FILE
            : resolve(cwd, e.MQTT_BROKER_LOG_FILE)
          : null,
      },
      authSecret: e.AUTH_SECRET ?? null,
      commandSigningKeyFile: e.COMMAND_SIGNING_KEY_FILE ?? null,
      demoMode,
      simulatedLockers: e.SIMULATED_LOCKERS ?? demoMode,
      logLevel: e.LOG_LEVEL,
      lockerOfflineAfterMs: e.LOCKER_OFFLINE_AFTER_S * 1000,
      shutdownGraceMs: e.SHUTDOWN_GRACE_S * 1000,
      google:
        e.GOOGLE_CLIENT_ID && e.GOOGLE_CLIENT_SECRET
          ? { clientId: e.GOOGLE_CLIENT_ID, clientSecret: e.GOOGLE_CLIENT_SECRET, issuer: e.GOOGLE_ISSUER }
          : null,
      mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM },
      adminEmails: e.ADMIN_EMAILS ?? [],
      trustProxy: e.TRUST_PROXY ?? false,
      payments:
        e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
          ? {
              kind: 'stripe',
              secretKey: e.STRIPE_SECRET_KEY,
              webhookSecret: e.STRIPE_WEBHOOK_SECRET,
              apiUrl: e.STRIPE_API_URL ?? null,
            }
          : { kind: 'emulator', port: e.STRIPE_EMULATOR_PORT, chaos: e.STRIPE_EMULATOR_CHAOS ?? false },
      bookingTickMs: e.BOOKING_TICK_S * 1000,
      vapid:
        e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
          ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT }
          : { subject: e.VAPID_SUBJECT },
    },
  };
}

/** The table in README.md is checked against this list by a test, so the two cannot drift. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape) as (keyof typeof EnvSchema.shape)[];
