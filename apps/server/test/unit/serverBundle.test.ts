import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServerBundle, serverBundleIsStale } from '../../build.mjs';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** The bundle `npm start` runs (apps/server/build.mjs): built from the sources, rebuilt when they change. */
describe('the server bundle', () => {
  // Inside the repository: the bundle finds its packages in node_modules from where it lies.
  const distDir = join(repoRoot, 'apps', 'server', 'dist');
  mkdirSync(distDir, { recursive: true });
  const dir = mkdtempSync(join(distDir, 'test-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bundles our sources, leaves node_modules outside, and keeps the server graph lazy', {
    timeout: 60_000,
  }, async () => {
    const entry = await buildServerBundle(dir);
    const inputs = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as string[];
    expect(inputs).toContain('apps/server/src/main.ts');
    expect(inputs).toContain('apps/server/src/system.ts');
    expect(inputs.some((i) => i.startsWith('packages/domain/src/'))).toBe(true);
    expect(inputs.some((i) => i.includes('node_modules'))).toBe(false);
    const main = readFileSync(entry, 'utf8');
    // The entry imports no heavy package itself: a bad configuration is reported before they load.
    expect(main).not.toMatch(/from ["']better-auth/);
    expect(main).toMatch(/import\(["']\.\/chunks\/system-/);
    expect(serverBundleIsStale(dir)).toBe(false);
  });

  it('is stale when a source is newer than it, or gone, or the bundle is incomplete', () => {
    const inputsFile = join(dir, 'inputs.json');
    const kept = readFileSync(inputsFile, 'utf8');
    const source = join(dir, 'source.ts');
    writeFileSync(source, 'export {};\n');
    const inputs = [...(JSON.parse(kept) as string[]), relative(repoRoot, source)];
    writeFileSync(inputsFile, JSON.stringify(inputs));
    utimesSync(join(dir, 'main.js'), new Date(), new Date());
    utimesSync(source, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(serverBundleIsStale(dir)).toBe(false);
    utimesSync(source, new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(serverBundleIsStale(dir)).toBe(true);
    rmSync(source);
    expect(serverBundleIsStale(dir)).toBe(true);
    writeFileSync(inputsFile, 'not json');
    expect(serverBundleIsStale(dir)).toBe(true);
    rmSync(inputsFile);
    expect(serverBundleIsStale(dir)).toBe(true);
    writeFileSync(inputsFile, kept);
    expect(serverBundleIsStale(dir)).toBe(false);
    rmSync(join(dir, 'main.js'));
    expect(serverBundleIsStale(dir)).toBe(true);
  });

  it('runs: a bad configuration is reported from the bundle with exit code 2', async () => {
    const entry = await buildServerBundle(dir);
    expect(existsSync(entry)).toBe(true);
    const run = spawnSync(process.execPath, [entry], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, PORT: 'x' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('PORT:');
  });
});
