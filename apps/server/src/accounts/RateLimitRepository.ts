import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { rateLimitHits } from '../db/schema';

export interface WindowCount {
  count: number;
  /** Seconds until the oldest hit in the window leaves it (0 when the window is empty). */
  oldestLeavesInS: number;
}

/**
 * The hits of the rate limits, in the database so every instance sees the same counts. Times are
 * the database's `now()`, never an instance's clock.
 */
export class RateLimitRepository {
  constructor(private readonly db: Database) {}

  async add(key: string): Promise<number> {
    const rows = await this.db.insert(rateLimitHits).values({ key }).returning({ id: rateLimitHits.id });
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('insert returned no row');
    return id;
  }

  async count(key: string, windowS: number): Promise<WindowCount> {
    const window = sql`(${windowS}::int * interval '1 second')`;
    const rows = await this.db
      .select({
        count: sql<number>`count(*)::int`,
        oldestLeavesInS: sql<number>`coalesce(ceil(extract(epoch from (min(${rateLimitHits.at}) + ${window} - now())))::int, 0)`,
      })
      .from(rateLimitHits)
      .where(and(eq(rateLimitHits.key, key), gt(rateLimitHits.at, sql`now() - ${window}`)));
    return { count: rows[0]?.count ?? 0, oldestLeavesInS: rows[0]?.oldestLeavesInS ?? 0 };
  }

  async remove(id: number): Promise<void> {
    await this.db.delete(rateLimitHits).where(eq(rateLimitHits.id, id));
  }

  async clear(key: string): Promise<void> {
    await this.db.delete(rateLimitHits).where(eq(rateLimitHits.key, key));
  }

  /** Drops hits older than every window; returns how many. */
  async sweep(olderThanS: number): Promise<number> {
    const rows = await this.db
      .delete(rateLimitHits)
      .where(lt(rateLimitHits.at, sql`now() - (${olderThanS}::int * interval '1 second')`))
      .returning({ id: rateLimitHits.id });
    return rows.length;
  }
}
