import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig, type RunningAgent, startAgent } from '@smartlocker/agent';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { lockers } from '../../src/db/schema';

/**
 * Issue 14, MQTT over TLS: the embedded broker serves mqtts:// from certificate files, the
 * provisioning bundle carries the CA, and the agent trusts that CA only. Certificates are made
 * here with the openssl command (node:crypto cannot issue X.509 certificates): a CA, a broker
 * certificate it signs for 127.0.0.1, and a second, unrelated CA.
 */
function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  openssl(
    dir,
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-sha256',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-out',
    `${name}.crt`,
  );
}

function makeBrokerCertificate(dir: string): void {
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  openssl(dir, 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'broker.key');
  openssl(dir, 'req', '-new', '-key', 'broker.key', '-subj', '/CN=broker.test', '-out', 'broker.csr');
  writeFileSync(
    join(dir, 'broker.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'broker.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-extfile',
    'broker.ext',
    '-out',
    'broker.crt',
  );
}

/**
 * What happens when a client connects: 'connected', the TLS error's code, or 'closed' when the
 * broker hung up without a CONNACK. Every outcome ends the client; none waits for ever.
 */
function connectWith(url: string, options: mqtt.IClientOptions): Promise<string> {
  const client = mqtt.connect(url, {
    ...options,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    clientId: `probe-${randomBytes(3).toString('hex')}`,
  });
  return new Promise<string>((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('error', (error) => resolve(String((error as { code?: string }).code ?? error.message)));
    client.once('close', () => resolve('closed'));
  }).finally(() => client.end(true));
}

describe('MQTT over TLS with a pinned CA', () => {
  const certs = mkdtempSync(join(tmpdir(), 'smartlocker-tls-'));
  let system: TestSystem;
  const agents: RunningAgent[] = [];
  const suffix = randomBytes(3).toString('hex').toUpperCase();

  beforeAll(async () => {
    makeBrokerCertificate(certs);
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, {
      EMBEDDED_MQTT_TLS_CERT_FILE: join(certs, 'broker.crt'),
      EMBEDDED_MQTT_TLS_KEY_FILE: join(certs, 'broker.key'),
      EMBEDDED_MQTT_TLS_HOST: '127.0.0.1',
      EMBEDDED_MQTT_TLS_PORT: '0',
      MQTT_TLS_CA_FILE: join(certs, 'ca.crt'),
    });
  });
  afterAll(async () => {
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    rmSync(certs, { recursive: true, force: true });
  });

  async function provision(id: string) {
    const { agentConfig } = await system.provisioning.provision(
      { id, name: `TLS ${id}`, type: 'sport' },
      { kind: 'system', id: null },
    );
    return agentConfig as typeof agentConfig & { mqtt: { url: string; password: string; caPem?: string } };
  }

  it('hands out the mqtts:// listener and its CA in the provisioning bundle', async () => {
    const config = await provision(`TLS_B${suffix}`);
    expect(config.mqtt.url).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(config.mqtt.caPem).toBe(readFileSync(join(certs, 'ca.crt'), 'utf8'));
    // The agent's own parser accepts the bundle as it is.
    expect(parseAgentConfig({ ...config, stateDir: certs }).mqtt.caPem).toContain('BEGIN CERTIFICATE');
  });

  it('lets an agent with the pinned CA connect over TLS', async () => {
    const id = `TLS_A${suffix}`;
    const config = await provision(id);
    const stateDir = join(certs, 'state-good');
    const agent = await startAgent({ ...config, stateDir, hal: { driver: 'simulator' }, logLevel: 'silent' });
    agents.push(agent);
    await agent.waitUntilConnected(15_000);
    expect(agent.connected).toBe(true);
    // The server saw it come online through the broker.
    const deadline = Date.now() + 10_000;
    let online = false;
    while (!online && Date.now() < deadline) {
      online = await lockerOnline(system, id);
      if (!online) await new Promise((r) => setTimeout(r, 100));
    }
    expect(online).toBe(true);
  });

  it('refuses a client that trusts another CA, and plain MQTT on the TLS port', async () => {
    const id = `TLS_C${suffix}`;
    const config = await provision(id);
    const otherCa = readFileSync(join(certs, 'other-ca.crt'), 'utf8');
    const goodCa = readFileSync(join(certs, 'ca.crt'), 'utf8');
    const account = { username: id, password: config.mqtt.password };
    expect(await connectWith(config.mqtt.url, { ...account, ca: goodCa, rejectUnauthorized: true })).toBe('connected');
    expect(await connectWith(config.mqtt.url, { ...account, ca: otherCa, rejectUnauthorized: true })).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    // Plain MQTT on the TLS port is not a handshake: the broker hangs up.
    expect(await connectWith(config.mqtt.url.replace('mqtts://', 'mqtt://'), account)).not.toBe('connected');

    // The agent itself, given the other CA, never gets a session.
    const agent = await startAgent({
      ...config,
      mqtt: { ...config.mqtt, caPem: otherCa },
      stateDir: join(certs, 'state-bad'),
      hal: { driver: 'simulator' },
      logLevel: 'silent',
    });
    agents.push(agent);
    await expect(agent.waitUntilConnected(3_000)).rejects.toThrow();
    expect(agent.connected).toBe(false);
    expect(await lockerOnline(system, id)).toBe(false);
  });
});

async function lockerOnline(system: TestSystem, id: string): Promise<boolean> {
  const [row] = await system.database.db.select({ online: lockers.online }).from(lockers).where(eq(lockers.id, id));
  return row?.online ?? false;
}
