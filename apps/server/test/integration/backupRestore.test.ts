import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asc } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { type Database, openDatabase } from '../../src/db/database';
import { bookings, payments } from '../../src/db/schema';

/**
 * Issue 14, backups of the embedded database: `npm run backup` while the server runs (the server
 * makes the copy and hands it over DATA_DIR/backup.sock), `npm run restore` into a fresh data
 * directory, and every booking and payment is found there. Then the same with no server
 * running, and a restore refused while a server holds the database.
 */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const MORNING = new Date('2026-12-01T06:30:00Z');

/** Runs a CLI of apps/server/src/cli as `npm run` does, without blocking this process (the server lives here). */
function cli(name: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/server/src/cli/${name}.ts`, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

async function snapshot(db: Database) {
  return {
    bookings: await db
      .select({ id: bookings.id, status: bookings.status, amountCents: bookings.amountCents })
      .from(bookings)
      .orderBy(asc(bookings.id)),
    payments: await db.select().from(payments).orderBy(asc(payments.id)),
  };
}

describe('backup and restore of the embedded database', () => {
  const work = mkdtempSync(join(tmpdir(), 'smartlocker-backup-'));
  let system: TestSystem;
  let live: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    const clock = new ManualClock(MORNING);
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, { TRUST_PROXY: 'true' }, { clock });
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('the test system runs the Stripe emulator');
    // Three members: two paid bookings, one left waiting for its payment.
    for (const [index, hour] of [10, 12, 14].entries()) {
      const browser = new TestBrowser(system.url);
      const signUp = await browser.request(
        'POST',
        '/api/auth/sign-up/email',
        { email: `backup-${index}-${Date.now()}@example.org`, password: 'correct horse battery', name: `M${index}` },
        { 'x-forwarded-for': `10.9.0.${index + 1}` },
      );
      expect(signUp.status).toBe(200);
      expect((await browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
      const booked = await browser.json<{ checkoutUrl: string }>('POST', '/api/bookings', {
        date: '2026-12-02',
        startHour: hour,
        durationHours: 2,
      });
      expect(booked.status).toBe(201);
      if (index < 2) {
        const sessionId = booked.body.checkoutUrl.split('/').at(-1) ?? '';
        expect(await emulator.pay(sessionId, '4242424242424242')).toEqual({ ok: true });
        await emulator.idle();
      }
    }
    live = await snapshot(system.database.db);
    expect(live.bookings.map((b) => b.status).sort()).toEqual(['confirmed', 'confirmed', 'pending']);
    expect(live.payments.length).toBeGreaterThanOrEqual(2);
  });
  afterAll(async () => {
    await system?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up while the server runs and restores every booking and payment into a fresh DATA_DIR', async () => {
    const archive = join(work, 'online.tar.gz');
    const backup = await cli('backup', ['--data-dir', system.dataDirPath, '--out', archive]);
    expect(backup.out).toContain('made by the running server');
    expect(backup.code).toBe(0);

    const fresh = join(work, 'fresh');
    const restore = await cli('restore', [archive, '--data-dir', fresh]);
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toMatch(/bookings\s+3/);

    const reopened = await openDatabase({ kind: 'pglite', dir: join(fresh, 'pglite') });
    try {
      expect(await snapshot(reopened.db)).toEqual(live);
      // A server holds it now: a restore over it is refused, and says what to do.
      const refused = await cli('restore', [archive, '--data-dir', fresh, '--replace']);
      expect(refused.code).toBe(1);
      expect(refused.out).toContain('Stop the server first');
    } finally {
      await reopened.close();
    }
  });

  it('backs up a stopped database too, and never overwrites one without --replace', async () => {
    const fresh = join(work, 'fresh');
    const archive = join(work, 'offline.tar.gz');
    const backup = await cli('backup', ['--data-dir', fresh, '--out', archive]);
    expect(backup.code, backup.out).toBe(0);
    expect(backup.out).toContain('from the stopped database');

    const again = await cli('restore', [archive, '--data-dir', fresh]);
    expect(again.code).toBe(2);
    expect(again.out).toContain('--replace');
    const replaced = await cli('restore', [archive, '--data-dir', fresh, '--replace']);
    expect(replaced.code, replaced.out).toBe(0);
    expect(replaced.out).toContain('pglite.before-restore-');

    const reopened = await openDatabase({ kind: 'pglite', dir: join(fresh, 'pglite') });
    try {
      expect(await snapshot(reopened.db)).toEqual(live);
    } finally {
      await reopened.close();
    }
    expect(existsSync(join(system.dataDirPath, 'backup.sock'))).toBe(true);
  });
});
