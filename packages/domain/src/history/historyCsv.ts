import { csvChunks } from '../csv';
import { formatEuroCents } from './euroAmount';
import { describeEndReason, type HistoryEntry, historyDurationMinutes } from './historyEntry';
import { siteTimeFormatter } from './siteTime';

/**
 * The history export (issue 6), made of `csv.ts`: RFC 4180, UTF-8 with a BOM, streamed row by row
 * so 100,000 rows take constant memory. The caller turns the chunks into a response body (`ReadableStream.from`, `Readable.from`) and encodes them as UTF-8.
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

export function historyCsv(
  entries: AsyncIterable<HistoryEntry> | Iterable<HistoryEntry>,
  options: HistoryCsvOptions,
): AsyncGenerator<string, void, undefined> {
  const time = siteTimeFormatter(options.timeZone);
  const withUser = options.withUser === true;
  async function* lines(): AsyncGenerator<string[]> {
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
      yield withUser ? [entry.userEmail ?? '', ...cells] : cells;
    }
  }
  return csvChunks(historyCsvColumns(options), lines());
}
