import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * Vitest global setup of the e2e project: the browser suites test the web app as it ships. Vitest
 * sets NODE_ENV=test, under which Vite builds a development flavour (no service worker
 * registration, Preact's debug code); the build runs as production.
 */
export default async function buildWeb(): Promise<void> {
  const root = fileURLToPath(new URL('../apps/web', import.meta.url));
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, logLevel: 'warn', configFile: `${root}/vite.config.ts`, mode: 'production' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
