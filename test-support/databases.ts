import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseBackend } from './backends';

/** What a suite gets: a target for `openDatabase` and a way to throw the database away. */
export interface ScratchDatabase {
  target: { kind: 'pglite-memory' } | { kind: 'postgres'; url: string };
  drop(): Promise<void>;
}

/**
 * A database of its own for one suite: an in-memory PGlite, or a fresh database created on the
 * PostgreSQL server of TEST_DATABASE_URL, so suites running in parallel never see each other.
 */
export async function scratchDatabase(backend: DatabaseBackend): Promise<ScratchDatabase> {
  if (backend.name === 'pglite' || !backend.url) return { target: { kind: 'pglite-memory' }, drop: async () => {} };
  const name = `smartlocker_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: backend.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(backend.url);
  url.pathname = `/${name}`;
  return {
    target: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: backend.url });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
