/**
 * Runs after `npm ci` / `npm install` so that the first `npm start` is quick: builds the web app
 * and the server bundle, and prepares the embedded database template. Never fails the install —
 * anything that goes wrong here is done again, more slowly, by `npm start`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const started = performance.now();
const vite = 'node_modules/vite/bin/vite.js';
if (existsSync(vite)) {
  const build = spawnSync(process.execPath, [vite, 'build', 'apps/web', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) console.warn('smartlocker: the web app did not build; `npm start` will try again');
}
const bundle = spawnSync(process.execPath, ['apps/server/build.mjs'], { stdio: 'inherit' });
if (bundle.status !== 0) console.warn('smartlocker: the server bundle did not build; `npm start` will try again');
try {
  const { writePgliteTemplate } = await import('../apps/server/src/db/pgliteTemplate');
  await writePgliteTemplate();
} catch (error) {
  console.warn(`smartlocker: no embedded database template (${(error as Error).message}); first start will be slower`);
}
console.log(`smartlocker: ready for npm start (${((performance.now() - started) / 1000).toFixed(1)} s)`);
