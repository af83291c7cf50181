import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfigInput, parseAgentConfig, type RunningAgent, startAgent } from '@smartlocker/agent';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBackends, EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { formatSimulatorTable, type RunningSimulator, runSimulator } from '../../src/cli/simulator';
import { auditEvents, lockers } from '../../src/db/schema';

/**
 * SPEC §12 provisioning: an administrator creates a locker over HTTP and gets the one-time agent
 * config (broker password included, only its hash stored); the locker's agent comes online with
 * it; a rotated secret replaces the old one at once. Then `npm run sim`'s engine provisions and
 * runs five simulated lockers against a running server.
 */
type ErrorBody = { error: { code: string; message: string } };
interface Provisioned {
  locker: { id: string; name: string; type: string; online: boolean; site: { name: string } };
  pairingCode: string;
  agentConfig: AgentConfigInput & { mqtt: { url: string; username: string; password: string } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function lockersOnline(system: TestSystem, expected: number, timeoutMs = 15_000): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  let online: number | null = null;
  while (Date.now() < deadline) {
    online = ((await (await fetch(`${system.url}/healthz`)).json()) as { lockersOnline: number | null }).lockersOnline;
    if (online === expected) return online;
    await sleep(100);
  }
  return online;
}

/** The CONNACK code the embedded broker answers to these credentials (0 = accepted). */
async function brokerAnswer(url: string, username: string, password: string): Promise<number> {
  try {
    const client = await mqtt.connectAsync(url, {
      username,
      password,
      reconnectPeriod: 0,
      clientId: `probe-${username}`,
    });
    await client.endAsync();
    return 0;
  } catch (error) {
    return Number((error as { code?: number }).code ?? -1);
  }
}

async function signedInAdmin(system: TestSystem): Promise<TestBrowser> {
  const account = system.demoAccounts.find((a) => a.role === 'admin');
  if (!account) throw new Error('no demo administrator');
  const admin = new TestBrowser(system.url);
  expect(await admin.signIn(account.email, account.password)).toBe(200);
  return admin;
}

describe.each(databaseBackends())('provisioning on $name', (db) => {
  let system: TestSystem;
  let admin: TestBrowser;
  let stateRoot: string;
  const agents: RunningAgent[] = [];
  let firstSecret = '';
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const id = `NEW_P${suffix}`;

  beforeAll(async () => {
    system = await startTestSystem(db, EMBEDDED_BROKER);
    admin = await signedInAdmin(system);
    stateRoot = mkdtempSync(join(tmpdir(), 'smartlocker-provisioned-'));
  });
  afterAll(async () => {
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });

  it('is for administrators only', async () => {
    const anonymous = await fetch(`${system.url}/api/admin/lockers`, {
      method: 'POST',
      headers: { origin: system.url, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: 'x', type: 'sport' }),
    });
    expect(anonymous.status).toBe(401);
    const member = new TestBrowser(system.url);
    await member.signUp(`member-${suffix.toLowerCase()}-${Date.now()}@example.org`);
    const refused = await member.json<ErrorBody>('POST', '/api/admin/lockers', { id, name: 'x', type: 'sport' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('admin_only');
    const rotate = await member.json<ErrorBody>('POST', `/api/admin/lockers/${system.lockerIds.sport}/rotate-secret`);
    expect(rotate.status).toBe(403);
  });

  it('validates the request', async () => {
    const badId = await admin.json<ErrorBody>('POST', '/api/admin/lockers', { id: 'bad id', name: 'x', type: 'sport' });
    expect(badId.status).toBe(400);
    expect(badId.body.error.code).toBe('invalid_request');
    const badType = await admin.json<ErrorBody>('POST', '/api/admin/lockers', { id, name: 'x', type: 'garage' });
    expect(badType.body.error.code).toBe('invalid_request');
    const badCode = await admin.json<ErrorBody>('POST', '/api/admin/lockers', {
      id,
      name: 'x',
      type: 'sport',
      pairingCode: 'not a code',
    });
    expect(badCode.status).toBe(400);
    expect(badCode.body.error.code).toBe('invalid_code');
    const badHal = await admin.json<ErrorBody>('POST', '/api/admin/lockers', {
      id,
      name: 'x',
      type: 'sport',
      agent: { hal: { driver: 'teleporter' } },
    });
    expect(badHal.status).toBe(400);
    expect(badHal.body.error.code).toBe('invalid_agent_config');
    const badZone = await admin.json<ErrorBody>('POST', '/api/admin/lockers', {
      id,
      name: 'x',
      type: 'sport',
      siteName: 'Elsewhere',
      siteTimeZone: 'Mars/Olympus',
    });
    expect(badZone.body.error.code).toBe('invalid_request');
    // Nothing was created by the refusals.
    expect(await system.database.db.select().from(lockers).where(eq(lockers.id, id))).toEqual([]);
  });

  it('creates a locker and answers its one-time agent config, keeping only a hash of the secret', async () => {
    const response = await admin.request('POST', '/api/admin/lockers', {
      id,
      name: 'Casier provisionné',
      type: 'sport',
      agent: { stateDir: join(stateRoot, id), hal: { driver: 'simulator', autoPerson: { enabled: true } } },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Provisioned;
    expect(body.locker).toMatchObject({ id, name: 'Casier provisionné', type: 'sport', online: false });
    // One site in the demo: the locker goes there, and gets the code printed from its id.
    expect(body.locker.site.name).toBe('Campus SmartLocker');
    expect(body.pairingCode).toBe(`SL-NEW-P${suffix}`);
    const { mqtt: broker } = body.agentConfig;
    expect(broker.url).toBe(system.brokerUrl);
    expect(broker.username).toBe(id);
    expect(broker.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.agentConfig.commandPublicKeyPem).toBe(system.commandPublicKeyPem);
    expect(parseAgentConfig(body.agentConfig).lockerId).toBe(id);
    firstSecret = broker.password;

    const [row] = await system.database.db.select().from(lockers).where(eq(lockers.id, id));
    expect(row?.deviceSecretHash).toMatch(/^sha256\$/);
    expect(row?.deviceSecretHash).not.toContain(broker.password);
    expect(row?.pairingCode).toBe(body.pairingCode);
    const audit = await system.database.db.select().from(auditEvents).where(eq(auditEvents.lockerId, id));
    expect(audit.map((a) => [a.action, a.actorKind])).toContainEqual(['locker.provisioned', 'admin']);

    // The config is all a locker needs: it comes online, and can be paired by its code.
    const agent = await startAgent({ ...body.agentConfig, logLevel: 'silent' });
    agents.push(agent);
    await agent.waitUntilConnected(10_000);
    expect(await lockersOnline(system, 3)).toBe(3);
    const member = new TestBrowser(system.url);
    await member.signUp(`pair-${suffix.toLowerCase()}-${Date.now()}@example.org`);
    const paired = await member.json<{ locker: { id: string } }>('POST', '/api/pairing', { code: body.pairingCode });
    expect(paired.status).toBe(201);
    expect(paired.body.locker.id).toBe(id);
  });

  it('refuses a second locker with the same id or the same pairing code', async () => {
    const sameId = await admin.json<ErrorBody>('POST', '/api/admin/lockers', { id, name: 'x', type: 'school' });
    expect(sameId.status).toBe(409);
    expect(sameId.body.error.code).toBe('locker_exists');
    const sameCode = await admin.json<ErrorBody>('POST', '/api/admin/lockers', {
      id: `OTHER_P${suffix}`,
      name: 'x',
      type: 'school',
      pairingCode: system.codes.sport.toLowerCase(),
    });
    expect(sameCode.status).toBe(409);
    expect(sameCode.body.error.code).toBe('pairing_code_taken');
  });

  it('rotates a secret: the old one stops working at once, the new one works', async () => {
    const agent = agents[0];
    if (!agent) throw new Error('the previous test started no agent');
    const before = (await system.database.db.select().from(lockers).where(eq(lockers.id, id)))[0]?.deviceSecretHash;
    const rotated = await admin.json<Provisioned>('POST', `/api/admin/lockers/${id}/rotate-secret`, {
      agent: { stateDir: join(stateRoot, id), hal: { driver: 'simulator' } },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.locker.id).toBe(id);
    expect(rotated.body.pairingCode).toBe(`SL-NEW-P${suffix}`);
    const secret = rotated.body.agentConfig.mqtt.password;
    const after = (await system.database.db.select().from(lockers).where(eq(lockers.id, id)))[0]?.deviceSecretHash;
    expect(after).not.toBe(before);

    // The running agent still holds the old secret: its session is ended and it cannot come back.
    await expect.poll(() => agent.connected, { timeout: 5_000 }).toBe(false);
    expect(await lockersOnline(system, 2)).toBe(2);
    expect(await brokerAnswer(system.brokerUrl, id, firstSecret)).toBe(4);
    expect(await brokerAnswer(system.brokerUrl, id, secret)).toBe(0);
    await agent.stop();
    const renewed = await startAgent({ ...rotated.body.agentConfig, logLevel: 'silent' });
    agents.push(renewed);
    await renewed.waitUntilConnected(10_000);
    expect(await lockersOnline(system, 3)).toBe(3);

    const unknown = await admin.json<ErrorBody>('POST', `/api/admin/lockers/GHOST_P${suffix}/rotate-secret`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('locker_not_found');
    const audit = await system.database.db.select().from(auditEvents).where(eq(auditEvents.lockerId, id));
    expect(audit.map((a) => a.action)).toContain('locker.secret_rotated');
  });

  it('asks which site once there are several, and creates a named one', async () => {
    const named = await admin.json<Provisioned>('POST', '/api/admin/lockers', {
      id: `SITE_P${suffix}`,
      name: 'Casier annexe',
      type: 'school',
      siteName: `Annexe ${suffix}`,
      siteTimeZone: 'Europe/Paris',
    });
    expect(named.status).toBe(201);
    expect(named.body.locker.site.name).toBe(`Annexe ${suffix}`);
    const ambiguous = await admin.json<ErrorBody>('POST', '/api/admin/lockers', {
      id: `NOSITE_P${suffix}`,
      name: 'x',
      type: 'school',
    });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.code).toBe('site_required');
  });
});

describe('npm run sim against a running server', () => {
  let system: TestSystem;
  let dataDir: string;
  let simulator: RunningSimulator | null = null;
  const prefix = `SIM${randomBytes(2).toString('hex').toUpperCase()}`;

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-sim-'));
  });
  afterAll(async () => {
    await simulator?.stop();
    await system?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function admin() {
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    if (!account) throw new Error('no demo administrator');
    return { email: account.email, password: account.password };
  }

  it('provisions five lockers, writes their configs and brings all of them online', async () => {
    simulator = await runSimulator({
      url: system.url,
      lockers: 5,
      dataDir,
      prefix,
      admin: admin(),
      agentLogLevel: 'silent',
    });
    expect(simulator.rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5].map((i) => `${prefix}_00${i}`));
    expect(simulator.rows.every((r) => r.online && r.provisioning === 'created')).toBe(true);
    expect(simulator.rows.map((r) => r.type)).toEqual(['sport', 'school', 'sport', 'school', 'sport']);
    for (const row of simulator.rows) {
      expect(row.configPath).toBe(join(dataDir, 'sim', row.id, 'agent.json'));
      // The file holds the locker's broker password: readable by its owner only.
      expect(statSync(row.configPath).mode & 0o777).toBe(0o600);
    }
    expect(await lockersOnline(system, 7)).toBe(7);
    const table = formatSimulatorTable(simulator.rows);
    expect(table).toContain(`${prefix}_005`);
    expect(table).toContain(`SL-${prefix}-001`);
  });

  it('keeps the lockers of an earlier run and gives them new secrets', async () => {
    await simulator?.stop();
    simulator = null;
    expect(await lockersOnline(system, 2)).toBe(2);
    simulator = await runSimulator({
      url: system.url,
      lockers: 2,
      dataDir,
      prefix,
      admin: admin(),
      agentLogLevel: 'silent',
    });
    expect(simulator.rows.map((r) => [r.id, r.provisioning, r.online])).toEqual([
      [`${prefix}_001`, 'rotated', true],
      [`${prefix}_002`, 'rotated', true],
    ]);
    expect(await lockersOnline(system, 4)).toBe(4);
  });

  it('explains what is wrong when the server cannot be reached or refuses the administrator', async () => {
    await expect(
      runSimulator({ url: 'http://127.0.0.1:9', lockers: 1, dataDir, admin: admin(), agentLogLevel: 'silent' }),
    ).rejects.toThrow(/cannot reach the server/);
    await expect(
      runSimulator({
        url: system.url,
        lockers: 1,
        dataDir,
        admin: { email: admin().email, password: 'wrong password' },
        agentLogLevel: 'silent',
      }),
    ).rejects.toThrow(/sign-in refused/);
    await expect(runSimulator({ url: system.url, lockers: 1, dataDir: join(dataDir, 'nowhere') })).rejects.toThrow(
      /demo-accounts\.json not found/,
    );
  });
});
