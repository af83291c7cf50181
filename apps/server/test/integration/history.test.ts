import { randomBytes } from 'node:crypto';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { siteDate } from '@smartlocker/domain';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { CsvRecordReader, parseCsv } from '../../../../test-support/csv';
import { TestBrowser } from '../../../../test-support/http';
import { captureLogs } from '../../../../test-support/logs';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { startTcpProxy } from '../../../../test-support/tcpProxy';
import { bookings, lockers, sites } from '../../src/db/schema';
import { GOOD_PASSWORD, uniqueEmail } from './support/accounts';

/**
 * History (SPEC §7, issue 6) through the HTTP API on every database backend: filters in the
 * site's zone, paging and totals computed by the database, the CSV export (BOM, RFC 4180,
 * formula injection, file name) streamed in bounded memory, and the administrator's export of
 * every member's history.
 */
type ErrorBody = { error: { code: string } };
type Entry = {
  locker: string;
  type: string;
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number | null;
  amountCents: number;
  endReason: string | null;
  refunded: boolean;
};
type Page = {
  entries: Entry[];
  page: number;
  pageSize: number;
  total: number;
  totals: { sessions: number; minutes: number; spentCents: number };
  timeZone: string;
};

const ZONE = 'Europe/Brussels';
const HOSTILE_NAME = '=HYPERLINK("http://evil.example","x")';
const at = (iso: string) => new Date(iso);

/** The body as text, its BOM kept (`Response.text()` would drop it), then without it. */
async function csvBody(response: Response): Promise<{ bom: boolean; text: string }> {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await response.arrayBuffer());
  const bom = text.startsWith('\uFEFF');
  return { bom, text: bom ? text.slice(1) : text };
}

/** The engine's full garbage collection, made callable without starting Node with --expose-gc. */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * A GET on a connection of its own. PGlite runs in this thread, so a bulk load holds the event
 * loop for seconds: the server's keep-alive timer on a pooled socket then fires in the same turn
 * as a new request written to it, and the server resets it. A browser would retry such a GET;
 * fetch does not, so the request that measures the export does not reuse a socket at all.
 */
function getOnFreshConnection(url: URL, cookie: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { agent: false, headers: { cookie, origin: url.origin } }, resolve);
    request.on('error', reject);
  });
}

/** Today on the site's calendar, allowing for a test that runs across midnight. */
function todayCandidates(before: Date): string[] {
  return [...new Set([siteDate(before, ZONE), siteDate(new Date(), ZONE)])];
}

describe.each(databaseBackends())('history on $name', (db: DatabaseBackend) => {
  let system: TestSystem;
  let ada: TestBrowser;
  let bob: TestBrowser;
  let admin: TestBrowser;
  let adaEmail: string;
  let bobEmail: string;
  let siteId: string;
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const logs = captureLogs();

  async function userId(browser: TestBrowser): Promise<string> {
    return (await browser.json<{ user: { id: string } }>('GET', '/api/me')).body.user.id;
  }

  async function createLocker(id: string, name: string, type: 'school' | 'sport'): Promise<void> {
    await system.database.db.insert(lockers).values({ id, siteId, name, type, pairingCode: `SL-${id}` });
  }

  beforeAll(async () => {
    system = await startTestSystem(db, EMBEDDED_BROKER, {}, { logger: logs.logger });
    adaEmail = uniqueEmail('ada');
    bobEmail = uniqueEmail('bob');
    ada = new TestBrowser(system.url);
    bob = new TestBrowser(system.url);
    await ada.signUp(adaEmail, GOOD_PASSWORD, 'Ada');
    await bob.signUp(bobEmail, GOOD_PASSWORD, 'Bob');
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    if (!account) throw new Error('no demo administrator');
    admin = new TestBrowser(system.url);
    expect(await admin.signIn(account.email, account.password)).toBe(200);

    const [site] = await system.database.db.select({ id: sites.id }).from(sites).limit(1);
    if (!site) throw new Error('no site');
    siteId = site.id;
    const hostile = `HOSTILE_${suffix}`;
    await createLocker(hostile, HOSTILE_NAME, 'sport');
    const { school, sport } = system.lockerIds;
    const adaId = await userId(ada);
    const bobId = await userId(bob);
    const base = { amountCents: 0, currency: 'eur' };
    await system.database.db.insert(bookings).values([
      // 10:00–11:30 in Brussels (winter, +01:00).
      {
        ...base,
        userId: adaId,
        lockerId: sport,
        kind: 'sport_session',
        status: 'completed',
        startsAt: at('2026-01-10T09:00:00Z'),
        endsAt: at('2026-01-10T10:30:00Z'),
        endedAt: at('2026-01-10T10:30:00Z'),
        endReason: 'user',
      },
      // 00:30 on 12 January in Brussels, though still the 11th in UTC.
      {
        ...base,
        userId: adaId,
        lockerId: sport,
        kind: 'sport_session',
        status: 'completed',
        startsAt: at('2026-01-11T23:30:00Z'),
        endsAt: at('2026-01-12T00:00:00Z'),
        endedAt: at('2026-01-12T00:00:00Z'),
        endReason: 'user',
      },
      {
        ...base,
        userId: adaId,
        lockerId: school,
        kind: 'school_booking',
        status: 'completed',
        startsAt: at('2026-01-12T08:00:00Z'),
        endsAt: at('2026-01-12T10:00:00Z'),
        endedAt: at('2026-01-12T10:00:00Z'),
        endReason: 'expired',
        amountCents: 1000,
      },
      // Refunded: listed, amount shown, not money spent.
      {
        ...base,
        userId: adaId,
        lockerId: school,
        kind: 'school_booking',
        status: 'refunded',
        startsAt: at('2026-01-15T10:00:00Z'),
        endsAt: at('2026-01-15T11:00:00Z'),
        amountCents: 500,
      },
      // Not history: a booking that was cancelled, and a hold never paid.
      {
        ...base,
        userId: adaId,
        lockerId: school,
        kind: 'school_booking',
        status: 'cancelled',
        startsAt: at('2026-01-20T10:00:00Z'),
        endsAt: at('2026-01-20T11:00:00Z'),
        amountCents: 500,
      },
      {
        ...base,
        userId: adaId,
        lockerId: school,
        kind: 'school_booking',
        status: 'expired',
        startsAt: at('2026-01-21T10:00:00Z'),
        endsAt: at('2026-01-21T11:00:00Z'),
        amountCents: 500,
      },
      {
        ...base,
        userId: adaId,
        lockerId: hostile,
        kind: 'sport_session',
        status: 'completed',
        startsAt: at('2026-02-01T12:00:00Z'),
        endsAt: at('2026-02-01T12:45:00Z'),
        endedAt: at('2026-02-01T12:45:00Z'),
        endReason: 'admin',
      },
      // Running: no end, no duration, no reason yet.
      {
        ...base,
        userId: adaId,
        lockerId: hostile,
        kind: 'sport_session',
        status: 'active',
        startsAt: at('2026-02-03T07:00:00Z'),
      },
      {
        ...base,
        userId: bobId,
        lockerId: sport,
        kind: 'sport_session',
        status: 'completed',
        startsAt: at('2026-01-11T09:00:00Z'),
        endsAt: at('2026-01-11T09:20:00Z'),
        endedAt: at('2026-01-11T09:20:00Z'),
        endReason: 'user',
      },
    ]);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('lists one’s own sessions newest first, with totals that leave out refunds and running time', async () => {
    const { status, body } = await ada.json<Page>('GET', '/api/history');
    expect(status).toBe(200);
    expect(body).toMatchObject({ page: 1, pageSize: 20, total: 6, timeZone: ZONE });
    expect(body.totals).toEqual({ sessions: 6, minutes: 90 + 30 + 120 + 60 + 45, spentCents: 1000 });
    expect(body.entries.map((e) => e.startedAt)).toEqual([
      '2026-02-03T07:00:00.000Z',
      '2026-02-01T12:00:00.000Z',
      '2026-01-15T10:00:00.000Z',
      '2026-01-12T08:00:00.000Z',
      '2026-01-11T23:30:00.000Z',
      '2026-01-10T09:00:00.000Z',
    ]);
    expect(body.entries[0]).toMatchObject({ endedAt: null, durationMinutes: null, endReason: null, refunded: false });
    expect(body.entries[2]).toMatchObject({
      type: 'school',
      amountCents: 500,
      refunded: true,
      endedAt: '2026-01-15T11:00:00.000Z',
      durationMinutes: 60,
    });
    expect(body.entries[5]).toEqual({
      id: expect.any(String),
      lockerId: system.lockerIds.sport,
      locker: 'Casier sport test',
      type: 'sport',
      startedAt: '2026-01-10T09:00:00.000Z',
      endedAt: '2026-01-10T10:30:00.000Z',
      durationMinutes: 90,
      amountCents: 0,
      endReason: 'user',
      refunded: false,
    });

    const bobs = await bob.json<Page>('GET', '/api/history');
    expect(bobs.body.total).toBe(1);
    expect(bobs.body.totals).toEqual({ sessions: 1, minutes: 20, spentCents: 0 });
  });

  it('filters by type and by days of the site’s calendar, both ends included', async () => {
    const school = await ada.json<Page>('GET', '/api/history?type=school');
    expect(school.body.entries.map((e) => e.type)).toEqual(['school', 'school']);
    expect(school.body.totals).toEqual({ sessions: 2, minutes: 180, spentCents: 1000 });

    // 00:30 on 12 January in Brussels belongs to the 12th, not to the 11th as in UTC.
    const twelfth = await ada.json<Page>('GET', '/api/history?from=2026-01-12&to=2026-01-12');
    expect(twelfth.body.entries.map((e) => e.startedAt)).toEqual([
      '2026-01-12T08:00:00.000Z',
      '2026-01-11T23:30:00.000Z',
    ]);
    const eleventh = await ada.json<Page>('GET', '/api/history?from=2026-01-11&to=2026-01-11');
    expect(eleventh.body.total).toBe(0);
    const range = await ada.json<Page>('GET', '/api/history?from=2026-01-12&to=2026-01-15&type=school');
    expect(range.body.totals).toEqual({ sessions: 2, minutes: 180, spentCents: 1000 });
    const open = await ada.json<Page>('GET', '/api/history?from=2026-02-01&to=&type=');
    expect(open.body.total).toBe(2);
  });

  it('pages in the database', async () => {
    const pages = await Promise.all(
      [1, 2, 3, 4].map((page) => ada.json<Page>('GET', `/api/history?page=${page}&pageSize=2`)),
    );
    expect(pages.map((p) => p.body.entries.length)).toEqual([2, 2, 2, 0]);
    expect(pages.every((p) => p.body.total === 6 && p.body.totals.sessions === 6)).toBe(true);
    expect(pages.flatMap((p) => p.body.entries.map((e) => e.startedAt))).toEqual(
      (await ada.json<Page>('GET', '/api/history')).body.entries.map((e) => e.startedAt),
    );
  });

  it.each([
    ['type=boat', 'invalid_query'],
    ['page=0', 'invalid_query'],
    ['page=two', 'invalid_query'],
    ['pageSize=101', 'invalid_query'],
    ['from=2026-02-30', 'invalid_date'],
    ['to=12/01/2026', 'invalid_date'],
    ['from=2026-02-02&to=2026-02-01', 'invalid_date_range'],
  ])('answers 400 to %s with %s', async (query, code) => {
    for (const path of [`/api/history?${query}`, `/api/history.csv?${query}`]) {
      const { status, body } = await ada.json<ErrorBody>('GET', path);
      expect(status, path).toBe(400);
      expect(body.error.code, path).toBe(code);
    }
  });

  it('exports CSV: UTF-8 with a BOM, RFC 4180, site times with offsets, formulas neutralised', async () => {
    const before = new Date();
    const response = await ada.request('GET', '/api/history.csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    const disposition = response.headers.get('content-disposition') ?? '';
    expect(todayCandidates(before).map((d) => `attachment; filename="smartlocker-historique-${d}.csv"`)).toContain(
      disposition,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(
      text.startsWith('\uFEFFlocker,type,start,end,start_local,duration_minutes,amount_eur,ended,refunded\r\n'),
    ).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    // The hostile locker name is quoted and starts with a single quote: a spreadsheet shows it as text.
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")",sport,`);

    const [header, ...rows] = parseCsv(text.slice(1));
    expect(header).toHaveLength(9);
    expect(rows).toEqual([
      [
        'Casier sport test',
        'sport',
        '2026-01-10T10:00:00+01:00',
        '2026-01-10T11:30:00+01:00',
        '10/01/2026 10:00',
        '90',
        '0.00',
        'ended by user',
        'no',
      ],
      [
        'Casier sport test',
        'sport',
        '2026-01-12T00:30:00+01:00',
        '2026-01-12T01:00:00+01:00',
        '12/01/2026 00:30',
        '30',
        '0.00',
        'ended by user',
        'no',
      ],
      [
        'Casier école test',
        'school',
        '2026-01-12T09:00:00+01:00',
        '2026-01-12T11:00:00+01:00',
        '12/01/2026 09:00',
        '120',
        '10.00',
        'expired',
        'no',
      ],
      [
        'Casier école test',
        'school',
        '2026-01-15T11:00:00+01:00',
        '2026-01-15T12:00:00+01:00',
        '15/01/2026 11:00',
        '60',
        '5.00',
        '',
        'yes',
      ],
      [
        `'${HOSTILE_NAME}`,
        'sport',
        '2026-02-01T13:00:00+01:00',
        '2026-02-01T13:45:00+01:00',
        '01/02/2026 13:00',
        '45',
        '0.00',
        'forced by admin',
        'no',
      ],
      [`'${HOSTILE_NAME}`, 'sport', '2026-02-03T08:00:00+01:00', '', '03/02/2026 08:00', '', '0.00', '', 'no'],
    ]);

    const school = parseCsv(
      (await csvBody(await ada.request('GET', '/api/history.csv?type=school&to=2026-01-12'))).text,
    );
    expect(school.slice(1).map((r) => r[2])).toEqual(['2026-01-12T09:00:00+01:00']);
  });

  it('lets an administrator export every member’s history, and no one else', async () => {
    const before = new Date();
    const response = await admin.request('GET', '/api/admin/history.csv?from=2026-01-11&to=2026-01-11');
    expect(response.status).toBe(200);
    expect(
      todayCandidates(before).map((d) => `attachment; filename="smartlocker-historique-complet-${d}.csv"`),
    ).toContain(response.headers.get('content-disposition'));
    const [header, ...rows] = parseCsv((await csvBody(response)).text);
    expect(header?.[0]).toBe('user_email');
    expect(header).toHaveLength(10);
    expect(rows.map((r) => r[0])).toEqual([bobEmail]);
    const everything = parseCsv((await csvBody(await admin.request('GET', '/api/admin/history.csv'))).text);
    expect(new Set(everything.slice(1).map((r) => r[0]))).toEqual(new Set([adaEmail, bobEmail]));

    const refused = await ada.json<ErrorBody>('GET', '/api/admin/history.csv');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('admin_only');
    expect((await new TestBrowser(system.url).request('GET', '/api/admin/history.csv')).status).toBe(401);
    expect((await new TestBrowser(system.url).request('GET', '/api/history.csv')).status).toBe(401);
    expect((await new TestBrowser(system.url).request('GET', '/api/history')).status).toBe(401);
  });

  it('streams 100,000 rows from the database in bounded memory', { timeout: 240_000 }, async () => {
    const ROWS = 100_000;
    const BOUND = 50 * 1024 * 1024;
    // Outside Latin-1 (two bytes a character in V8) and long: holding the export could not pass.
    const name = 'Casier "Ł" — vestiaire nord, '.repeat(20);
    const bulkLocker = `BULK_${suffix}`;
    await createLocker(bulkLocker, name, 'sport');
    const bulk = new TestBrowser(system.url);
    await bulk.signUp(uniqueEmail('bulk'), GOOD_PASSWORD, 'Bulk');
    const bulkId = await userId(bulk);
    await system.database.db.execute(sql`
      INSERT INTO bookings (user_id, locker_id, kind, status, starts_at, ends_at, ended_at, end_reason, amount_cents)
      SELECT ${bulkId}, ${bulkLocker}, 'sport_session', 'completed', s, s + interval '45 minutes',
             s + interval '45 minutes', 'user', 0
      FROM generate_series(0, ${ROWS - 1}) AS g, LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + g * interval '1 minute' AS s) AS t`);

    // PostgreSQL's autovacuum analyses a table after a bulk load like this one, and the planner
    // then walks the (user_id, starts_at) index for each batch; PGlite has no autovacuum, and the
    // test must not depend on when it would run, so it analyses now.
    await system.database.db.execute(sql`ANALYZE bookings`);
    // Live memory, not garbage waiting for a collection: a full GC before each sample.
    const gc = fullGc();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    const sample = () => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    // Through a link that hands the body over in odd-sized pieces, as a loaded machine or a real
    // network does: record ends split between two reads must still be counted once.
    const link = await startTcpProxy({ targetPort: system.port, sliceBytes: 9_973 });
    const response = await getOnFreshConnection(new URL('/api/history.csv', link.url('http')), bulk.cookieHeader);
    expect(response.statusCode).toBe(200);
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    const csv = new CsvRecordReader();
    let chars = 0;
    let chunks = 0;
    let first = '';
    try {
      for await (const chunk of response) {
        const text = decoder.decode(chunk as Buffer, { stream: true });
        if (first === '') first = text.slice(0, 200);
        chars += text.length;
        csv.push(text);
        if (++chunks % 256 === 0) sample();
      }
    } finally {
      await link.close();
    }
    sample();
    csv.end();
    expect(first.startsWith('\uFEFFlocker,')).toBe(true);
    expect(csv.count).toBe(ROWS + 1);
    // The last record is the last row: nothing was cut off the end.
    expect(new Date(csv.last?.[2] ?? '').getTime()).toBe(Date.parse('2025-01-01T00:00:00Z') + (ROWS - 1) * 60_000);
    // More text went through than the bound: keeping it (or the rows) in memory could not pass.
    expect(chars).toBeGreaterThan(BOUND);
    expect(peak - baseline).toBeLessThan(BOUND);
  });

  it('cuts a download off visibly when the database fails midway, logs it and counts it', async () => {
    const ROWS = 20_000;
    const failing = `FAIL_${suffix}`;
    await createLocker(failing, 'Casier qui lâche — '.repeat(30), 'sport');
    const member = new TestBrowser(system.url);
    await member.signUp(uniqueEmail('cut'), GOOD_PASSWORD, 'Cut');
    const memberId = await userId(member);
    await system.database.db.execute(sql`
      INSERT INTO bookings (user_id, locker_id, kind, status, starts_at, ends_at, ended_at, end_reason, amount_cents)
      SELECT ${memberId}, ${failing}, 'sport_session', 'completed', s, s + interval '30 minutes',
             s + interval '30 minutes', 'user', 0
      FROM generate_series(0, ${ROWS - 1}) AS g, LATERAL (SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour' AS s) AS t`);
    const failures = async () =>
      (await system.metrics.httpStreams.get()).values.find(
        (v) => v.labels.route === '/api/history.csv' && v.labels.outcome === 'server_error',
      )?.value ?? 0;
    const failuresBefore = await failures();

    const response = await getOnFreshConnection(new URL('/api/history.csv', system.url), member.cookieHeader);
    expect(response.statusCode).toBe(200);
    // Read a little, then stop reading: the server stops too, waiting for the socket to drain
    // (about 12 MB are to come, more than twice what the socket buffers hold).
    const firstChunk: Buffer = await new Promise((resolve) => response.once('data', resolve));
    response.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The database loses the table under the export: the next batch's query fails.
    await system.database.db.execute(sql`ALTER TABLE bookings RENAME TO bookings_away`);
    let received = firstChunk.length;
    let outcome: string;
    try {
      outcome = await new Promise<string>((resolve) => {
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        response.on('end', () => resolve(response.complete ? 'complete' : 'ended incomplete'));
        response.on('error', (error) => resolve(`error: ${error.message}`));
        response.resume();
      });
    } finally {
      await system.database.db.execute(sql`ALTER TABLE bookings_away RENAME TO bookings`);
    }
    // The client sees a failed transfer, never a clean end of a shorter file.
    expect(outcome).toMatch(/^error: aborted/);
    expect(received).toBeLessThan(ROWS * 600);
    expect(await failures()).toBe(failuresBefore + 1);
    const line = logs.lines().find((l) => l.msg?.startsWith('streamed response failed midway'));
    expect(line).toMatchObject({ level: 50, route: '/api/history.csv' });
    expect(line?.bytesSent).toBeGreaterThan(0);

    // The same export afterwards is whole again.
    const again = await getOnFreshConnection(new URL('/api/history.csv', system.url), member.cookieHeader);
    const csv = new CsvRecordReader();
    const decoder = new TextDecoder();
    for await (const chunk of again) csv.push(decoder.decode(chunk as Buffer, { stream: true }));
    csv.end();
    expect(csv.count).toBe(ROWS + 1);
  });
});
