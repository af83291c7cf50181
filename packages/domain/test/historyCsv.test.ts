import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../test-support/csv';
import { csvCell, csvLine, UTF8_BOM } from '../src/csv';
import { formatEuroCents } from '../src/history/euroAmount';
import { HISTORY_CSV_COLUMNS, historyCsv, historyCsvColumns } from '../src/history/historyCsv';
import type { HistoryEntry } from '../src/history/historyEntry';
import { siteTimeFormatter } from '../src/history/siteTime';

const zone = 'Europe/Brussels';
const entry: HistoryEntry = {
  locker: 'ECOLE_01',
  type: 'school',
  startedAt: new Date('2026-03-29T08:00:00Z'),
  endedAt: new Date('2026-03-29T10:00:00Z'),
  amountCents: 1999,
  endReason: 'expired',
};

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const chunk of chunks) out += chunk;
  return out;
}

describe('RFC 4180 quoting', () => {
  it.each([
    ['ECOLE_01', 'ECOLE_01'],
    ['', ''],
    ['Casier, hall B', '"Casier, hall B"'],
    ['Le "grand" casier', '"Le ""grand"" casier"'],
    ['line\nbreak', '"line\nbreak"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    ['crlf\r\ninside', '"crlf\r\ninside"'],
    ['Éléonore ✓', 'Éléonore ✓'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('ends every record with CRLF, including the last', () => {
    expect(csvLine(['a', 'b,c', 'd'])).toBe('a,"b,c",d\r\n');
  });

  it('reads back as the same cells', () => {
    const cells = ['plain', 'a,b', 'say "hi"', 'two\r\nlines', 'lone\rcr', 'lone\nlf', '"', ',', ''];
    expect(parseCsv(csvLine(cells) + csvLine(['x']))).toEqual([cells, ['x']]);
  });
});

describe('formula injection (OWASP CSV Injection)', () => {
  it.each([
    ['=SUM(A1:A9)', `"'=SUM(A1:A9)"`],
    ['+33 6 12', `"'+33 6 12"`],
    ['-1+1', `"'-1+1"`],
    ['@cmd', `"'@cmd"`],
    ['\tindent', `"'\tindent"`],
    ['\rstart', `"'\rstart"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['=1,2', `"'=1,2"`],
  ])('neutralises %j with a leading quote, quoted', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('leaves a plain negative number alone: it cannot be a formula', () => {
    expect(csvCell('-1.50')).toBe('-1.50');
    expect(csvCell('-15')).toBe('-15');
  });

  it('leaves cells with those characters elsewhere alone', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('user@site')).toBe('user@site');
  });

  it('neutralises a hostile locker name inside an export', async () => {
    const csv = await collect(historyCsv([{ ...entry, locker: '=cmd|"/c calc"!A1' }], { timeZone: zone }));
    expect(csv.split('\r\n')[1]).toMatch(/^"'=cmd\|""\/c calc""!A1",/);
    expect(parseCsv(csv.slice(1))[1]?.[0]).toBe(`'=cmd|"/c calc"!A1`);
  });
});

describe('formatEuroCents', () => {
  it.each([
    [1999, '19.99'],
    [0, '0.00'],
    [5, '0.05'],
    [50, '0.50'],
    [100, '1.00'],
    [-150, '-1.50'],
    [-5, '-0.05'],
    [123_456_789, '1234567.89'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('%i cents is %s', (cents, expected) => {
    expect(formatEuroCents(cents)).toBe(expected);
  });

  it('the sum of 0.10 + 0.20 in cents is exact', () => {
    expect(formatEuroCents(10 + 20)).toBe('0.30');
  });

  it.each([19.99, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %s, which is not whole cents', (cents) => {
    expect(() => formatEuroCents(cents)).toThrow(RangeError);
  });
});

describe('site time', () => {
  const brussels = siteTimeFormatter(zone);

  it.each([
    ['2026-01-15T09:00:00Z', '2026-01-15T10:00:00+01:00'],
    ['2026-07-15T08:00:00Z', '2026-07-15T10:00:00+02:00'],
    // Spring forward, 29 March 2026 at 01:00 UTC: 02:00 local does not exist.
    ['2026-03-29T00:59:59Z', '2026-03-29T01:59:59+01:00'],
    ['2026-03-29T01:00:00Z', '2026-03-29T03:00:00+02:00'],
    // Fall back, 25 October 2026 at 01:00 UTC: 02:30 local happens twice, the offset tells them apart.
    ['2026-10-25T00:30:00Z', '2026-10-25T02:30:00+02:00'],
    ['2026-10-25T01:30:00Z', '2026-10-25T02:30:00+01:00'],
    ['2026-12-31T23:00:00Z', '2027-01-01T00:00:00+01:00'],
    ['2026-03-29T08:00:00.999Z', '2026-03-29T10:00:00+02:00'],
  ])('%s is %s in Brussels', (utc, expected) => {
    const iso = brussels.iso(new Date(utc));
    expect(iso).toBe(expected);
    expect(new Date(iso).getTime()).toBe(Math.floor(new Date(utc).getTime() / 1000) * 1000);
  });

  it.each([
    ['UTC', '2026-03-29T08:00:00+00:00'],
    ['America/New_York', '2026-03-29T04:00:00-04:00'],
    ['Asia/Kolkata', '2026-03-29T13:30:00+05:30'],
    ['America/St_Johns', '2026-03-29T05:30:00-02:30'],
  ])('writes negative and half-hour offsets (%s)', (timeZone, expected) => {
    expect(siteTimeFormatter(timeZone).iso(new Date('2026-03-29T08:00:00Z'))).toBe(expected);
  });

  it('writes local time day first, on a 24-hour clock', () => {
    expect(brussels.local(new Date('2026-03-29T08:00:00Z'))).toBe('29/03/2026 10:00');
    expect(brussels.local(new Date('2026-06-30T22:05:00Z'))).toBe('01/07/2026 00:05');
  });

  it('refuses an unknown zone at once', () => {
    expect(() => siteTimeFormatter('Europe/Atlantis')).toThrow(RangeError);
  });
});

describe('historyCsv', () => {
  it('starts with the UTF-8 BOM, then the header', async () => {
    const csv = await collect(historyCsv([], { timeZone: zone }));
    expect(csv).toBe(`${UTF8_BOM}locker,type,start,end,start_local,duration_minutes,amount_eur,ended,refunded\r\n`);
    expect([...new TextEncoder().encode(csv).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(HISTORY_CSV_COLUMNS).toHaveLength(9);
  });

  it('writes one line per session, in the site zone, with amounts in EUR', async () => {
    const csv = await collect(historyCsv([entry], { timeZone: zone }));
    expect(csv.split('\r\n')[1]).toBe(
      'ECOLE_01,school,2026-03-29T10:00:00+02:00,2026-03-29T12:00:00+02:00,29/03/2026 10:00,120,19.99,expired,no',
    );
  });

  it('names every way a session ends, and leaves a running session open-ended', async () => {
    const rows: HistoryEntry[] = [
      { ...entry, endReason: 'user' },
      { ...entry, endReason: 'admin' },
      { ...entry, type: 'sport', amountCents: 0, endReason: 'lockdown' },
      { ...entry, type: 'sport', amountCents: 0, endedAt: null, endReason: null },
    ];
    const records = parseCsv((await collect(historyCsv(rows, { timeZone: zone }))).slice(1));
    expect(records.slice(1).map((r) => r[7])).toEqual(['ended by user', 'forced by admin', 'lockdown', '']);
    expect(records[4]).toEqual([
      'ECOLE_01',
      'sport',
      '2026-03-29T10:00:00+02:00',
      '',
      '29/03/2026 10:00',
      '',
      '0.00',
      '',
      'no',
    ]);
  });

  it('marks a refunded booking, amount kept', async () => {
    const records = parseCsv((await collect(historyCsv([{ ...entry, refunded: true }], { timeZone: zone }))).slice(1));
    expect(records[1]?.slice(6)).toEqual(['19.99', 'expired', 'yes']);
  });

  it('starts every line with the member for an administrator, neutralising a hostile address', async () => {
    const rows: HistoryEntry[] = [
      { ...entry, userEmail: 'lea@example.org' },
      { ...entry, userEmail: '=HYPERLINK("http://x")@example.org' },
      { ...entry, userEmail: null },
    ];
    const csv = await collect(historyCsv(rows, { timeZone: zone, withUser: true }));
    const records = parseCsv(csv.slice(1));
    expect(records[0]).toEqual([...historyCsvColumns({ withUser: true })]);
    expect(records[0]?.[0]).toBe('user_email');
    expect(records.slice(1).map((r) => r[0])).toEqual(['lea@example.org', `'=HYPERLINK("http://x")@example.org`, '']);
    expect(records.every((r) => r.length === 10)).toBe(true);
  });

  it('rounds durations to whole minutes and keeps winter and summer offsets apart', async () => {
    const winter: HistoryEntry = {
      ...entry,
      startedAt: new Date('2026-03-29T00:30:00Z'),
      endedAt: new Date('2026-03-29T01:30:29Z'),
    };
    const [, line] = parseCsv((await collect(historyCsv([winter], { timeZone: zone }))).slice(1));
    expect(line?.slice(2, 6)).toEqual([
      '2026-03-29T01:30:00+01:00',
      '2026-03-29T03:30:29+02:00',
      '29/03/2026 01:30',
      '60',
    ]);
  });

  it('reads from an async iterable, such as a database cursor', async () => {
    async function* cursor(): AsyncGenerator<HistoryEntry> {
      yield entry;
      await Promise.resolve();
      yield { ...entry, locker: 'Casier, "B"' };
    }
    const records = parseCsv((await collect(historyCsv(cursor(), { timeZone: zone }))).slice(1));
    expect(records.map((r) => r[0])).toEqual(['locker', 'ECOLE_01', 'Casier, "B"']);
  });

  it('does not read ahead of the consumer', async () => {
    let pulled = 0;
    function* rows(): Generator<HistoryEntry> {
      for (;;) {
        pulled++;
        yield entry;
      }
    }
    const stream = historyCsv(rows(), { timeZone: zone });
    const first = await stream.next();
    expect(first.done).toBe(false);
    // One chunk of ~16 KiB holds a few hundred short lines; an unbounded reader would never return.
    expect(pulled).toBeLessThan(1_000);
    await stream.return();
  });
});

describe('historyCsv with 100,000 rows', () => {
  const ROWS = 100_000;
  const BOUND = 50 * 1024 * 1024;
  // Outside Latin-1, so V8 stores these strings at two bytes a character; quotes are doubled on output.
  const longName = 'Casier "Ł" — vestiaire nord, '.repeat(20);

  function* rows(): Generator<HistoryEntry> {
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < ROWS; i++) {
      yield {
        locker: `${longName}${i}`,
        type: i % 2 === 0 ? 'sport' : 'school',
        startedAt: new Date(start + i * 60_000),
        endedAt: new Date(start + i * 60_000 + 45 * 60_000),
        amountCents: i,
        endReason: 'user',
      };
    }
  }

  /** Streams the export through `consume`, sampling the heap; returns the peak growth and the output size. */
  async function measure(consume: (chunk: string) => void): Promise<{ growth: number; chars: number; lines: number }> {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let chars = 0;
    let lines = 0;
    let chunks = 0;
    for await (const chunk of historyCsv(rows(), { timeZone: zone })) {
      consume(chunk);
      chars += chunk.length;
      // The long name holds no line break, so every CRLF ends a record.
      lines += chunk.split('\r\n').length - 1;
      if (++chunks % 64 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { growth: peak - baseline, chars, lines };
  }

  it('streams in bounded memory while writing more than the bound', { timeout: 120_000 }, async () => {
    const { growth, chars, lines } = await measure(() => {});
    expect(lines).toBe(ROWS + 1);
    // Even at one byte a character the output is larger than the bound: holding it could not pass.
    expect(chars).toBeGreaterThan(BOUND);
    expect(growth).toBeLessThan(BOUND);
  });

  it('would fail the bound if the chunks were kept (the measurement can see it)', { timeout: 120_000 }, async () => {
    const kept: string[] = [];
    const { growth } = await measure((chunk) => kept.push(chunk));
    expect(kept.length).toBeGreaterThan(0);
    expect(growth).toBeGreaterThan(BOUND);
  });
});
