import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnStart } from '../../../../test-support/serverProcess';

/** Starts the real entry point (`npm start` runs exactly this) and waits for its banner. */
function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawnStart(dataDir, { logLevel: 'warn', stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${output}`)), 30_000);
    const onData = () => {
      const match = /running on (http:\/\/localhost:\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({ child, url: match[1], output: () => output });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before its banner:\n${output}`));
    });
  });
}

describe('the server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with its demo lockers online, prints the demo accounts, and stops cleanly on SIGINT', async () => {
    const { child, url, output } = await startServer(dataDir);
    expect(output()).toMatch(/admin\s+admin@smartlocker\.test\s+demo-\S+/);
    expect(output()).toMatch(/premium\s+premium@smartlocker\.test/);

    let health: { lockersOnline?: number } = {};
    for (let i = 0; i < 100 && health.lockersOnline !== 2; i++) {
      health = (await (await fetch(`${url}/healthz`)).json()) as typeof health;
      if (health.lockersOnline !== 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health).toEqual({ status: 'ok', db: 'ok', broker: 'ok', lockersOnline: 2 });

    // A second server on the same DATA_DIR must refuse the embedded database, not corrupt it.
    const second = spawnStart(dataDir, { logLevel: 'silent', stdio: ['ignore', 'ignore', 'pipe'] });
    let secondErr = '';
    second.stderr?.on('data', (chunk: Buffer) => {
      secondErr += chunk.toString();
    });
    const secondCode = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(secondCode).toBe(1);
    expect(secondErr).toContain('in use by process');

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
