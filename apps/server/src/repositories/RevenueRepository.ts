import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database';

export type RevenueGranularity = 'day' | 'week' | 'month';

export interface RevenueQuery {
  /** First and last day, inclusive, as `YYYY-MM-DD` in `timeZone`. */
  from: string;
  to: string;
  timeZone: string;
  granularity: RevenueGranularity;
  siteId?: string;
  type?: 'school' | 'sport';
}

export interface RevenuePeriodRow {
  /** The period's first day (a week's Monday), `YYYY-MM-DD`, in the zone asked. */
  period: string;
  paidCents: number;
  refundedCents: number;
}

export interface RevenueRows {
  series: RevenuePeriodRow[];
  bySite: { siteId: string; siteName: string; netCents: number }[];
  byType: { type: 'school' | 'sport'; netCents: number }[];
}

/**
 * Money that moved, summed by the database (issue 11): a payment on the day it succeeded
 * (`paid_at`), its refund on the day it was refunded (`refunded_at`), each read in the site zone
 * asked. Sums are bigint, read as text: exact to the cent. Every period of the range comes out of
 * `generate_series`, zeros included; `date_trunc('week')` starts weeks on Monday (ISO 8601).
 */
export class RevenueRepository {
  constructor(private readonly db: Database) {}

  async revenue(query: RevenueQuery): Promise<RevenueRows> {
    const moves = movesOf(query);
    const [series, bySite, byType] = await Promise.all([
      this.#rows<{ period: string; paid: string; refunded: string }>(sql`
        WITH moves AS (${moves}),
        periods AS (
          SELECT generate_series(
            date_trunc(${query.granularity}, ${query.from}::date::timestamp),
            ${query.to}::date::timestamp,
            ('1 ' || ${query.granularity})::interval
          ) AS start
        )
        SELECT to_char(periods.start, 'YYYY-MM-DD') AS period,
               coalesce(sum(moves.paid), 0)::text AS paid,
               coalesce(sum(moves.refunded), 0)::text AS refunded
        FROM periods LEFT JOIN moves ON moves.period = periods.start
        GROUP BY periods.start
        ORDER BY periods.start`),
      this.#rows<{ site_id: string; site_name: string; net: string }>(sql`
        WITH moves AS (${moves})
        SELECT sites.id AS site_id, sites.name AS site_name,
               coalesce(sum(moves.paid - moves.refunded), 0)::text AS net
        FROM sites LEFT JOIN moves ON moves.site_id = sites.id
        ${query.siteId === undefined ? sql`` : sql`WHERE sites.id = ${query.siteId}`}
        GROUP BY sites.id, sites.name, sites.created_at
        ORDER BY sites.created_at, sites.id`),
      this.#rows<{ type: 'school' | 'sport'; net: string }>(sql`
        WITH moves AS (${moves})
        SELECT kinds.type, coalesce(sum(moves.paid - moves.refunded), 0)::text AS net
        FROM (VALUES ('school'), ('sport')) AS kinds(type)
        LEFT JOIN moves ON moves.type = kinds.type
        GROUP BY kinds.type
        ORDER BY kinds.type`),
    ]);
    return {
      series: series.map((r) => ({ period: r.period, paidCents: Number(r.paid), refundedCents: Number(r.refunded) })),
      bySite: bySite.map((r) => ({ siteId: r.site_id, siteName: r.site_name, netCents: Number(r.net) })),
      byType: byType.map((r) => ({ type: r.type, netCents: Number(r.net) })),
    };
  }

  async #rows<T>(query: SQL): Promise<T[]> {
    // Both drivers answer `execute` with `{ rows }` (node-postgres QueryResult, PGlite Results).
    const result = (await this.db.execute(query)) as unknown as { rows: T[] };
    return result.rows;
  }
}

/** Every payment and every refund inside the range, one row each, with its period, site and type. */
function movesOf(query: RevenueQuery): SQL {
  const start = sql`(${query.from}::date::timestamp AT TIME ZONE ${query.timeZone})`;
  const end = sql`((${query.to}::date + 1)::timestamp AT TIME ZONE ${query.timeZone})`;
  const filters: SQL[] = [];
  if (query.siteId !== undefined) filters.push(sql`AND l.site_id = ${query.siteId}`);
  if (query.type !== undefined) filters.push(sql`AND l.type::text = ${query.type}`);
  const where = sql.join(filters, sql` `);
  const movement = (column: SQL, paid: SQL, refunded: SQL) => sql`
    SELECT date_trunc(${query.granularity}, ${column} AT TIME ZONE ${query.timeZone}) AS period,
           ${paid} AS paid, ${refunded} AS refunded, l.site_id, l.type::text AS type
    FROM payments p
    JOIN bookings b ON b.id = p.booking_id
    JOIN lockers l ON l.id = b.locker_id
    WHERE ${column} >= ${start} AND ${column} < ${end} ${where}`;
  return sql`${movement(sql`p.paid_at`, sql`p.amount_cents::bigint`, sql`0::bigint`)}
    UNION ALL
    ${movement(sql`p.refunded_at`, sql`0::bigint`, sql`p.amount_cents::bigint`)}`;
}
