import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { dumpPglite, requestOnlineBackup } from '../backup/pgliteBackup';
import { acquireLock, DataDirLockedError } from '../db/lockfile';
import { PGLITE_EXTENSIONS } from '../db/pgliteExtensions';

const USAGE = `npm run backup [-- options]

Backs up the embedded database (PGlite, DATA_DIR/pglite) into one .tar.gz file (docs/deploy.md).
While the server runs, the server itself makes the copy and hands it over DATA_DIR/backup.sock:
no need to stop it, and the copy is consistent (a point-in-time image). When no server runs, the
database is opened here, under its lock. With PostgreSQL (DATABASE_URL) use pg_dump instead.
Exits 0 with the archive written, 1 when the backup failed, 2 when it cannot run.

Options:
  -o, --out <file>       where to write the archive (default: smartlocker-<date>.tar.gz here)
      --data-dir <dir>   the server's DATA_DIR (default: $DATA_DIR, else ./data)
  -h, --help
`;

async function main(): Promise<number> {
  let values: { out?: string; 'data-dir'?: string; help?: boolean };
  try {
    values = parseArgs({
      options: {
        out: { type: 'string', short: 'o' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (process.env.DATABASE_URL) {
    process.stderr.write('DATABASE_URL is set: back up PostgreSQL with pg_dump (docs/deploy.md, "Backups").\n');
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? process.env.DATA_DIR ?? './data');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = resolve(values.out ?? `smartlocker-${stamp}.tar.gz`);
  mkdirSync(dirname(out), { recursive: true });

  const online = await requestOnlineBackup(dataDir);
  let source: Readable;
  let how: string;
  if (online) {
    source = online;
    how = 'made by the running server';
  } else {
    const pgliteDir = join(dataDir, 'pglite');
    if (!existsSync(pgliteDir)) {
      process.stderr.write(`No embedded database in ${dataDir} (no ${pgliteDir}). Check DATA_DIR.\n`);
      return 2;
    }
    let release: () => void;
    try {
      release = acquireLock(`${pgliteDir}.lock`);
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      process.stderr.write(
        `${error.message}.\nThat server does not answer on ${join(dataDir, 'backup.sock')} (a version without online backups?): stop it, then run npm run backup again.\n`,
      );
      return 1;
    }
    try {
      const client = await PGlite.create({ dataDir: pgliteDir, extensions: PGLITE_EXTENSIONS });
      try {
        source = Readable.from(Buffer.from(await (await dumpPglite(client)).arrayBuffer()));
      } finally {
        await client.close();
      }
    } finally {
      release();
    }
    how = 'from the stopped database';
  }
  // Written whole or not at all: a failed backup never leaves a file that looks like one.
  const partial = `${out}.partial`;
  try {
    await pipeline(source, createWriteStream(partial, { mode: 0o600 }));
    renameSync(partial, out);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  process.stdout.write(`backup written to ${out} (${how})\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`backup failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
