// Bundles the agent into one file for the locker (a Raspberry Pi runs `node dist/agent.js`),
// so the device needs Node 20 and this file, not the workspace and its node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/agent.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'linked',
  // mqtt and pino pull in CommonJS modules that call require(); an ESM bundle has none, so give it one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __agentCreateRequire } from 'node:module';\nconst require = __agentCreateRequire(import.meta.url);",
  },
  logLevel: 'info',
});
