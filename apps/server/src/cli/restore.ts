import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { looksLikeGzip } from '../backup/pgliteBackup';
import { acquireLock, DataDirLockedError } from '../db/lockfile';
import { PGLITE_EXTENSIONS } from '../db/pgliteExtensions';
import { isEmptyDataDir } from '../db/pgliteTemplate';

const USAGE = `npm run restore -- <backup.tar.gz> [options]

Restores an archive made by npm run backup into DATA_DIR/pglite (docs/deploy.md). Stop the server
first: the embedded database belongs to one process, and a restore under a running server would
pull its data from under it (the restore refuses while the server holds DATA_DIR/pglite.lock).
An existing database is never deleted: with --replace it is moved aside to
pglite.before-restore-<date>; without it, the restore refuses a DATA_DIR that has one.
Prints what the restored database holds; exits 0 when restored, 1 when it failed, 2 when it
cannot run. Then start the server: it applies any newer migrations to the restored data.

Options:
      --data-dir <dir>   the DATA_DIR to restore into (default: $DATA_DIR, else ./data)
      --replace          move an existing database aside instead of refusing
  -h, --help
`;

async function main(): Promise<number> {
  let parsed: { values: { 'data-dir'?: string; replace?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        replace: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (process.env.DATABASE_URL) {
    process.stderr.write('DATABASE_URL is set: restore PostgreSQL with pg_restore (docs/deploy.md, "Backups").\n');
    return 2;
  }
  const archive = readFileSync(resolve(file));
  if (!looksLikeGzip(archive)) {
    process.stderr.write(`${file} is not an archive made by npm run backup (not gzip).\n`);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? process.env.DATA_DIR ?? './data');
  const pgliteDir = join(dataDir, 'pglite');
  let release: () => void;
  try {
    release = acquireLock(`${pgliteDir}.lock`);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    process.stderr.write(`${error.message}.\nStop the server first (systemctl stop smartlocker), then restore.\n`);
    return 1;
  }
  try {
    if (!isEmptyDataDir(pgliteDir)) {
      if (!values.replace) {
        process.stderr.write(
          `${pgliteDir} already holds a database. Restore into an empty DATA_DIR, or pass --replace to move it aside.\n`,
        );
        return 2;
      }
      const aside = `${pgliteDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(pgliteDir, aside);
      process.stdout.write(`the database that was there is kept in ${aside}\n`);
    }
    const client = await PGlite.create({
      dataDir: pgliteDir,
      loadDataDir: new Blob([archive]),
      extensions: PGLITE_EXTENSIONS,
    });
    try {
      const counts = await client.query<{ table: string; rows: number }>(
        `select 'users' as table, count(*)::int as rows from users
         union all select 'lockers', count(*)::int from lockers
         union all select 'bookings', count(*)::int from bookings
         union all select 'payments', count(*)::int from payments`,
      );
      process.stdout.write(`restored into ${pgliteDir}:\n`);
      for (const row of counts.rows) process.stdout.write(`  ${row.table.padEnd(9)} ${row.rows}\n`);
    } finally {
      await client.close();
    }
  } finally {
    release();
  }
  if (!existsSync(join(pgliteDir, 'PG_VERSION'))) {
    process.stderr.write(`the archive did not produce a database in ${pgliteDir}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`restore failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
