import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../../../test-support/http';
import { loadConfig, type RunningSystem, startSystem } from '../../src/index';
import { GOOD_PASSWORD, uniqueEmail } from '../integration/support/accounts';

/**
 * The disk under DATA_DIR full (issue 14): a small tmpfs holds the embedded database. Writes then
 * fail with 503 `database_unavailable` and a stable code, reads go on, the process stays up, and
 * once space is freed writes succeed again without a restart. Mounting needs root, which CI is
 * (.ci/run); elsewhere the scenario says why it cannot run.
 */
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const isRoot = process.getuid?.() === 0;

describe('the disk under DATA_DIR full', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-faults-disk-'));
  let mounted = false;
  let system: RunningSystem | null = null;

  afterAll(async () => {
    await system?.stop();
    if (mounted) execFileSync('umount', [dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.runIf(isRoot || inCi)(
    'refuses writes with 503 while full, keeps serving reads, and recovers by itself',
    {
      timeout: 90_000,
    },
    async () => {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', dataDir]);
      mounted = true;
      const config = loadConfig({
        NODE_ENV: 'test',
        PORT: '0',
        DATA_DIR: dataDir,
        EMBEDDED_MQTT_PORT: '0',
        STRIPE_EMULATOR_PORT: '0',
        LOG_LEVEL: 'silent',
        DEMO_MODE: 'true',
        SIMULATED_LOCKERS: 'false',
      });
      if (!config.ok) throw new Error(config.problems.join('\n'));
      system = await startSystem(config.config);
      const member = new TestBrowser(system.url);
      await member.signUp(uniqueEmail('disk'), GOOD_PASSWORD, 'Disque');

      // Fill what is left but a few kilobytes.
      const filler = join(dataDir, 'filler');
      const free = statfsSync(dataDir);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - 64 * 1024)));
      // Each subscription is a new row (an index entry, an audit row): the tables soon need a page
      // the disk cannot give.
      const writes: number[] = [];
      let refused: { status: number; body: { error?: { code: string } } } | null = null;
      for (let i = 0; i < 2_000 && !refused; i++) {
        const saved = await member.json<{ error?: { code: string } }>('POST', '/api/push/subscriptions', {
          endpoint: `https://push.example.org/disk-${i}-${'x'.repeat(1_500)}`,
          keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'AAAAAAAAAAAAAAAAAAAAAA' },
        });
        writes.push(saved.status);
        if (saved.status !== 201) refused = saved;
      }
      expect(refused, `${writes.length} writes all succeeded`).not.toBeNull();
      expect(refused).toMatchObject({ status: 503, body: { error: { code: 'database_unavailable' } } });
      expect(writes.filter((s) => s !== 201 && s !== 503)).toEqual([]);
      expect((await member.request('GET', '/api/me')).status).toBe(200);

      rmSync(filler);
      const after = await member.json<{ user: { name: string } }>('PATCH', '/api/me', { name: 'De la place' });
      expect(after.status).toBe(200);
      expect(after.body.user.name).toBe('De la place');
    },
  );
});
