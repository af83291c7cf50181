import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, WEB_DIR } from './paths';

const VITE_CLI = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when apps/web/dist is missing or older than any of the web app's sources. */
export function webBuildIsStale(): boolean {
  const built = join(WEB_DIR, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => newestMtime(join(WEB_DIR, p)));
  return Math.max(...sources) > statSync(built).mtimeMs;
}

/**
 * Development convenience for `npm start`: rebuilds the web app when its sources changed, in a
 * child process so it runs beside the server's own start-up. Production builds it explicitly.
 */
export function rebuildWebIfStale(): Promise<'fresh' | 'rebuilt'> {
  if (!webBuildIsStale()) return Promise.resolve('fresh');
  if (!existsSync(VITE_CLI)) return Promise.reject(new Error('vite is not installed: run npm ci'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITE_CLI, 'build', WEB_DIR, '--logLevel', 'warn'], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve('rebuilt') : reject(new Error(`the web app build failed (exit ${code})`)),
    );
  });
}
