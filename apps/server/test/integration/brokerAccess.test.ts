import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicFor } from '@smartlocker/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerAccess, SERVER_BROKER_USERNAME } from '../../src/broker/brokerAccess';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../src/broker/embeddedBroker';
import { type OpenDatabase, openDatabase } from '../../src/db/database';
import { lockers, sites } from '../../src/db/schema';
import { DeviceCredentials } from '../../src/provisioning/DeviceCredentials';
import { hashDeviceSecret, verifyDeviceSecret } from '../../src/provisioning/deviceSecret';
import { renderMosquittoAcl } from '../../src/provisioning/mosquittoAcl';
import { ProvisioningRepository } from '../../src/provisioning/ProvisioningRepository';

/**
 * SPEC §12 per-device credentials and topic permissions, on the embedded aedes broker and on a
 * private Mosquitto configured from docs/mosquitto.md (password file + the ACL renderMosquittoAcl
 * writes): a locker logs in with its own secret, speaks on its own topics only, and cannot
 * listen to another locker's commands. The Mosquitto half runs where /usr/sbin/mosquitto is
 * installed; under CI its absence is a failure.
 */
const MOSQUITTO = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';
const MOSQUITTO_PASSWD = process.env.MOSQUITTO_PASSWD_PATH ?? '/usr/bin/mosquitto_passwd';
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const mosquittoInstalled = existsSync(MOSQUITTO) && existsSync(MOSQUITTO_PASSWD);
if (!mosquittoInstalled && inCi) {
  throw new Error(`${MOSQUITTO} and ${MOSQUITTO_PASSWD} must exist when CI=true (apt-get install mosquitto)`);
}

const suffix = randomBytes(3).toString('hex').toUpperCase();
const A = `ACL_A${suffix}`;
const B = `ACL_B${suffix}`;

interface Account {
  username: string;
  password: string;
}

interface BrokerUnderTest {
  name: 'aedes' | 'mosquitto';
  url: string;
  server: Account;
  devices: Record<string, Account>;
  /** aedes closes a client that publishes where it may not [MQTT-3.3.5-2]; Mosquitto drops the message. */
  closesOnForbiddenPublish: boolean;
  /** A new secret for `lockerId`; null where the broker's password file is static. */
  rotate: ((lockerId: string) => Promise<string>) | null;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

async function startAedes(): Promise<BrokerUnderTest> {
  const database: OpenDatabase = await openDatabase({ kind: 'pglite-memory' });
  const [site] = await database.db.insert(sites).values({ name: 'ACL test' }).returning();
  if (!site) throw new Error('no site');
  await database.db
    .insert(lockers)
    .values([A, B].map((id) => ({ id, siteId: site.id, name: id, type: 'school' as const, pairingCode: `SL-${id}` })));
  const credentials = new DeviceCredentials(new ProvisioningRepository(database.db));
  const serverPassword = randomBytes(24).toString('base64url');
  let broker: EmbeddedBroker | null = null;
  try {
    broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      access: new BrokerAccess({ serverPassword, verifyDevice: (id, secret) => credentials.verify(id, secret) }),
    });
    const embedded = broker;
    credentials.onRevoked((id) => embedded.disconnectDevice(id));
    const devices: Record<string, Account> = {};
    for (const id of [A, B]) {
      const secret = await credentials.issue(id);
      if (!secret) throw new Error(`no locker ${id}`);
      devices[id] = { username: id, password: secret };
    }
    return {
      name: 'aedes',
      url: embedded.url,
      server: { username: SERVER_BROKER_USERNAME, password: serverPassword },
      devices,
      closesOnForbiddenPublish: true,
      rotate: async (id) => {
        const secret = await credentials.issue(id);
        if (!secret) throw new Error(`no locker ${id}`);
        return secret;
      },
      stop: async () => {
        await embedded.close();
        await database.close();
      },
    };
  } catch (error) {
    await broker?.close();
    await database.close();
    throw error;
  }
}

async function startMosquitto(): Promise<BrokerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-mosquitto-'));
  const port = await freePort();
  const server = { username: SERVER_BROKER_USERNAME, password: randomBytes(24).toString('base64url') };
  const devices: Record<string, Account> = {};
  for (const id of [A, B]) devices[id] = { username: id, password: randomBytes(32).toString('base64url') };
  const passwordFile = join(dir, 'passwd');
  writeFileSync(passwordFile, '', { mode: 0o600 });
  for (const account of [server, ...Object.values(devices)]) {
    execFileSync(MOSQUITTO_PASSWD, ['-b', passwordFile, account.username, account.password]);
  }
  writeFileSync(join(dir, 'acl'), renderMosquittoAcl());
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      'log_dest stderr',
      // As root, Mosquitto would switch to the `mosquitto` user, who cannot read this folder.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const url = `mqtt://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const probe = await mqtt.connectAsync(url, { ...server, reconnectPeriod: 0, connectTimeout: 1_000 });
      await probe.endAsync();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`mosquitto did not start: ${String(error)}\n${log}`);
      }
      await sleep(100);
    }
  }
  return { name: 'mosquitto', url, server, devices, closesOnForbiddenPublish: false, rotate: null, stop };
}

const backends = [
  { name: 'aedes', start: startAedes },
  ...(mosquittoInstalled ? [{ name: 'mosquitto', start: startMosquitto }] : []),
];

describe('device secrets', () => {
  it('are stored as a salted SHA-256 digest that verifies only the same secret', async () => {
    const first = await hashDeviceSecret('s3cret');
    const second = await hashDeviceSecret('s3cret');
    expect(first).toMatch(/^sha256\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(first).not.toContain('s3cret');
    expect(await verifyDeviceSecret('s3cret', first)).toBe(true);
    expect(await verifyDeviceSecret('s3cret', second)).toBe(true);
    expect(await verifyDeviceSecret('s3creT', first)).toBe(false);
    expect(await verifyDeviceSecret('s3cret', 'sha256$bad')).toBe(false);
    expect(await verifyDeviceSecret('s3cret', `${first.slice(0, -2)}AA`)).toBe(false);
    expect(await verifyDeviceSecret('s3cret', first.replace(/^sha256/, 'md5'))).toBe(false);
  });

  it('still verifies the scrypt hashes stored before ADR 13', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('0ld-s3cret', salt, 32, { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const legacy = ['scrypt', 16_384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    expect(await verifyDeviceSecret('0ld-s3cret', legacy)).toBe(true);
    expect(await verifyDeviceSecret('0ld-s3creT', legacy)).toBe(false);
    expect(await verifyDeviceSecret('0ld-s3cret', 'scrypt$16384$8$1$bad')).toBe(false);
  });
});

describe.each(backends)('broker access on $name', ({ name, start }) => {
  let broker: BrokerUnderTest;
  let observer: MqttClient;
  const received: { topic: string; payload: string }[] = [];
  const clients: MqttClient[] = [];

  async function connect(options: IClientOptions): Promise<MqttClient> {
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    clients.push(client);
    return client;
  }

  /** The CONNACK return code of a refused connection (MQTT 3.1.1 §3.2.2.3), or 0 when accepted. */
  async function connackCode(options: IClientOptions): Promise<number> {
    try {
      await connect(options);
      return 0;
    } catch (error) {
      return Number((error as { code?: number }).code ?? -1);
    }
  }

  /** The granted QoS of one filter; 128 is a refusal (mqtt.js rejects the SUBACK then). */
  async function grantedQos(client: MqttClient, filter: string): Promise<number> {
    try {
      const granted = await client.subscribeAsync(filter, { qos: 1 });
      return granted[0]?.qos ?? -1;
    } catch (error) {
      // mqtt.js rejects a SUBACK that refuses any filter, with the packet attached.
      const granted = (error as { packet?: { granted?: number[] } }).packet?.granted;
      return granted?.[0] ?? -1;
    }
  }

  function device(id: string, extra: IClientOptions = {}): Promise<MqttClient> {
    const account = broker.devices[id];
    if (!account) throw new Error(`no account ${id}`);
    return connect({ ...account, clientId: `smartlocker-agent-${id}`, ...extra });
  }

  async function waitForMessage(topic: string, payload: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!received.some((m) => m.topic === topic && m.payload === payload)) {
      if (Date.now() > deadline) throw new Error(`${topic} ${payload} never arrived`);
      await sleep(20);
    }
  }

  function wasReceived(payload: string): boolean {
    return received.some((m) => m.payload === payload);
  }

  /** Publishes where the device may not, and proves the message went nowhere. */
  async function publishForbidden(client: MqttClient, topic: string, payload: string): Promise<void> {
    if (broker.closesOnForbiddenPublish) {
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topic, payload, { qos: 1 });
      await closed;
      await sleep(200);
    } else {
      await client.publishAsync(topic, payload, { qos: 1 });
      // Same client, same QoS: Mosquitto keeps the order, so once this one is in, the other is not coming.
      const marker = `after-${payload}`;
      await client.publishAsync(topicFor(client.options.username ?? '', 'event'), marker, { qos: 1 });
      await waitForMessage(topicFor(client.options.username ?? '', 'event'), marker);
    }
    expect(wasReceived(payload)).toBe(false);
  }

  beforeAll(async () => {
    broker = await start();
    observer = await connect({ ...broker.server, clientId: `observer-${suffix}` });
    observer.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    const granted = await observer.subscribeAsync('smartlocker/v1/lockers/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
  });

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await broker?.stop();
  });

  it('refuses anonymous clients, wrong secrets and unknown lockers', async () => {
    // 5 = not authorised, 4 = bad user name or password.
    expect(await connackCode({ clientId: `anon-${suffix}` })).toBe(5);
    expect(await connackCode({ username: A, password: 'not-the-secret', clientId: `smartlocker-agent-${A}` })).toBe(
      broker.name === 'aedes' ? 4 : 5,
    );
    expect(
      await connackCode({ username: `GHOST${suffix}`, password: broker.devices[A]?.password ?? '', clientId: 'x' }),
    ).not.toBe(0);
    // Another locker's secret does not open this locker's account.
    expect(await connackCode({ username: A, password: broker.devices[B]?.password ?? '', clientId: 'y' })).not.toBe(0);
    expect(await connackCode({ ...broker.server, password: 'wrong', clientId: `srv-${suffix}` })).not.toBe(0);
  });

  it('lets a locker publish its own state, and nothing on another locker', async () => {
    const client = await device(A);
    const own = `own-state-${randomBytes(4).toString('hex')}`;
    await client.publishAsync(topicFor(A, 'state'), own, { qos: 1 });
    await waitForMessage(topicFor(A, 'state'), own);
    await publishForbidden(client, topicFor(B, 'state'), `forged-state-${randomBytes(4).toString('hex')}`);
  });

  it('does not let a locker publish commands, even to itself', async () => {
    const client = await device(A);
    await publishForbidden(client, topicFor(A, 'cmd'), `self-command-${randomBytes(4).toString('hex')}`);
  });

  it('lets a locker subscribe to its own cmd and config only', async () => {
    const client = await device(A);
    const messages: string[] = [];
    client.on('message', (_topic, payload) => messages.push(payload.toString()));
    const own = await client.subscribeAsync([topicFor(A, 'cmd'), topicFor(A, 'config')], { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1, 1]);
    const foreign = await grantedQos(client, topicFor(B, 'cmd'));
    const wildcard = await grantedQos(client, 'smartlocker/v1/lockers/+/cmd');
    // aedes refuses the filter in its SUBACK; Mosquitto 2.0 grants it but checks its ACL on
    // every delivery, so nothing of B's reaches A either way (checked below).
    const refusedInSuback = broker.name === 'aedes';
    expect(foreign).toBe(refusedInSuback ? 128 : 1);
    expect(wildcard).toBe(refusedInSuback ? 128 : 1);

    const forB = `for-b-${randomBytes(4).toString('hex')}`;
    const forA = `for-a-${randomBytes(4).toString('hex')}`;
    await observer.publishAsync(topicFor(B, 'cmd'), forB, { qos: 1 });
    await observer.publishAsync(topicFor(A, 'cmd'), forA, { qos: 1 });
    const deadline = Date.now() + 5_000;
    while (!messages.includes(forA) && Date.now() < deadline) await sleep(20);
    expect(messages).toContain(forA);
    expect(messages).not.toContain(forB);
  });

  it("never delivers a last will on another locker's topic, and fires a locker's own", async () => {
    const forgedWill = `forged-will-${randomBytes(4).toString('hex')}`;
    const forged = await connackCode({
      ...broker.devices[A],
      clientId: `smartlocker-agent-${A}`,
      will: { topic: topicFor(B, 'status'), payload: Buffer.from(forgedWill), qos: 1, retain: false },
    });
    // aedes refuses the CONNECT; Mosquitto 2.0 accepts it and checks the will when it fires.
    expect(forged).toBe(broker.name === 'aedes' ? 5 : 0);
    if (forged === 0) clients.at(-1)?.stream.destroy();

    const willPayload = `will-${randomBytes(4).toString('hex')}`;
    const client = await device(A, {
      will: { topic: topicFor(A, 'status'), payload: Buffer.from(willPayload), qos: 1, retain: false },
    });
    client.stream.destroy();
    await waitForMessage(topicFor(A, 'status'), willPayload, 10_000);
    expect(wasReceived(forgedWill)).toBe(false);
  });

  // Mosquitto's password file is static (mosquitto_passwd), and it has no client id rule
  // (docs/mosquitto.md): these two hold for the embedded broker.
  if (name === 'aedes') {
    it('ends the session of a locker whose secret is rotated, and accepts only the new secret', async () => {
      const old = broker.devices[B];
      if (!old || !broker.rotate) throw new Error('no account');
      const client = await device(B);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const secret = await broker.rotate(B);
      await closed;
      expect(await connackCode({ ...old, clientId: `smartlocker-agent-${B}` })).toBe(4);
      broker.devices[B] = { username: B, password: secret };
      const renewed = await device(B);
      expect(renewed.connected).toBe(true);
    });

    it("refuses a locker that takes another locker's or the server's client id", async () => {
      expect(await connackCode({ ...broker.devices[A], clientId: `smartlocker-agent-${B}` })).toBe(2);
      expect(await connackCode({ ...broker.devices[A], clientId: `${SERVER_BROKER_USERNAME}-x` })).toBe(2);
      expect(await connackCode({ ...broker.devices[A], clientId: `bench-${suffix}` })).toBe(0);
    });
  }
});
