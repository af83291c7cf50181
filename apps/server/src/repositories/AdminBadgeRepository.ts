import { asc, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { sqlState, UNIQUE_VIOLATION } from '../db/pgErrors';
import { adminBadges } from '../db/schema';

export type AdminBadgeRow = typeof adminBadges.$inferSelect;

export class AdminBadgeRepository {
  constructor(private readonly db: Database) {}

  async list(): Promise<AdminBadgeRow[]> {
    return this.db.select().from(adminBadges).orderBy(asc(adminBadges.createdAt));
  }

  /** Null when a badge with this UID is already registered. */
  async add(uid: string, label: string): Promise<AdminBadgeRow | null> {
    try {
      const rows = await this.db.insert(adminBadges).values({ uid, label }).returning();
      return rows[0] ?? null;
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  async remove(id: string): Promise<boolean> {
    const rows = await this.db.delete(adminBadges).where(eq(adminBadges.id, id)).returning({ id: adminBadges.id });
    return rows.length > 0;
  }
}
