import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBackends } from '../../../../test-support/backends';
import { type ScratchDatabase, scratchDatabase } from '../../../../test-support/databases';
import {
  type Database,
  type DatabaseTarget,
  MIGRATIONS_FOLDER,
  type OpenDatabase,
  openDatabase,
} from '../../src/db/database';
import { DataDirLockedError } from '../../src/db/lockfile';
import { sites } from '../../src/db/schema';

/**
 * The database layer on its own: the runtime migrator (fresh database, then a reopen that must
 * change nothing), the btree_gist extension the booking exclusion constraint needs, and the lock
 * file that keeps two processes off one PGlite directory.
 */
async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  // node-postgres and PGlite both answer `execute` with an object carrying `rows`.
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

async function appliedMigrations(db: Database): Promise<{ hash: string; created_at: string }[]> {
  return rows(db, sql`select hash, created_at::text from drizzle.__drizzle_migrations order by id`);
}

async function publicTables(db: Database): Promise<string[]> {
  const found = await rows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  return found.map((r) => r.table_name);
}

/**
 * One contender for a lock, in a process of its own (the lock is between processes). It reports
 * `ready` once loaded, then spins until the instant the parent gives so that every contender
 * tries at once, holds what it got for `holdMs`, checks the lock file still names it, and
 * answers with what happened.
 */
const CONTENDER = `
import { readFileSync } from 'node:fs';
const [moduleUrl, path, holdMs] = process.argv.slice(2);
const { acquireLock } = await import(moduleUrl);
const answer = (result) => process.send({ pid: process.pid, ...result }, () => process.disconnect());
process.once('message', (startAt) => {
  while (Date.now() < startAt) {}
  try {
    const release = acquireLock(path);
    const acquiredAt = Date.now();
    setTimeout(() => {
      let owner = '';
      try { owner = readFileSync(path, 'utf8'); } catch {}
      const releasedAt = Date.now();
      release();
      answer({ acquired: true, acquiredAt, releasedAt, owner });
    }, Number(holdMs));
  } catch (error) {
    answer({ acquired: false, code: error.code ?? String(error) });
  }
});
process.send('ready');
`;

type ContenderResult =
  | { pid: number; acquired: true; acquiredAt: number; releasedAt: number; owner: string }
  | { pid: number; acquired: false; code: string };

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LOCKFILE_MODULE = new URL('../../src/db/lockfile.ts', import.meta.url).href;

/** Starts `count` contenders, lets them all try at the same instant, and gathers their answers. */
async function race(script: string, lockPath: string, count: number, holdMs: number): Promise<ContenderResult[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['--import', 'tsx', script, LOCKFILE_MODULE, lockPath, String(holdMs)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  const settle = <T>(child: (typeof children)[number], pick: (message: unknown) => T | undefined) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        const picked = pick(message);
        if (picked === undefined) return;
        child.off('message', onMessage);
        resolve(picked);
      };
      child.on('message', onMessage);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`contender ${child.pid} exited with ${code}`)));
    });
  try {
    await Promise.all(children.map((child) => settle(child, (m) => (m === 'ready' ? true : undefined))));
    const results = children.map((child) =>
      settle(child, (m) => (typeof m === 'object' && m !== null ? (m as ContenderResult) : undefined)),
    );
    const startAt = Date.now() + 100;
    for (const child of children) child.send(startAt);
    return await Promise.all(results);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};

const SCHEMA_TABLES = [
  'alerts',
  'audit_events',
  'auth_accounts',
  'auth_sessions',
  'auth_verifications',
  'bookings',
  'lockers',
  'pairings',
  'payments',
  'processed_webhook_events',
  'sites',
  'users',
];

describe.each(databaseBackends())('database on $name', (backend) => {
  let scratch: ScratchDatabase;
  let tmp: string;
  /** The scratch database, opened (hence migrated) once for the suite. */
  let fresh: OpenDatabase;
  /** Survives a close: a PGlite data directory, or the scratch PostgreSQL database. */
  let persistent: DatabaseTarget;

  beforeAll(async () => {
    scratch = await scratchDatabase(backend);
    tmp = mkdtempSync(join(tmpdir(), 'smartlocker-db-test-'));
    persistent = scratch.target.kind === 'postgres' ? scratch.target : { kind: 'pglite', dir: join(tmp, 'pglite') };
    fresh = await openDatabase(scratch.target);
  });
  afterAll(async () => {
    await fresh?.close();
    await scratch?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('applies every migration to a fresh database', async () => {
    expect(fresh.kind).toBe(backend.name);
    const applied = await appliedMigrations(fresh.db);
    expect(applied).toHaveLength(journal.entries.length);
    expect(await publicTables(fresh.db)).toEqual(expect.arrayContaining(SCHEMA_TABLES));
    const constraints = await rows<{ conname: string }>(
      fresh.db,
      sql`select conname from pg_constraint where conname = 'bookings_no_overlap'`,
    );
    expect(constraints).toHaveLength(1);
    await expect(fresh.ping()).resolves.toBeUndefined();
  });

  it('has the btree_gist extension the booking exclusion constraint needs', async () => {
    const extensions = await rows<{ extname: string }>(fresh.db, sql`select extname from pg_extension`);
    expect(extensions.map((e) => e.extname)).toContain('btree_gist');
  });

  it('opening an up-to-date database again applies nothing and keeps the data', async () => {
    const first = await openDatabase(persistent);
    let before: { hash: string; created_at: string }[];
    try {
      before = await appliedMigrations(first.db);
      expect(before).toHaveLength(journal.entries.length);
      await first.db.insert(sites).values({ name: 'Survives a reopen' });
    } finally {
      await first.close();
    }

    const second = await openDatabase(persistent);
    try {
      expect(await appliedMigrations(second.db)).toEqual(before);
      const kept = await rows<{ name: string }>(
        second.db,
        sql`select name from sites where name = 'Survives a reopen'`,
      );
      expect(kept).toHaveLength(1);
      expect(await publicTables(second.db)).toEqual(expect.arrayContaining(SCHEMA_TABLES));
    } finally {
      await second.close();
    }
  });
});

/** The driver's own message under drizzle's "Failed query" wrapper, with its SQLSTATE. */
function rootCause(error: unknown): string {
  let current = error as { message?: string; code?: string; cause?: unknown };
  while (current.cause && typeof current.cause === 'object') current = current.cause as typeof current;
  return `${current.code ?? '?'} ${current.message ?? String(current)}`;
}

/** PostgreSQL is shared by several server instances (ADR 0003), which may start at the same moment. */
describe.each(databaseBackends().filter((b) => b.name === 'postgres'))('concurrent start on $name', (backend) => {
  it('lets three servers open one fresh database at the same time', async () => {
    const scratch = await scratchDatabase(backend);
    try {
      const results = await Promise.allSettled([1, 2, 3].map(() => openDatabase(scratch.target)));
      const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      try {
        const failures = results.flatMap((r) => (r.status === 'rejected' ? [rootCause(r.reason)] : []));
        expect(failures).toEqual([]);
        const [any] = opened;
        if (!any) throw new Error('no open succeeded');
        expect(await appliedMigrations(any.db)).toHaveLength(journal.entries.length);
      } finally {
        for (const db of opened) await db.close();
      }
    } finally {
      await scratch.drop();
    }
  });
});

describe('PGlite data directory lock', () => {
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'smartlocker-lock-test-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a second open of one directory until the first is closed', async () => {
    const dir = join(tmp, 'twice', 'pglite');
    const first = await openDatabase({ kind: 'pglite', dir });
    let firstClosed = false;
    try {
      expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
      const second = openDatabase({ kind: 'pglite', dir });
      await expect(second).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(second).rejects.toMatchObject({ code: 'data_dir_locked', pid: process.pid, path: `${dir}.lock` });
      // The refused open must not have taken the lock away from the first.
      expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
      await expect(first.ping()).resolves.toBeUndefined();

      await first.close();
      firstClosed = true;
      expect(existsSync(`${dir}.lock`)).toBe(false);

      const third = await openDatabase({ kind: 'pglite', dir });
      try {
        await expect(third.ping()).resolves.toBeUndefined();
        expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
      } finally {
        await third.close();
      }
    } finally {
      if (!firstClosed) await first.close();
    }
  });

  it('takes over a stale lock left by a dead process', async () => {
    const dir = join(tmp, 'stale', 'pglite');
    const deadPid = 999_999;
    // Precondition: nothing runs under that pid on this machine.
    expect(() => process.kill(deadPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    mkdirSync(join(tmp, 'stale'), { recursive: true });
    writeFileSync(`${dir}.lock`, String(deadPid));

    const opened = await openDatabase({ kind: 'pglite', dir });
    try {
      expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
      await expect(opened.ping()).resolves.toBeUndefined();
    } finally {
      await opened.close();
    }
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('lets only one of several processes take over a stale lock at the same instant', async () => {
    // Two servers restarted together after a crash must not both open the directory: PGlite is
    // single-process, two writers corrupt it. Several rounds, since a race shows only sometimes.
    const script = join(tmp, 'contender.mjs');
    writeFileSync(script, CONTENDER);
    const violations: string[] = [];
    for (let round = 0; round < 3 && violations.length === 0; round++) {
      const roundDir = join(tmp, `race-${round}`);
      mkdirSync(roundDir, { recursive: true });
      const lockPath = join(roundDir, 'pglite.lock');
      writeFileSync(lockPath, '999999');
      const results = await race(script, lockPath, 4, 300);
      const holders = results.filter((r) => r.acquired);
      expect(holders.length).toBeGreaterThanOrEqual(1);
      for (const holder of holders) {
        if (holder.owner !== String(holder.pid)) {
          violations.push(
            `round ${round}: pid ${holder.pid} held the lock but the file named ${holder.owner || '(nobody)'}`,
          );
        }
        for (const other of holders) {
          if (other.pid < holder.pid && other.acquiredAt < holder.releasedAt && holder.acquiredAt < other.releasedAt) {
            violations.push(`round ${round}: pids ${other.pid} and ${holder.pid} held the lock at the same time`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
