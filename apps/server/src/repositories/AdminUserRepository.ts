import { and, asc, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { lockers, pairings, userStats, users } from '../db/schema';

export const USER_SORTS = ['name', 'email', 'created', 'sessions', 'revenue'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserListQuery {
  /** Part of the pseudo or of the e-mail address, any case. */
  q?: string;
  role?: 'user' | 'admin';
  premium?: boolean;
  sort: UserSort;
  dir: 'asc' | 'desc';
  offset: number;
  limit: number;
}

export interface AdminUserRow {
  id: string;
  name: string;
  email: string;
  role: 'user' | 'admin';
  premium: boolean;
  createdAt: Date;
  sessions: number;
  revenueCents: number;
  lockerId: string | null;
  lockerName: string | null;
}

/**
 * The administrators' list of people (issue 11): searched through trigram indexes, sorted
 * through btree indexes, totals from `user_stats` (kept by triggers), so a page of 100,000
 * people costs an index walk, not a scan (ADR 8).
 */
export class AdminUserRepository {
  constructor(private readonly db: Database) {}

  /**
   * One page of people; the totals of the whole filtered list come from `totals()`. The page is
   * chosen first on the sort's own table (an index walk, even 50,000 rows deep), and only its
   * rows are joined to their totals, pairing and locker: joining before the OFFSET would join
   * every row it skips.
   */
  async list(query: UserListQuery): Promise<AdminUserRow[]> {
    const direction = query.dir === 'asc' ? asc : desc;
    const byTotals = query.sort === 'sessions' || query.sort === 'revenue';
    // Ties broken by the id from the sort key's own table, so one index serves both
    // (users (lower(name), id), users (created_at, id), user_stats (sessions, user_id)…).
    const tieBreak = byTotals ? userStats.userId : users.id;
    const chosen = byTotals
      ? this.db
          .select({ id: userStats.userId, key: sql`${sortColumn(query.sort)}`.as('sort_key') })
          .from(userStats)
          .innerJoin(users, eq(users.id, userStats.userId))
      : this.db.select({ id: users.id, key: sql`${sortColumn(query.sort)}`.as('sort_key') }).from(users);
    const page = chosen
      .where(and(...conditions(query)))
      .orderBy(direction(sortColumn(query.sort)), direction(tieBreak))
      .limit(query.limit)
      .offset(query.offset)
      .as('page');
    const rows = await this.db
      .select({
        id: users.id,
        name: users.name,
        email: users.email,
        role: users.role,
        premium: users.premium,
        createdAt: users.createdAt,
        sessions: userStats.sessions,
        revenueCents: userStats.revenueCents,
        lockerId: pairings.lockerId,
        lockerName: lockers.name,
      })
      .from(page)
      .innerJoin(users, eq(users.id, page.id))
      .innerJoin(userStats, eq(userStats.userId, users.id))
      .leftJoin(pairings, and(eq(pairings.userId, users.id), isNull(pairings.endedAt)))
      .leftJoin(lockers, eq(lockers.id, pairings.lockerId))
      .orderBy(direction(page.key), direction(page.id));
    return rows.map((r) => ({ ...r, revenueCents: Number(r.revenueCents) }));
  }

  /**
   * How many people the filter keeps and their revenue (the list's pager and footer), in one
   * statement. Unfiltered, from `user_stats` alone: one narrow row per person, no join.
   */
  async totals(
    query: Pick<UserListQuery, 'q' | 'role' | 'premium'>,
  ): Promise<{ people: number; revenueCents: number }> {
    const filters = conditions(query);
    const measures = {
      people: sql<number>`count(*)::int`,
      cents: sql<string>`coalesce(sum(${userStats.revenueCents}), 0)::text`,
    };
    const [row] =
      filters.length === 0
        ? await this.db.select(measures).from(userStats)
        : await this.db
            .select(measures)
            .from(users)
            .innerJoin(userStats, eq(userStats.userId, users.id))
            .where(and(...filters));
    return { people: row?.people ?? 0, revenueCents: Number(row?.cents ?? 0) };
  }

  async findById(id: string): Promise<AdminUserRow | null> {
    const rows = await this.db
      .select({
        id: users.id,
        name: users.name,
        email: users.email,
        role: users.role,
        premium: users.premium,
        createdAt: users.createdAt,
        sessions: userStats.sessions,
        revenueCents: userStats.revenueCents,
        lockerId: pairings.lockerId,
        lockerName: lockers.name,
      })
      .from(users)
      .innerJoin(userStats, eq(userStats.userId, users.id))
      .leftJoin(pairings, and(eq(pairings.userId, users.id), isNull(pairings.endedAt)))
      .leftJoin(lockers, eq(lockers.id, pairings.lockerId))
      .where(eq(users.id, id))
      .limit(1);
    const row = rows[0];
    return row ? { ...row, revenueCents: Number(row.revenueCents) } : null;
  }

  /**
   * Sets a person's role; demoting refuses to leave nobody in charge. The administrators' rows are
   * locked first, so two administrators demoting each other at once take turns: the second one sees
   * the first demotion and is refused (`last_admin`) instead of both succeeding.
   */
  async setRole(id: string, role: 'user' | 'admin'): Promise<'changed' | 'unchanged' | 'last_admin' | 'not_found'> {
    return this.db.transaction(async (tx) => {
      const admins = await tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).for('update');
      const [target] = await tx.select({ role: users.role }).from(users).where(eq(users.id, id)).for('update');
      if (!target) return 'not_found';
      if (target.role === role) return 'unchanged';
      if (role === 'user' && admins.filter((a) => a.id !== id).length === 0) return 'last_admin';
      await tx.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, id));
      return 'changed';
    });
  }

  async countAdmins(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(users.role, 'admin'));
    return row?.n ?? 0;
  }
}

function conditions(query: Pick<UserListQuery, 'q' | 'role' | 'premium'>): SQL[] {
  const where: SQL[] = [];
  const q = query.q?.trim().toLowerCase();
  if (q) {
    // LIKE's own wildcards in the search text are taken literally.
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(sql`(lower(${users.name}) LIKE ${pattern} OR lower(${users.email}) LIKE ${pattern})`);
  }
  if (query.role) where.push(eq(users.role, query.role));
  if (query.premium !== undefined) where.push(eq(users.premium, query.premium));
  return where;
}

function sortColumn(sort: UserSort) {
  switch (sort) {
    case 'name':
      return sql`lower(${users.name})`;
    case 'email':
      return users.email;
    case 'created':
      return users.createdAt;
    case 'sessions':
      return userStats.sessions;
    case 'revenue':
      return userStats.revenueCents;
  }
}
