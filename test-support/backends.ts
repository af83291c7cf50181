/**
 * Which real services the integration suites run against. The embedded defaults always run;
 * PostgreSQL and an external MQTT broker run when their URL is given. Under CI a missing URL is
 * a failure, never a silent skip (DEVELOPERS.md).
 */
export interface DatabaseBackend {
  name: 'pglite' | 'postgres';
  url?: string;
}
export interface BrokerBackend {
  name: 'aedes' | 'mosquitto';
  url?: string;
}

const inCi = process.env.CI === 'true' || process.env.CI === '1';
/**
 * `TEST_BACKENDS=embedded` runs the embedded defaults only, as a decision written in the command
 * (CI's second pass on Node 24 checks the runtime; the services were covered by the first pass).
 */
const embeddedOnly = process.env.TEST_BACKENDS === 'embedded';

function requiredInCi(variable: string): string | undefined {
  if (embeddedOnly) return undefined;
  const value = process.env[variable];
  if (!value && inCi) {
    throw new Error(`${variable} must be set when CI=true: the suite must run against the real service`);
  }
  return value || undefined;
}

export function databaseBackends(): DatabaseBackend[] {
  const url = requiredInCi('TEST_DATABASE_URL');
  return url ? [{ name: 'pglite' }, { name: 'postgres', url }] : [{ name: 'pglite' }];
}

export function brokerBackends(): BrokerBackend[] {
  const url = requiredInCi('TEST_MQTT_URL');
  return url ? [{ name: 'aedes' }, { name: 'mosquitto', url }] : [{ name: 'aedes' }];
}

/** The defaults `npm start` uses, for suites that need one backend rather than every one. */
export const EMBEDDED_DATABASE: DatabaseBackend = { name: 'pglite' };
export const EMBEDDED_BROKER: BrokerBackend = { name: 'aedes' };
