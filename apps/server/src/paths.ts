import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files the server reads at run time, found from the apps/server folder: the first folder
 * above this module whose package.json is @smartlocker/server. This module runs from src/ (tests,
 * tsx) and from a chunk of the bundle `npm start` runs (dist/server/chunks/), at other depths.
 */
function serverDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@smartlocker/server'
    ) {
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error(`no @smartlocker/server package.json above ${fileURLToPath(import.meta.url)}`);
}

const SERVER_DIR = serverDir();

export const REPO_ROOT = join(SERVER_DIR, '..', '..');
/** The drizzle-kit migration files; the same ones serve PGlite and PostgreSQL. */
export const MIGRATIONS_FOLDER = join(SERVER_DIR, 'drizzle');
/** The web app's workspace; its production build is in `dist/`. */
export const WEB_DIR = join(REPO_ROOT, 'apps', 'web');
export const WEB_DIST_DIR = join(WEB_DIR, 'dist');
/** Caches made by `npm ci` (the embedded database template). */
export const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'smartlocker');
