/**
 * Scenario 3 of `npm run bench` (issue 13): a fleet of simulated lockers at the seed's telemetry
 * rates (a heartbeat every 30 s, a presence every 10 s: ~1,333 messages/s for 10,000 lockers)
 * against the server in a process of its own.
 *
 *   1. The lockers are provisioned in a fresh database before the server starts: one site, and
 *      one `lockers` row each with the columns LockerProvisioning.provision writes (id, site,
 *      name, type, pairing code, the scrypt hash of the broker secret). To keep the set-up
 *      short every simulated locker gets the same secret, so its hash is computed once; the
 *      server still verifies each locker's secret with scrypt at its first connection (its
 *      cache is per locker). Left out: the `locker.provisioned` audit rows and the retained
 *      device configs, which telemetry never touches.
 *   2. The server runs as `npm start` runs it (scripts/start.mjs, the bundle), in a temporary
 *      DATA_DIR, without demo mode, with its embedded broker on an ephemeral loopback port.
 *   3. bench/fleet/simulator.ts (another process) connects every locker and sends its telemetry.
 *   4. Measured over the telemetry window: the server's CPU (utime + stime from /proc) and RSS,
 *      the messages it received (its /metrics counter `smartlocker_mqtt_messages_total`), and,
 *      on PostgreSQL, the rows and transactions written (pg_stat_database). Lost = sent but never
 *      counted by the server once the backlog drained; duplicated = counted more often than
 *      sent, plus those the server itself recognised by their seq (`outcome="duplicate"`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizePairingCode } from '@smartlocker/domain';
import pg from 'pg';
import { openDatabase } from '../../apps/server/src/db/database';
import { lockers } from '../../apps/server/src/db/schema';
import { generateDeviceSecret, hashDeviceSecret } from '../../apps/server/src/provisioning/deviceSecret';
import { ProvisioningRepository } from '../../apps/server/src/provisioning/ProvisioningRepository';
import type { DatabaseBackend } from '../../test-support/backends';
import { scratchDatabase } from '../../test-support/databases';
import { endChild, forkTs, nextMessage } from '../support/childProcess';
import { cpuSeconds, rssMb } from '../support/procStats';

export interface FleetResult {
  lockers: number;
  connected: number;
  connect_s: number;
  server_rss_mb: number;
  server_cpu_cores: number;
  msgs_per_s: number;
  lost_messages: number;
  duplicated_messages: number;
  /** Rows inserted, updated or deleted per second (pg_stat_database); null on PGlite (see `db_writes_note`). */
  db_writes_per_s: number | null;
  db_commits_per_s: number | null;
  db_writes_note: string | null;
  /** Telemetry messages the simulator sent per second over the window. */
  sent_per_s: number;
  /** Sent but not yet counted by the server when the telemetry stopped, and how long it took to catch up. */
  backlog_at_stop: number;
  drain_ms: number;
  /** Counted by the server with an outcome other than applied / duplicate (unknown locker, invalid…). */
  rejected_messages: number;
  window_s: number;
  server_rss_mb_start: number;
}

export interface FleetOptions {
  database: DatabaseBackend;
  lockers: number;
  /** Seconds of telemetry measured. */
  windowS: number;
  connectConcurrency?: number;
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const DEVICE_CHANNELS = ['status', 'state', 'heartbeat', 'presence', 'event', 'ack'];
const TELEMETRY = ['heartbeat', 'presence'];

type Sent = Record<string, number>;

export async function fleet(options: FleetOptions): Promise<FleetResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-fleet-'));
  const scratch = options.database.name === 'postgres' ? await scratchDatabase(options.database) : null;
  const databaseUrl = scratch?.target.kind === 'postgres' ? scratch.target.url : null;
  let server: ChildProcess | null = null;
  let simulator: ChildProcess | null = null;
  try {
    const lockerIds = Array.from({ length: options.lockers }, (_, i) => `FLEET_${String(i + 1).padStart(5, '0')}`);
    const secret = await provision(
      databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dir: join(dataDir, 'pglite') },
      lockerIds,
    );

    const started = await startServer(dataDir, databaseUrl);
    server = started.child;
    const pid = server.pid;
    if (pid === undefined) throw new Error('the server process has no pid');
    const metricsUrl = `${started.url}/metrics`;

    simulator = forkTs('fleet/simulator.ts');
    const connected = nextMessage<{ connected: number; failed: number; seconds: number; sent: Sent }>(
      simulator,
      (m) => m.type === 'connected',
      // scrypt at every first connection: give a slow machine ~100 ms per locker.
      120_000 + options.lockers * 100,
      'connecting the fleet',
    );
    simulator.send({
      type: 'connect',
      brokerUrl: started.brokerUrl,
      lockerIds,
      secret,
      concurrency: options.connectConcurrency ?? 64,
    });
    const afterConnect = await connected;
    // The connect-time reports (status, state) applied before the telemetry starts.
    await waitForReceived(metricsUrl, total(afterConnect.sent), 120_000);

    const stats = databaseUrl
      ? new DatabaseStats(options.database.url ?? '', new URL(databaseUrl).pathname.slice(1))
      : null;
    const rssStart = rssMb(pid);
    const before = await scrape(metricsUrl);
    const cpuBefore = cpuSeconds(pid);
    const dbBefore = await stats?.read();
    const windowStart = performance.now();
    simulator.send({ type: 'go' });
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMb(pid));
    }, 1_000);
    await new Promise((resolve) => setTimeout(resolve, options.windowS * 1000));
    const stopped = nextMessage<{ sent: Sent }>(simulator, (m) => m.type === 'stopped', 30_000, 'stopping telemetry');
    simulator.send({ type: 'stop' });
    const { sent } = await stopped;
    const windowS = (performance.now() - windowStart) / 1000;
    const cpuAfter = cpuSeconds(pid);
    const after = await scrape(metricsUrl);
    const dbAfter = await stats?.read();
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, rssMb(pid));
    await stats?.close();

    const sentTotal = total(sent);
    const backlogAtStop = Math.max(0, sentTotal - received(after));
    const drainStart = performance.now();
    const drained = await waitForReceived(metricsUrl, sentTotal, 60_000);
    const drainMs = backlogAtStop === 0 ? 0 : performance.now() - drainStart;
    const receivedTotal = received(drained);
    const sentTelemetry = TELEMETRY.reduce((n, c) => n + (sent[c] ?? 0) - (afterConnect.sent[c] ?? 0), 0);
    const receivedTelemetry = TELEMETRY.reduce((n, c) => n + byChannel(after, c) - byChannel(before, c), 0);
    const duplicatesSeen = [...drained.entries()]
      .filter(([key]) => key.includes('outcome="duplicate"'))
      .reduce((n, [, v]) => n + v, 0);
    const rejected = [...drained.entries()]
      .filter(([key]) => !key.includes('outcome="applied"') && !key.includes('outcome="duplicate"'))
      .reduce((n, [, v]) => n + v, 0);
    return {
      lockers: options.lockers,
      connected: afterConnect.connected,
      connect_s: round(afterConnect.seconds),
      server_rss_mb: rssPeak,
      server_cpu_cores: round((cpuAfter - cpuBefore) / windowS),
      msgs_per_s: round(receivedTelemetry / windowS),
      lost_messages: Math.max(0, sentTotal - receivedTotal),
      duplicated_messages: Math.max(0, receivedTotal - sentTotal) + duplicatesSeen,
      db_writes_per_s: dbBefore && dbAfter ? round((dbAfter.rows - dbBefore.rows) / windowS) : null,
      db_commits_per_s: dbBefore && dbAfter ? round((dbAfter.commits - dbBefore.commits) / windowS) : null,
      db_writes_note: stats
        ? null
        : 'PGlite lives inside the server process: its statistics cannot be read from outside while it runs; see --db postgres',
      sent_per_s: round(sentTelemetry / windowS),
      backlog_at_stop: backlogAtStop,
      drain_ms: Math.round(drainMs),
      rejected_messages: rejected,
      window_s: round(windowS),
      server_rss_mb_start: rssStart,
    };
  } finally {
    if (simulator) await endChild(simulator, 30_000);
    if (server) await stopServer(server);
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Writes the site and the lockers; returns the broker secret they all share. */
async function provision(
  target: { kind: 'postgres'; url: string } | { kind: 'pglite'; dir: string },
  lockerIds: string[],
): Promise<string> {
  const database = await openDatabase(target);
  try {
    const site = await new ProvisioningRepository(database.db).createSite("Banc d'essai", 'Europe/Brussels');
    const secret = generateDeviceSecret();
    const hash = await hashDeviceSecret(secret);
    for (let start = 0; start < lockerIds.length; start += 500) {
      await database.db.insert(lockers).values(
        lockerIds.slice(start, start + 500).map((id, i) => ({
          id,
          siteId: site.id,
          name: `Casier du banc ${start + i + 1}`,
          type: (start + i) % 2 === 0 ? ('school' as const) : ('sport' as const),
          pairingCode: normalizePairingCode(`SL-${id.replaceAll('_', '-')}`) ?? `SL-${id}`,
          deviceSecretHash: hash,
        })),
      );
    }
    return secret;
  } finally {
    await database.close();
  }
}

/** What `npm start` runs (scripts/start.mjs), without demo mode, on ephemeral ports. */
async function startServer(
  dataDir: string,
  databaseUrl: string | null,
): Promise<{ child: ChildProcess; url: string; brokerUrl: string }> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      EMBEDDED_MQTT_PORT: '0',
      STRIPE_EMULATOR_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      DEMO_MODE: 'false',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output}`);
    if (performance.now() - started > 120_000) throw new Error('the server was not ready within 120 s');
    const url = /running on (http:\/\/\S+?:\d+)/.exec(output)?.[1];
    const brokerUrl = /broker: (mqtt:\/\/\S+)/.exec(output)?.[1];
    if (url && brokerUrl) return { child, url: url.replace('localhost', '127.0.0.1'), brokerUrl };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The server's `smartlocker_mqtt_messages_total` series, by their label set. */
async function scrape(metricsUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^smartlocker_mqtt_messages_total(\{[^}]*\}) (\S+)$/.exec(line);
    if (match?.[1] && match[2]) series.set(match[1], Number(match[2]));
  }
  return series;
}

function byChannel(series: Map<string, number>, channel: string): number {
  let n = 0;
  for (const [labels, value] of series) if (labels.includes(`channel="${channel}"`)) n += value;
  return n;
}

function received(series: Map<string, number>): number {
  return DEVICE_CHANNELS.reduce((n, c) => n + byChannel(series, c), 0);
}

function total(sent: Sent): number {
  return Object.values(sent).reduce((n, v) => n + v, 0);
}

/** Scrapes until the server has counted `expected` messages, or the count stops moving for 5 s. */
async function waitForReceived(metricsUrl: string, expected: number, timeoutMs: number): Promise<Map<string, number>> {
  const started = performance.now();
  let last = -1;
  let lastMoved = performance.now();
  for (;;) {
    const series = await scrape(metricsUrl);
    const count = received(series);
    if (count >= expected) return series;
    if (count !== last) {
      last = count;
      lastMoved = performance.now();
    }
    if (performance.now() - lastMoved > 5_000 || performance.now() - started > timeoutMs) return series;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** pg_stat_database of the scratch database, read from another database so reading adds nothing. */
class DatabaseStats {
  readonly #client: pg.Client;
  #connected: Promise<void>;
  constructor(
    adminUrl: string,
    readonly name: string,
  ) {
    this.#client = new pg.Client({ connectionString: adminUrl });
    this.#connected = this.#client.connect().then(() => undefined);
  }

  async read(): Promise<{ rows: number; commits: number }> {
    await this.#connected;
    // Backends publish their counters at most about once a second (PostgreSQL 15's cumulative
    // statistics): over a window of tens of seconds that blurs the edges by a second at most.
    const result = await this.#client.query<{ rows: string; commits: string }>(
      `SELECT tup_inserted + tup_updated + tup_deleted AS rows, xact_commit AS commits
       FROM pg_stat_database WHERE datname = $1`,
      [this.name],
    );
    const row = result.rows[0];
    return { rows: Number(row?.rows ?? Number.NaN), commits: Number(row?.commits ?? Number.NaN) };
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

const round = (v: number) => Math.round(v * 100) / 100;
