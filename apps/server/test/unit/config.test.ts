import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

describe('loadConfig', () => {
  it('starts from safe development defaults with nothing set', () => {
    const result = loadConfig({}, '/srv/app');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      env: 'development',
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/app/data',
      database: { kind: 'pglite', dir: '/srv/app/data/pglite' },
      mqtt: { kind: 'embedded', host: '127.0.0.1', port: 1884 },
      demoMode: true,
      simulatedLockers: true,
    });
  });

  it('switches to PostgreSQL and an external broker when their URLs are given', () => {
    const result = loadConfig({
      DATABASE_URL: 'postgres://u@db/smartlocker',
      MQTT_URL: 'mqtts://broker:8883',
      MQTT_USERNAME: 'server',
      MQTT_PASSWORD: 's3cret',
    });
    expect(result.ok && result.config.database).toEqual({ kind: 'postgres', url: 'postgres://u@db/smartlocker' });
    expect(result.ok && result.config.mqtt).toEqual({
      kind: 'external',
      url: 'mqtts://broker:8883',
      username: 'server',
      password: 's3cret',
    });
  });

  it('treats an empty variable as unset', () => {
    const result = loadConfig({ PORT: '', DATABASE_URL: '' });
    expect(result.ok && result.config.port).toBe(3000);
    expect(result.ok && result.config.database.kind).toBe('pglite');
  });

  it('reports every problem at once, each naming its variable', () => {
    const result = loadConfig({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      MQTT_URL: 'http://broker',
      LOG_LEVEL: 'loud',
      DEMO_MODE: 'maybe',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const named = result.problems.map((p) => p.split(':')[0]);
    expect(named.sort()).toEqual(['DATABASE_URL', 'DEMO_MODE', 'LOG_LEVEL', 'MQTT_URL', 'PORT']);
  });

  it('requires real secrets and https in production, all reported together with schema problems', () => {
    const result = loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://lockers.example.org', PORT: '-1' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT:/),
        'AUTH_SECRET: required in production',
        'COMMAND_SIGNING_KEY_FILE: required in production',
        'PUBLIC_URL: must be https:// in production (SPEC §8)',
        'STRIPE_SECRET_KEY: required in production (the local Stripe emulator is for development)',
      ]),
    );
  });

  it('takes VAPID keys in pairs', () => {
    const half = loadConfig({ VAPID_PUBLIC_KEY: `B${'A'.repeat(86)}` });
    expect(!half.ok && half.problems.join('\n')).toMatch(/VAPID_PUBLIC_KEY \/ VAPID_PRIVATE_KEY: set both/);
    const both = loadConfig({ VAPID_PUBLIC_KEY: `B${'A'.repeat(86)}`, VAPID_PRIVATE_KEY: 'A'.repeat(43) });
    expect(both.ok && 'publicKey' in both.config.vapid).toBe(true);
  });

  it('uses the local Stripe emulator unless both Stripe keys are set', () => {
    const emulated = loadConfig({});
    expect(emulated.ok && emulated.config.payments).toEqual({ kind: 'emulator', port: 12111, chaos: false });
    const real = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123', STRIPE_WEBHOOK_SECRET: 'whsec_def456' });
    expect(real.ok && real.config.payments).toEqual({
      kind: 'stripe',
      secretKey: 'sk_test_abc123',
      webhookSecret: 'whsec_def456',
      apiUrl: null,
    });
    const half = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_abc123' });
    expect(half.ok).toBe(false);
    expect(!half.ok && half.problems.join('\n')).toMatch(/STRIPE_SECRET_KEY \/ STRIPE_WEBHOOK_SECRET: set both/);
    const typo = loadConfig({ STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_def456' });
    expect(!typo.ok && typo.problems.join('\n')).toMatch(/STRIPE_SECRET_KEY: expected a Stripe secret key/);
  });

  it('turns the demo and the simulated lockers off by default in production', () => {
    const result = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://lockers.example.org',
      AUTH_SECRET: 'x'.repeat(40),
      COMMAND_SIGNING_KEY_FILE: '/etc/smartlocker/command.pem',
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_def456',
    });
    expect(result.ok).toBe(true);
    expect(result.ok && result.config.demoMode).toBe(false);
    expect(result.ok && result.config.simulatedLockers).toBe(false);
  });
});

describe('Mosquitto in production (docs/deploy-mosquitto.md)', () => {
  it('is off by default, and on with an external broker and the server account', () => {
    const off = loadConfig({}, '/srv/app');
    expect(off.ok && off.config.mosquitto).toEqual({ dynamicSecurity: false, logFile: null });
    const on = loadConfig(
      {
        MQTT_URL: 'mqtts://broker:8883',
        MQTT_USERNAME: 'smartlocker-server',
        MQTT_PASSWORD: 'p',
        MQTT_DYNSEC: 'true',
        MQTT_BROKER_LOG_FILE: 'log/mosquitto.log',
      },
      '/srv/app',
    );
    expect(on.ok && on.config.mosquitto).toEqual({ dynamicSecurity: true, logFile: '/srv/app/log/mosquitto.log' });
  });

  it('refuses dynamic security without the account, and a log file without an external broker', () => {
    const result = loadConfig({ MQTT_DYNSEC: 'yes', MQTT_BROKER_LOG_FILE: '/var/log/mosquitto/mosquitto.log' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.some((p) => p.startsWith('MQTT_DYNSEC:'))).toBe(true);
    expect(result.problems.some((p) => p.startsWith('MQTT_BROKER_LOG_FILE:'))).toBe(true);
  });
});

describe('configuration documentation', () => {
  it('serves mqtts:// from the embedded broker only with both certificate files (issue 14)', () => {
    const half = loadConfig({ EMBEDDED_MQTT_TLS_CERT_FILE: 'tls/server.crt' }, '/srv/app');
    expect(half.ok).toBe(false);
    if (!half.ok)
      expect(half.problems.join('\n')).toContain('EMBEDDED_MQTT_TLS_CERT_FILE / EMBEDDED_MQTT_TLS_KEY_FILE');
    const external = loadConfig(
      { MQTT_URL: 'mqtts://broker:8883', EMBEDDED_MQTT_TLS_CERT_FILE: 'a.crt', EMBEDDED_MQTT_TLS_KEY_FILE: 'a.key' },
      '/srv/app',
    );
    expect(external.ok).toBe(false);
    const both = loadConfig(
      {
        EMBEDDED_MQTT_TLS_CERT_FILE: 'tls/server.crt',
        EMBEDDED_MQTT_TLS_KEY_FILE: '/etc/tls/server.key',
        MQTT_TLS_CA_FILE: 'tls/ca.crt',
        SHUTDOWN_GRACE_S: '20',
      },
      '/srv/app',
    );
    expect(both.ok).toBe(true);
    if (!both.ok) return;
    expect(both.config.mqtt).toEqual({
      kind: 'embedded',
      host: '127.0.0.1',
      port: 1884,
      tls: { host: '0.0.0.0', port: 8883, certFile: '/srv/app/tls/server.crt', keyFile: '/etc/tls/server.key' },
    });
    expect(both.config.mqttTlsCaFile).toBe('/srv/app/tls/ca.crt');
    expect(both.config.shutdownGraceMs).toBe(20_000);
  });

  it('lists every variable in the README table and in .env.example', () => {
    const readme = readFileSync(`${repoRoot}README.md`, 'utf8');
    const example = readFileSync(`${repoRoot}.env.example`, 'utf8');
    for (const variable of CONFIG_VARIABLES) {
      expect(readme, `README.md documents ${variable}`).toContain(`| \`${variable}\``);
      expect(example, `.env.example mentions ${variable}`).toMatch(new RegExp(`^#? ?${variable}=`, 'm'));
    }
  });
});

describe('the server process', () => {
  it('prints every configuration problem and exits with code 2', () => {
    const run = spawnSync(process.execPath, ['scripts/start.mjs'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, PORT: 'x', MQTT_URL: 'ftp://nope', NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    for (const variable of ['PORT', 'MQTT_URL', 'AUTH_SECRET', 'COMMAND_SIGNING_KEY_FILE', 'PUBLIC_URL']) {
      expect(run.stderr).toContain(`${variable}:`);
    }
  });
});
