// `npm run start:prod`: the server as it runs in production (docs/deploy.md), from the bundle
// `npm run build` made. Unlike `npm start` it never rebuilds anything (a production host runs
// what was built and tested), runs with NODE_ENV=production, which makes the configuration check
// refuse to start without the production settings (every problem reported at once, exit 2), and
// refuses the demo and the simulated lockers.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(repoRoot, 'apps', 'server', 'dist', 'server', 'main.js');
const webIndex = join(repoRoot, 'apps', 'web', 'dist', 'index.html');

const problems = [];
if (!existsSync(bundle) || !existsSync(webIndex)) problems.push('the build is missing: run `npm run build` first');
for (const variable of ['DEMO_MODE', 'SIMULATED_LOCKERS']) {
  if (['true', '1', 'yes'].includes(process.env[variable] ?? '')) {
    problems.push(`${variable}: not with start:prod (the demo and the simulated lockers are for npm start)`);
  }
}
if (process.env.NODE_ENV && process.env.NODE_ENV !== 'production') {
  problems.push(`NODE_ENV: start:prod runs with NODE_ENV=production, not ${process.env.NODE_ENV}`);
}
if (problems.length > 0) {
  process.stderr.write(`SmartLocker cannot start: ${problems.length} problem(s):\n`);
  for (const problem of problems) process.stderr.write(`  - ${problem}\n`);
  process.exit(2);
}

process.env.NODE_ENV = 'production';
process.env.DEMO_MODE = 'false';
process.env.SIMULATED_LOCKERS = 'false';
process.setSourceMapsEnabled(true);
await import(pathToFileURL(bundle).href);
