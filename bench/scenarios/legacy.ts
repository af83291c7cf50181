/**
 * The measures the bench took before issue 13, kept as extra keys of the report: start-up (cold
 * and warm DATA_DIR), the booking flow (hold + Checkout, pay → `confirmed` on the stream) and the
 * administrators' list of people over many accounts (issue 11).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { ManualClock } from '../../apps/server/src/index';
import { type DatabaseBackend, EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../test-support/http';
import { spawnStart } from '../../test-support/serverProcess';
import { startTestSystem } from '../../test-support/system';
import { percentile } from './stats';

export interface Summary {
  n: number;
  min: number;
  median: number;
  p90: number;
  max: number;
}

export function summary(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (v: number | undefined) => (v === undefined ? Number.NaN : Math.round(v * 100) / 100);
  return {
    n: sorted.length,
    min: r(sorted[0]),
    median: r(percentile(sorted, 0.5)),
    p90: r(percentile(sorted, 0.9)),
    max: r(sorted.at(-1)),
  };
}

/** From spawning what `npm start` runs to /healthz reporting both simulated lockers online. */
async function timeStart(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawnStart(dataDir, { logLevel: 'silent', stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    for (;;) {
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s');
      const url = /running on (http:\/\/localhost:\d+)/.exec(output)?.[1];
      if (url) {
        const health = (await (await fetch(`${url}/healthz`)).json()) as { lockersOnline?: number };
        if (health.lockersOnline === 2) return performance.now() - started;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
}

export async function startUp(starts: number): Promise<{ cold: Summary; warm: Summary }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < starts; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-bench-'));
    try {
      cold.push(await timeStart(dataDir));
      warm.push(await timeStart(dataDir));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return { cold: summary(cold), warm: summary(warm) };
}

/** The POST that holds a slot and creates its Checkout Session; paying → `confirmed` on the stream. */
export async function bookingFlow(bookings: number): Promise<{ book: Summary; confirm: Summary }> {
  const clock = new ManualClock(new Date('2026-12-01T06:30:00Z'));
  const system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, { BOOKING_TICK_S: '60' }, { clock });
  try {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('the bench runs against the Stripe emulator');
    const browser = new TestBrowser(system.url);
    await browser.signUp(`bench-booking-${Date.now()}@example.org`);
    await browser.json('POST', '/api/pairing', { code: system.codes.school });
    const events = readSse(await browser.request('GET', '/api/events'));
    await waitForEvent(events, (e) => e.event === 'locker');
    const book: number[] = [];
    const confirm: number[] = [];
    for (let i = 0; i < bookings; i++) {
      const sent = performance.now();
      const booked = await browser.json<{ booking: { id: string }; checkoutUrl: string }>('POST', '/api/bookings', {
        date: `2026-12-${String(2 + Math.floor(i / 14)).padStart(2, '0')}`,
        startHour: 8 + (i % 14),
        durationHours: 1,
      });
      if (booked.status !== 201) throw new Error(`booking answered ${booked.status}`);
      book.push(performance.now() - sent);
      const paid = performance.now();
      await emulator.pay(booked.body.checkoutUrl.split('/').at(-1) ?? '', '4242424242424242');
      await waitForEvent(events, (e) => {
        if (e.event !== 'booking') return false;
        const view = JSON.parse(e.data) as { id: string; status: string };
        return view.id === booked.body.booking.id && view.status === 'confirmed';
      });
      confirm.push(performance.now() - paid);
    }
    await events.return(undefined);
    return { book: summary(book), confirm: summary(confirm) };
  } finally {
    await system.dispose();
  }
}

/**
 * GET /api/admin/users over `people` accounts, each request timed from the administrator's side:
 * every sort in both directions, searches, a filter, and pages deep in the list. The accounts are
 * inserted in one statement (their totals rows by the users trigger), then analysed, as
 * autovacuum would do on PostgreSQL.
 */
export async function adminUsers(options: {
  database: DatabaseBackend;
  people: number;
  pages: number;
}): Promise<Summary & { p99: number; people: number }> {
  const system = await startTestSystem(options.database, EMBEDDED_BROKER);
  try {
    const admin = system.demoAccounts.find((a) => a.role === 'admin');
    if (!admin) throw new Error('no demo administrator');
    await system.database.db.execute(sql`
      INSERT INTO users (id, name, email, premium, created_at, updated_at)
      SELECT 'bench-' || n, 'Membre ' || md5(n::text), 'membre' || n || '@bench.test', n % 7 = 0,
             timestamptz '2021-01-01 00:00:00+00' + n * interval '5 minutes', now()
      FROM generate_series(1, ${options.people}) AS n`);
    await system.database.db.execute(sql`ANALYZE users`);
    await system.database.db.execute(sql`ANALYZE user_stats`);
    const browser = new TestBrowser(system.url);
    await browser.signIn(admin.email, admin.password);
    const queries = [
      'sort=name&dir=asc',
      'sort=name&dir=desc',
      'sort=email&dir=asc',
      'sort=created&dir=desc',
      'sort=sessions&dir=desc',
      'sort=revenue&dir=desc',
      'q=4f2&sort=name&dir=asc',
      'q=membre9999&sort=email&dir=asc',
      'premium=true&sort=created&dir=asc',
      `sort=created&dir=asc&page=${Math.floor(options.people / 25 / 2)}`,
    ];
    const samples: number[] = [];
    for (let i = 0; i < options.pages; i++) {
      const query = `${queries[i % queries.length]}&pageSize=25`;
      const started = performance.now();
      const answer = await browser.json<{ total: number }>('GET', `/api/admin/users?${query}`);
      samples.push(performance.now() - started);
      if (answer.status !== 200) throw new Error(`admin users ${query}: ${answer.status}`);
    }
    return { ...summary(samples), p99: Math.round(percentile(samples, 0.99) * 100) / 100, people: options.people };
  } finally {
    await system.dispose();
  }
}
