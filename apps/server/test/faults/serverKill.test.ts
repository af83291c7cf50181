import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { siteDate } from '@smartlocker/domain';
import { type StripeEmulator, startStripeEmulator } from '@smartlocker/stripe-emulator';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test-support/faults/privateServices';
import { TestBrowser } from '../../../../test-support/http';
import { openDatabase } from '../../src/db/database';
import { GOOD_PASSWORD, uniqueEmail } from '../integration/support/accounts';
import { expectPaymentsConsistent, waitUntil } from './support/invariants';

/**
 * The server SIGKILLed while payments are being confirmed — by the webhook and by the success
 * page at once — then started again on the same DATA_DIR (issue 14). Stripe (the emulator, in
 * this process so it outlives the server) keeps retrying what was not answered. Afterwards: the
 * PGlite directory reopened, the lock the dead process left was taken over, every paid booking is
 * confirmed exactly once, and no booking or payment is half-applied.
 */
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const CARD = '4242 4242 4242 4242';
const BOOKINGS = 8;

describe('the server killed during payment confirmations', () => {
  let emulator: StripeEmulator;
  let server: ChildProcess | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-faults-kill-'));

  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    await emulator?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startServer(port: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['scripts/start.mjs'], {
      cwd: repoRoot,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: String(port),
        EMBEDDED_MQTT_PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        DEMO_MODE: 'true',
        STRIPE_SECRET_KEY: emulator.secretKey,
        STRIPE_WEBHOOK_SECRET: emulator.webhookSecret,
        STRIPE_API_URL: `http://127.0.0.1:${emulator.port}`,
        BOOKING_TICK_S: '60',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    await waitUntil(
      'the server to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${stderr}`);
        // Up, and its simulated lockers back online (pairing needs them).
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          async (r) => r.status === 200 && ((await r.json()) as { lockersOnline: number }).lockersOnline === 2,
          () => false,
        );
      },
      60_000,
    );
    return child;
  }

  it('finishes every confirmation once after a restart, with the lock of the dead process taken over', {
    timeout: 180_000,
  }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    emulator = await startStripeEmulator({
      port: 0,
      // What a dashboard hands out (letters and digits), as the server's configuration expects.
      webhookSecret: `whsec_${randomBytes(24).toString('hex')}`,
      webhookUrl: `${url}/webhooks/stripe`,
      retryDelaysMs: [250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000],
    });
    server = await startServer(port);

    // Eight members book eight hours of the school locker, three days ahead.
    const day = siteDate(new Date(Date.now() + 3 * 86_400_000), 'Europe/Brussels');
    const members: { browser: TestBrowser; sessionId: string; bookingId: string }[] = [];
    for (let i = 0; i < BOOKINGS; i++) {
      const browser = new TestBrowser(url);
      await browser.signUp(uniqueEmail(`kill-${i}`), GOOD_PASSWORD, `Kill ${i}`);
      expect((await browser.json('POST', '/api/pairing', { code: 'SL-ECOLE-01' })).status).toBe(201);
      const booked = await browser.json<{ booking: { id: string }; checkoutUrl: string }>('POST', '/api/bookings', {
        date: day,
        startHour: 8 + i,
        durationHours: 1,
      });
      expect(booked.status, JSON.stringify(booked.body)).toBe(201);
      members.push({
        browser,
        sessionId: booked.body.checkoutUrl.split('/').at(-1) ?? '',
        bookingId: booked.body.booking.id,
      });
    }

    // Every member pays; the webhooks and the success pages' confirmations race in, and the
    // server is killed while they are being applied.
    for (const m of members) expect(await emulator.pay(m.sessionId, CARD)).toEqual({ ok: true });
    const confirmations = members.map((m) =>
      m.browser.json('POST', '/api/payments/confirm', { sessionId: m.sessionId }).catch(() => null),
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    const killed = server;
    const exited = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await exited;
    await Promise.all(confirmations);
    const lock = join(dataDir, 'pglite.lock');
    expect(existsSync(lock)).toBe(true);
    expect(Number(readFileSync(lock, 'utf8'))).toBe(killed.pid);

    // Started again on the same directory: the stale lock is taken over, Stripe's retries land.
    server = await startServer(port);
    await emulator.idle();
    for (const m of members) {
      const view = await waitUntil(`booking ${m.bookingId} confirmed`, async () => {
        const answer = await m.browser.json<{ booking: { status: string } }>('GET', `/api/bookings/${m.bookingId}`);
        return answer.body.booking.status === 'confirmed' ? answer.body.booking : null;
      });
      expect(view.status).toBe('confirmed');
    }

    // Stopped cleanly, then read directly: one confirmation per booking, nothing half-applied.
    const stopping = server;
    const stopped = new Promise((resolve) => stopping.once('exit', resolve));
    stopping.kill('SIGTERM');
    expect(await stopped).toBe(0);
    server = null;
    const database = await openDatabase({ kind: 'pglite', dir: join(dataDir, 'pglite') });
    try {
      await expectPaymentsConsistent(database.db);
      const confirmed = (await database.db.execute(sql`
        SELECT data->>'bookingId' AS booking, count(*)::int AS n FROM audit_events
        WHERE action = 'booking.confirmed' GROUP BY 1`)) as unknown as { rows: { booking: string; n: number }[] };
      const counts = new Map(confirmed.rows.map((r) => [r.booking, r.n]));
      for (const m of members) expect(counts.get(m.bookingId), m.bookingId).toBe(1);
      const paid = (await database.db.execute(sql`
        SELECT count(*)::int AS n FROM payments WHERE status = 'paid'`)) as unknown as { rows: { n: number }[] };
      expect(paid.rows[0]?.n).toBe(BOOKINGS);
    } finally {
      await database.close();
    }
  });
});
