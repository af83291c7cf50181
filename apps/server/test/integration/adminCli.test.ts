import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAgentConfig } from '@smartlocker/agent';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startSystem } from '../../../../apps/server/src/index';
import { TestBrowser } from '../../../../test-support/http';
import { runAdminCli } from '../../src/cli/adminCommands';
import { type Database, openDatabase } from '../../src/db/database';
import { auditEvents, lockers, users } from '../../src/db/schema';
import { verifyDeviceSecret } from '../../src/provisioning/deviceSecret';
import { GOOD_PASSWORD, uniqueEmail } from './support/accounts';

/**
 * Issue 11's `npm run admin` against a DATA_DIR of its own, as an operator runs it: first while a
 * server holds the embedded database (refused, exit 2, saying what to do), then with the server
 * stopped — sites, a locker with its agent file, new credentials, Premium for an account made
 * through the server. Each command is a process of its own (a few seconds each: kept to the
 * ones that need it); the refusals that never reach the database run in this process.
 *
 * PGlite only: the lock is PGlite's, and the services behind each command are the ones the HTTP
 * suites run on both databases.
 */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

interface Run {
  code: number | null;
  out: string;
  err: string;
}

describe('npm run admin on a stopped server’s embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-admin-cli-'));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  const email = uniqueEmail('cli-premium');
  const agentFile = join(dataDir, 'smartlocker-agent-CLI_01.json');
  let serverPid = 0;
  let serverStopped = false;
  let stopServer: () => Promise<void> = async () => {};
  let firstSecret = '';

  /** `node --import tsx apps/server/src/cli/admin.ts …`, what `npm run admin -- …` runs. */
  function admin(args: string[], options: { viaNpm?: boolean } = {}): Promise<Run> {
    const [command, argv] = options.viaNpm
      ? ['npm', ['run', '--silent', 'admin', '--', ...args]]
      : [process.execPath, ['--import', 'tsx', 'apps/server/src/cli/admin.ts', ...args]];
    const child = spawn(command, argv, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, out, err }));
    });
  }

  /** The same command line in this process (for refusals that stop before any database). */
  async function inProcess(args: string[]): Promise<Run> {
    let out = '';
    let err = '';
    const code = await runAdminCli(args, env, {
      out: (text) => {
        out += text;
      },
      err: (text) => {
        err += text;
      },
    });
    return { code, out, err };
  }

  async function withDatabase<T>(read: (db: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase({ kind: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      return await read(database.db);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    // The server as `npm start` runs it on this DATA_DIR: the embedded database and its lock.
    const loaded = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATA_DIR: dataDir,
      EMBEDDED_MQTT_PORT: '0',
      STRIPE_EMULATOR_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    const system = await startSystem(loaded.config);
    serverPid = process.pid;
    stopServer = async () => {
      if (serverStopped) return;
      serverStopped = true;
      await system.stop();
    };
    // An account made the ordinary way, before the operator grants it Premium.
    await new TestBrowser(system.url).signUp(email, GOOD_PASSWORD, 'Camille CLI');
  });
  afterAll(async () => {
    await stopServer();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to run while a server holds the embedded database, saying what to do', async () => {
    const refused = await admin(['user', 'grant-premium', email]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`in use by process ${serverPid}`);
    expect(refused.err).toContain('stop it first');
    expect(refused.out).toBe('');
    await stopServer();
  });

  it('refuses a command line it cannot run with exit 2 and the usage, before opening anything', async () => {
    for (const args of [[], ['--bogus'], ['locker', 'add', '--bogus']]) {
      const refused = await inProcess(args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.err, args.join(' ')).toContain('npm run admin -- <command>');
    }
    const help = await inProcess(['--help']);
    expect([help.code, help.out.includes('locker rotate-credentials ID')]).toEqual([0, true]);
  });

  it('adds a site, lists the sites, and refuses a zone that is not IANA', async () => {
    const added = await admin([
      'site',
      'add',
      '--name',
      'Site CLI',
      '--time-zone',
      'Europe/Paris',
      '--address',
      'Quai 3',
      '--reason',
      'opened by ticket 42',
    ]);
    expect([added.code, added.err]).toEqual([0, '']);
    expect(added.out).toMatch(/^site created: [0-9a-f-]{36} {2}Site CLI {2}\(Europe\/Paris\)\n$/);
    // Through npm as an operator types it: the script wiring of package.json too.
    const listed = await admin(['site', 'list'], { viaNpm: true });
    expect(listed.code).toBe(0);
    const rows = listed.out.trim().split('\n');
    expect(rows[0]).toMatch(/^ID +NAME +TIME ZONE +LOCKERS +STATUS$/);
    expect(rows.find((r) => r.includes('Site CLI'))).toMatch(/Site CLI +Europe\/Paris +0 +active$/);
    // The demo site of the server that ran here, with its two lockers.
    expect(rows.find((r) => r.includes('Campus SmartLocker'))).toMatch(/Europe\/Brussels +2 +active$/);

    const bad = await inProcess(['site', 'add', '--name', 'Nowhere', '--time-zone', 'Mars/Base']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('refused (invalid_request)');
    const usage = await inProcess(['site', 'add', '--name', 'No zone']);
    expect([usage.code, usage.err.split('\n')[0]]).toEqual([2, 'site add: --time-zone is required']);
  });

  it('adds a locker: the secret printed once, the agent file written for its owner only', async () => {
    const added = await admin([
      'locker',
      'add',
      '--id',
      'CLI_01',
      '--site',
      'Site CLI',
      '--type',
      'school',
      '--name',
      'Casier CLI',
      '--location',
      'Hall C',
      '--price-cents',
      '450',
      '--out',
      agentFile,
    ]);
    expect([added.code, added.err]).toEqual([0, '']);
    expect(added.out).toContain('locker created: CLI_01  pairing code SL-CLI-01\n');
    const secret = /secret \(shown once[^)]*\): (\S+)\n/.exec(added.out)?.[1] ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(added.out.split(secret)).toHaveLength(2);
    expect(added.out).toContain(`agent configuration written to ${agentFile}`);
    expect(statSync(agentFile).mode & 0o777).toBe(0o600);
    const config = parseAgentConfig(JSON.parse(readFileSync(agentFile, 'utf8')));
    expect(config).toMatchObject({ lockerId: 'CLI_01', mqtt: { username: 'CLI_01', password: secret } });
    expect(config.mqtt.url).toMatch(/^mqtt:\/\/[^/]+:\d+$/);
    expect(config.commandPublicKeyPem).toContain('BEGIN PUBLIC KEY');
    firstSecret = secret;

    const unknownSite = await inProcess([
      'locker',
      'add',
      '--id',
      'CLI_02',
      '--site',
      'Atlantis',
      '--type',
      'sport',
      '--name',
      'x',
    ]);
    expect([unknownSite.code, unknownSite.err]).toEqual([1, expect.stringContaining('refused (unknown_site)')]);
    const twice = await inProcess([
      'locker',
      'add',
      '--id',
      'CLI_01',
      '--site',
      'Site CLI',
      '--type',
      'sport',
      '--name',
      'x',
    ]);
    expect([twice.code, twice.err]).toEqual([1, expect.stringContaining('refused (locker_exists)')]);
    const badType = await inProcess([
      'locker',
      'add',
      '--id',
      'CLI_03',
      '--site',
      'Site CLI',
      '--type',
      'boat',
      '--name',
      'x',
    ]);
    expect(badType.code).toBe(2);
  });

  it('rotates a locker’s credentials: a new secret, and the old one no longer matches', async () => {
    // Someone made the old file readable to all: the new secret does not land in it as it is.
    chmodSync(agentFile, 0o644);
    const rotated = await admin([
      'locker',
      'rotate-credentials',
      'CLI_01',
      '--out',
      agentFile,
      '--reason',
      'lost SD card',
    ]);
    expect([rotated.code, rotated.err]).toEqual([0, '']);
    expect(rotated.out).toContain('new credentials for CLI_01: the previous secret no longer works');
    const secret = /secret \(shown once[^)]*\): (\S+)\n/.exec(rotated.out)?.[1] ?? '';
    expect(secret).not.toBe('');
    expect(secret).not.toBe(firstSecret);
    expect(statSync(agentFile).mode & 0o777).toBe(0o600);
    expect(parseAgentConfig(JSON.parse(readFileSync(agentFile, 'utf8'))).mqtt.password).toBe(secret);
    const hash = await withDatabase(async (db) => {
      const [row] = await db.select().from(lockers).where(eq(lockers.id, 'CLI_01'));
      return row?.deviceSecretHash ?? '';
    });
    expect(await verifyDeviceSecret(secret, hash)).toBe(true);
    expect(await verifyDeviceSecret(firstSecret, hash)).toBe(false);

    const unknown = await inProcess(['locker', 'rotate-credentials', 'NO_SUCH_LOCKER']);
    expect([unknown.code, unknown.err]).toEqual([1, expect.stringContaining('refused (locker_not_found)')]);
  });

  it('grants Premium to an existing account, and every change is in the audit trail with its reason', async () => {
    const granted = await admin(['user', 'grant-premium', email, '--reason', 'paid at the desk']);
    expect([granted.code, granted.out, granted.err]).toEqual([0, `${email}: Premium granted\n`, '']);
    const unknown = await inProcess(['user', 'grant-premium', 'nobody@example.org']);
    expect([unknown.code, unknown.err]).toEqual([1, expect.stringContaining('refused (unknown_user)')]);

    const { premium, audit } = await withDatabase(async (db) => {
      const [user] = await db.select().from(users).where(eq(users.email, email));
      const rows = await db.select().from(auditEvents).orderBy(auditEvents.id);
      return { premium: user?.premium, audit: rows.filter((r) => r.actorKind === 'system') };
    });
    expect(premium).toBe(true);
    const byAction = (action: string) => audit.filter((r) => r.action === action).map((r) => r.data);
    expect(byAction('site.created')).toContainEqual(
      expect.objectContaining({ name: 'Site CLI', reason: 'opened by ticket 42' }),
    );
    // Without --reason, the command line and the operator stand for one.
    expect(byAction('locker.provisioned')).toContainEqual(
      expect.objectContaining({
        pairingCode: 'SL-CLI-01',
        reason: expect.stringMatching(/^npm run admin -- locker add \(by .+\)$/),
      }),
    );
    expect(byAction('locker.secret_rotated')).toEqual([{ reason: 'lost SD card' }]);
    expect(byAction('user.premium_granted')).toEqual([expect.objectContaining({ reason: 'paid at the desk' })]);
  });
});
