import { asc, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { lockers, sites } from '../db/schema';

export type SiteRow = typeof sites.$inferSelect;
export type NewLockerRow = typeof lockers.$inferInsert;

/**
 * What provisioning reads and writes: sites, new lockers and the hash of each locker's broker
 * secret. No rules here (STYLE.md ex. 7); unique violations reach the caller as they are.
 */
export class ProvisioningRepository {
  constructor(private readonly db: Database) {}

  async findSiteById(id: string): Promise<SiteRow | null> {
    const rows = await this.db.select().from(sites).where(eq(sites.id, id)).limit(1);
    return rows[0] ?? null;
  }

  async findSiteByName(name: string): Promise<SiteRow | null> {
    const rows = await this.db.select().from(sites).where(eq(sites.name, name)).orderBy(asc(sites.createdAt)).limit(1);
    return rows[0] ?? null;
  }

  /** At most `limit` sites, oldest first. */
  async listSites(limit: number): Promise<SiteRow[]> {
    return this.db.select().from(sites).orderBy(asc(sites.createdAt)).limit(limit);
  }

  async createSite(name: string, timeZone: string): Promise<SiteRow> {
    const [row] = await this.db.insert(sites).values({ name, timeZone }).returning();
    if (!row) throw new Error(`could not create site ${name}`);
    return row;
  }

  async insertLocker(values: NewLockerRow): Promise<void> {
    await this.db.insert(lockers).values(values);
  }

  /** `null` when the locker does not exist; `{ hash: null }` when it has no credential yet. */
  async findSecretHash(lockerId: string): Promise<{ hash: string | null } | null> {
    const rows = await this.db
      .select({ hash: lockers.deviceSecretHash })
      .from(lockers)
      .where(eq(lockers.id, lockerId))
      .limit(1);
    return rows[0] ?? null;
  }

  /** False when the locker does not exist; null leaves it without any credential (decommissioned). */
  async setSecretHash(lockerId: string, hash: string | null): Promise<boolean> {
    const rows = await this.db
      .update(lockers)
      .set({ deviceSecretHash: hash, updatedAt: new Date() })
      .where(eq(lockers.id, lockerId))
      .returning({ id: lockers.id });
    return rows.length > 0;
  }
}
