import { formatEuroCents } from './euroAmount';
import { describeEndReason, type HistoryEntry, historyDurationMinutes } from './historyEntry';
import { siteTimeFormatter } from './siteTime';

/**
 * The history export (issue 6): RFC 4180 CSV, UTF-8 with a BOM so spreadsheet programs read
 * accents correctly, streamed row by row so 100,000 rows take constant memory. The caller turns the
 * chunks into a response body (`ReadableStream.from`, `Readable.from`) and encodes them as UTF-8.
 */
export const HISTORY_CSV_COLUMNS = [
  'locker',
  'type',
  'start',
  'end',
  'start_local',
  'duration_minutes',
  'amount_eur',
  'ended',
  'refunded',
] as const;

/** Put first in an administrator's export of every member's history (`withUser`). */
export const HISTORY_CSV_USER_COLUMN = 'user_email';

/** U+FEFF, which becomes EF BB BF once the chunk is encoded as UTF-8. */
export const UTF8_BOM = '\uFEFF';

const CRLF = '\r\n';
/** Rows are gathered into chunks of about this many characters, to keep per-chunk overhead low. */
const CHUNK_CHARS = 16_384;

export interface HistoryCsvOptions {
  /** IANA zone of the site, e.g. `Europe/Brussels`. */
  timeZone: string;
  /** Starts every line with the member's e-mail (administrators export everyone's history). */
  withUser?: boolean;
}

/** The header of an export with these options. */
export function historyCsvColumns(options: Pick<HistoryCsvOptions, 'withUser'> = {}): readonly string[] {
  return options.withUser ? [HISTORY_CSV_USER_COLUMN, ...HISTORY_CSV_COLUMNS] : HISTORY_CSV_COLUMNS;
}

export async function* historyCsv(
  entries: AsyncIterable<HistoryEntry> | Iterable<HistoryEntry>,
  options: HistoryCsvOptions,
): AsyncGenerator<string, void, undefined> {
  const time = siteTimeFormatter(options.timeZone);
  const withUser = options.withUser === true;
  let chunk = UTF8_BOM + csvLine(historyCsvColumns(options));
  for await (const entry of entries) {
    const duration = historyDurationMinutes(entry);
    const cells = [
      entry.locker,
      entry.type,
      time.iso(entry.startedAt),
      entry.endedAt === null ? '' : time.iso(entry.endedAt),
      time.local(entry.startedAt),
      duration === null ? '' : String(duration),
      formatEuroCents(entry.amountCents),
      entry.endReason === null ? '' : describeEndReason(entry.endReason),
      entry.refunded === true ? 'yes' : 'no',
    ];
    chunk += csvLine(withUser ? [entry.userEmail ?? '', ...cells] : cells);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** One record, CRLF-terminated (RFC 4180 §2.1–2.2). */
export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + CRLF;
}

/** A plain number, the only cell shape allowed to start with `-` untouched: it cannot be a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
/** OWASP "CSV Injection": a spreadsheet evaluates a cell starting with these as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** RFC 4180 §2.6: fields containing a comma, a double quote, CR or LF are enclosed in double quotes. */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string): string {
  if (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value)) {
    // Neutralised with a leading single quote, and always quoted so the cell reads as text.
    return `"'${value.replaceAll('"', '""')}"`;
  }
  // RFC 4180 §2.7: a double quote inside a quoted field is escaped by doubling it.
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
