import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { dumpPglite } from '../backup/pgliteBackup';
import { acquireLock } from './lockfile';
import { MIGRATIONS_FOLDER } from './migrations';
import { PGLITE_EXTENSIONS } from './pgliteExtensions';
import { isEmptyDataDir, loadPgliteTemplate } from './pgliteTemplate';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | { kind: 'pglite'; dir: string }
  | { kind: 'pglite-memory' }
  | { kind: 'postgres'; url: string };

export interface OpenDatabase {
  db: Database;
  kind: 'pglite' | 'postgres';
  ping(): Promise<void>;
  /** The embedded database only: a consistent archive of its data directory (backup/pgliteBackup.ts). */
  dump?: () => Promise<Blob>;
  close(): Promise<void>;
}

export { MIGRATIONS_FOLDER };

/** Any constant: the key of the advisory lock every SmartLocker instance migrates under. */
const MIGRATION_LOCK_KEY = 0x5_10c4e7;

/**
 * Several server instances may start together on one fresh database; the migrator itself does
 * not serialise them (they would race on CREATE SCHEMA / CREATE TYPE), so they take turns under
 * a session-level advisory lock, and the later ones find nothing left to apply.
 */
async function migrateOnce(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrateNodePg(drizzleNodePg(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/**
 * Opens the database and brings its schema up to date with the runtime migrator (drizzle-kit's
 * own `migrate` cannot load PGlite extensions such as btree_gist).
 */
export async function openDatabase(target: DatabaseTarget): Promise<OpenDatabase> {
  if (target.kind === 'postgres') {
    // A starved pool fails a request after 10 s instead of hanging it for ever.
    const pool = new pg.Pool({ connectionString: target.url, max: 10, connectionTimeoutMillis: 10_000 });
    // A dropped idle connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const db = drizzleNodePg(pool, { schema }) as unknown as Database;
    try {
      await migrateOnce(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await pool.query('select 1');
      },
      close: () => pool.end(),
    };
  }

  const release = target.kind === 'pglite' ? acquireLock(`${target.dir}.lock`) : () => {};
  let client: PGlite | undefined;
  try {
    const fresh = target.kind === 'pglite-memory' || isEmptyDataDir(target.dir);
    const template = fresh ? loadPgliteTemplate() : null;
    client = await PGlite.create({
      ...(target.kind === 'pglite' ? { dataDir: target.dir } : {}),
      ...(template ? { loadDataDir: template } : {}),
      extensions: PGLITE_EXTENSIONS,
    });
    const pgliteDb = drizzlePglite(client, { schema });
    await migratePglite(pgliteDb, { migrationsFolder: MIGRATIONS_FOLDER });
    const db = pgliteDb as unknown as Database;
    const opened = client;
    return {
      db,
      kind: 'pglite',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      dump: () => dumpPglite(opened),
      close: async () => {
        try {
          await opened.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    await client?.close().catch(() => {});
    release();
    throw error;
  }
}
