import { DEFAULT_SITE_TIME_ZONE, type HistoryEntry, type LockerType } from '@smartlocker/domain';
import { and, asc, desc, eq, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { bookings, lockers, sites, users } from '../db/schema';

/**
 * The history of sessions (SPEC §7, issue 6), read from `bookings`: sport sessions running or
 * ended, and school bookings active, completed or refunded (a refunded one is listed but is not
 * money spent). Pages and totals are computed by the database; the export reads in keyset-paged
 * batches so its memory does not grow with the number of rows.
 */
export interface HistoryFilter {
  /** Whose history; null for everyone's (administrators). */
  userId: string | null;
  /** Sessions that started at or after this instant. */
  from: Date | null;
  /** Sessions that started before this instant. */
  until: Date | null;
  type: LockerType | null;
}

export interface HistoryRow extends HistoryEntry {
  id: string;
  lockerId: string;
  refunded: boolean;
  userEmail: string | null;
}

export interface HistoryTotals {
  sessions: number;
  /** Sum of the ended sessions' durations, each rounded to whole minutes as listed. */
  minutes: number;
  /** Money spent: amounts of everything listed except refunded bookings. */
  spentCents: number;
}

const selection = {
  id: bookings.id,
  lockerId: bookings.lockerId,
  locker: lockers.name,
  kind: bookings.kind,
  status: bookings.status,
  startedAt: bookings.startsAt,
  endsAt: bookings.endsAt,
  endedAt: bookings.endedAt,
  amountCents: bookings.amountCents,
  endReason: bookings.endReason,
  userEmail: users.email,
};

type Selected = {
  id: string;
  lockerId: string;
  locker: string;
  kind: 'school_booking' | 'sport_session';
  status: (typeof bookings.status.enumValues)[number];
  startedAt: Date;
  endsAt: Date | null;
  endedAt: Date | null;
  amountCents: number;
  endReason: HistoryRow['endReason'];
  userEmail: string | null;
};

/** Which rows are history at all. */
const listed = or(
  and(eq(bookings.kind, 'sport_session'), inArray(bookings.status, ['active', 'completed'])),
  and(eq(bookings.kind, 'school_booking'), inArray(bookings.status, ['active', 'completed', 'refunded'])),
) as SQL;

/**
 * When a listed row ended: never while running; otherwise when it was ended, or for a booking
 * that ran its course without an explicit end, its planned end. Mirrored by `endOf` below.
 */
const endedAtSql = sql`case when ${bookings.status} = 'active' then null else coalesce(${bookings.endedAt}, ${bookings.endsAt}) end`;
/** Whole minutes, half up like the domain's `historyDurationMinutes` (numeric `round`, not float's half-even). */
const minutesSql = sql`round(extract(epoch from (${endedAtSql} - ${bookings.startsAt}))::numeric / 60)`;

function endOf(row: Selected): Date | null {
  if (row.status === 'active') return null;
  return row.endedAt ?? row.endsAt;
}

function toRow(row: Selected): HistoryRow {
  return {
    id: row.id,
    lockerId: row.lockerId,
    locker: row.locker,
    type: row.kind === 'sport_session' ? 'sport' : 'school',
    startedAt: row.startedAt,
    endedAt: endOf(row),
    amountCents: row.amountCents,
    endReason: row.status === 'active' ? null : row.endReason,
    refunded: row.status === 'refunded',
    userEmail: row.userEmail,
  };
}

export class HistoryRepository {
  constructor(private readonly db: Database) {}

  /** One page, newest first. */
  async page(filter: HistoryFilter, page: { offset: number; limit: number }): Promise<HistoryRow[]> {
    const rows = await this.#select()
      .where(this.#where(filter))
      .orderBy(desc(bookings.startsAt), desc(bookings.id))
      .limit(page.limit)
      .offset(page.offset);
    return rows.map(toRow);
  }

  async totals(filter: HistoryFilter): Promise<HistoryTotals> {
    const rows = await this.db
      .select({
        sessions: sql<number>`count(*)`.mapWith(Number),
        minutes: sql<number>`coalesce(sum(${minutesSql}), 0)`.mapWith(Number),
        spentCents:
          sql<number>`coalesce(sum(${bookings.amountCents}) filter (where ${bookings.status} <> 'refunded'), 0)`.mapWith(
            Number,
          ),
      })
      .from(bookings)
      .where(this.#where(filter));
    return rows[0] ?? { sessions: 0, minutes: 0, spentCents: 0 };
  }

  /**
   * Every matching row, oldest first, fetched `batchSize` at a time after the last row seen
   * (keyset pagination on `(starts_at, id)`): each query is as cheap as the first, and only one
   * batch is held at a time. The cursor's instant travels as the database's own text, so no
   * precision is lost to JavaScript's milliseconds.
   */
  async *stream(filter: HistoryFilter, batchSize = 1000): AsyncGenerator<HistoryRow, void, undefined> {
    let cursor: { at: string; id: string } | null = null;
    for (;;) {
      // The row comparison is the rule; the plain lower bound lets the (user_id, starts_at) index
      // skip what was already sent rather than scan it again for every batch.
      const after: SQL | undefined =
        cursor === null
          ? undefined
          : and(
              gte(bookings.startsAt, sql`${cursor.at}::timestamptz`),
              sql`(${bookings.startsAt}, ${bookings.id}) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
            );
      const rows = await this.#select({ cursorAt: sql<string>`${bookings.startsAt}::text` })
        .where(and(this.#where(filter), after))
        .orderBy(asc(bookings.startsAt), asc(bookings.id))
        .limit(batchSize);
      for (const row of rows) yield toRow(row);
      const last = rows.at(-1);
      if (rows.length < batchSize || last === undefined) return;
      cursor = { at: last.cursorAt, id: last.id };
    }
  }

  /**
   * The zone history is shown in: the site's (the first one's, should there be several; every
   * exported instant carries its UTC offset, so nothing is ambiguous either way).
   */
  async siteTimeZone(): Promise<string> {
    const rows = await this.db.select({ timeZone: sites.timeZone }).from(sites).orderBy(asc(sites.createdAt)).limit(1);
    return rows[0]?.timeZone ?? DEFAULT_SITE_TIME_ZONE;
  }

  #select<Extra extends Record<string, SQL.Aliased | SQL>>(extra?: Extra) {
    return this.db
      .select({ ...selection, ...(extra ?? ({} as Extra)) })
      .from(bookings)
      .innerJoin(lockers, eq(lockers.id, bookings.lockerId))
      .leftJoin(users, eq(users.id, bookings.userId));
  }

  #where(filter: HistoryFilter): SQL | undefined {
    return and(
      listed,
      filter.userId === null ? undefined : eq(bookings.userId, filter.userId),
      filter.from === null ? undefined : gte(bookings.startsAt, filter.from),
      filter.until === null ? undefined : lt(bookings.startsAt, filter.until),
      filter.type === null
        ? undefined
        : eq(bookings.kind, filter.type === 'sport' ? 'sport_session' : 'school_booking'),
    );
  }
}
