import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { CACHE_DIR, MIGRATIONS_FOLDER } from '../paths';
import { PGLITE_EXTENSIONS } from './pgliteExtensions';

/**
 * Creating a PGlite cluster runs initdb in WASM: 3–6 s on a small machine, most of a first
 * `npm start`. `npm ci` (postinstall) makes one cluster with the migrations applied and keeps it
 * as a tarball; a new database is then unpacked from it in under a second. The template is keyed
 * by the PGlite version and a hash of the migration files: when either changes it is ignored
 * (the database is then created the slow way) until `npm ci` or `npm run db:generate` remakes it.
 */
const TEMPLATE_FILE = join(CACHE_DIR, 'pglite-template.tar.gz');
const VERSION_FILE = join(CACHE_DIR, 'pglite-template.version');

/** What the template must match: this PGlite, these migrations. */
function templateKey(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER).sort()) {
    if (file.endsWith('.sql')) hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  return `${pgliteVersion()} ${hash.digest('hex').slice(0, 16)}`;
}

function pgliteVersion(): string {
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  let dir = dirname(entry);
  for (let i = 0; i < 4; i++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === '@electric-sql/pglite' && parsed.version) return parsed.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** The template as a Blob for `PGlite.create({ loadDataDir })`, or null when none matches this PGlite. */
export function loadPgliteTemplate(): Blob | null {
  try {
    if (!existsSync(TEMPLATE_FILE) || readFileSync(VERSION_FILE, 'utf8').trim() !== templateKey()) return null;
    return new Blob([new Uint8Array(readFileSync(TEMPLATE_FILE))]);
  } catch {
    return null;
  }
}

/** True when `dir` holds no cluster yet (a template may be unpacked there). */
export function isEmptyDataDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

export async function writePgliteTemplate(): Promise<string> {
  const client = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    const dump = await client.dumpDataDir('gzip');
    mkdirSync(CACHE_DIR, { recursive: true });
    const temporary = `${TEMPLATE_FILE}.tmp`;
    writeFileSync(temporary, new Uint8Array(await dump.arrayBuffer()));
    renameSync(temporary, TEMPLATE_FILE);
    writeFileSync(VERSION_FILE, templateKey());
    return TEMPLATE_FILE;
  } finally {
    await client.close();
  }
}
