import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** Vitest global setup of the e2e project: the browser suites test the web app as built. */
export default async function buildWeb(): Promise<void> {
  const root = fileURLToPath(new URL('../apps/web', import.meta.url));
  await build({ root, logLevel: 'warn', configFile: `${root}/vite.config.ts` });
}
