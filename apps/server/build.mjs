// The server as `npm start` runs it: its TypeScript and the workspace packages it uses, bundled
// by esbuild into dist/server/ (packages from node_modules stay where they are). Loading one
// bundle is about twice as fast as compiling hundreds of modules through tsx on every start.
// `ensureServerBundle()` rebuilds only when a source is newer than the bundle (or gone), so an
// edit is always picked up; `node apps/server/build.mjs` rebuilds unconditionally.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SERVER_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = join(SERVER_DIR, '..', '..');
export const BUNDLE_DIR = join(SERVER_DIR, 'dist', 'server');
const entryOf = (bundleDir) => join(bundleDir, 'main.js');
const inputsOf = (bundleDir) => join(bundleDir, 'inputs.json');

/** True when the bundle is missing, or one of the files it was built from changed or went away. */
export function serverBundleIsStale(bundleDir = BUNDLE_DIR) {
  if (!existsSync(entryOf(bundleDir)) || !existsSync(inputsOf(bundleDir))) return true;
  const builtAt = statSync(entryOf(bundleDir)).mtimeMs;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(inputsOf(bundleDir), 'utf8'));
  } catch {
    return true;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return true;
  for (const input of inputs) {
    const path = join(REPO_ROOT, String(input));
    if (!existsSync(path) || statSync(path).mtimeMs > builtAt) return true;
  }
  return false;
}

/** Writes a file whole or not at all: a server starting beside this build never reads half of one. */
function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

export async function buildServerBundle(bundleDir = BUNDLE_DIR) {
  const entry = entryOf(bundleDir);
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: { main: join(SERVER_DIR, 'src', 'main.ts') },
    outdir: bundleDir,
    bundle: true,
    // The server module graph behind main.ts's dynamic import stays a chunk of its own: a bad
    // configuration is reported before better-auth, sharp and the rest are loaded.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [
      {
        name: 'node-modules-stay-external',
        setup(build) {
          // Bare imports are packages: ours (@smartlocker/*) are TypeScript and go in; the rest
          // are loaded by Node from node_modules, native addons and WASM files included.
          build.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@smartlocker/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  mkdirSync(join(bundleDir, 'chunks'), { recursive: true });
  const written = new Set();
  // Chunks first, the entry last, the list of inputs at the very end: a bundle whose inputs
  // list is there is complete.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === entry) - Number(b.path === entry));
  for (const file of files) {
    writeAtomically(file.path, file.contents);
    written.add(file.path);
  }
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/'));
  writeAtomically(inputsOf(bundleDir), JSON.stringify(inputs));
  written.add(inputsOf(bundleDir));
  // Chunks of an earlier build of other sources.
  for (const dir of [bundleDir, join(bundleDir, 'chunks')]) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!written.has(path) && statSync(path).isFile() && !name.endsWith('.tmp')) rmSync(path, { force: true });
    }
  }
  return entry;
}

/** The bundle's entry as a file URL, rebuilt first if any source changed. */
export async function ensureServerBundle() {
  if (serverBundleIsStale()) await buildServerBundle();
  return pathToFileURL(entryOf(BUNDLE_DIR)).href;
}

if (process.argv[1] && basename(process.argv[1]) === 'build.mjs' && dirname(process.argv[1]) === SERVER_DIR) {
  const started = performance.now();
  await buildServerBundle();
  console.log(`server bundle: ${relative(process.cwd(), BUNDLE_DIR)} (${Math.round(performance.now() - started)} ms)`);
}
