import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { lockers, sites } from '../db/schema';

export type LockerRow = typeof lockers.$inferSelect;
export type WatermarkChannel = 'state' | 'presence';
export type LockerWithSite = { locker: LockerRow; site: { name: string; timeZone: string } };

export interface LockerFactsUpdate {
  door?: LockerRow['door'];
  lock?: LockerRow['lock'];
  lockdownUntil?: Date | null;
  objectPresent?: boolean | null;
  distanceCm?: number | null;
  firmware?: string;
  online?: boolean;
}

/** Reads and writes lockers; no rules here (STYLE.md ex. 7). */
export class LockerRepository {
  constructor(private readonly db: Database) {}

  async findWithSite(id: string): Promise<LockerWithSite | null> {
    const rows = await this.db
      .select({ locker: lockers, site: { name: sites.name, timeZone: sites.timeZone } })
      .from(lockers)
      .innerJoin(sites, eq(sites.id, lockers.siteId))
      .where(eq(lockers.id, id))
      .limit(1);
    return rows[0] ?? null;
  }

  async findByPairingCode(code: string): Promise<LockerRow | null> {
    const rows = await this.db.select().from(lockers).where(eq(lockers.pairingCode, code)).limit(1);
    return rows[0] ?? null;
  }

  async exists(id: string): Promise<boolean> {
    const rows = await this.db.select({ id: lockers.id }).from(lockers).where(eq(lockers.id, id)).limit(1);
    return rows.length > 0;
  }

  /** Applies facts reported by a device; returns false when the locker is unknown. */
  async applyFacts(id: string, facts: LockerFactsUpdate, seenAt: Date): Promise<boolean> {
    const rows = await this.db
      .update(lockers)
      .set({ ...facts, lastSeenAt: seenAt, updatedAt: seenAt })
      .where(eq(lockers.id, id))
      .returning({ id: lockers.id });
    return rows.length > 0;
  }

  /**
   * Moves a latest-wins channel's watermark forward in one atomic statement. False means an
   * equal or newer message of that channel was already applied (or the locker is unknown).
   */
  async claimSequence(id: string, channel: WatermarkChannel, seq: number): Promise<boolean> {
    const column = channel === 'state' ? lockers.stateSeq : lockers.presenceSeq;
    const rows = await this.db
      .update(lockers)
      .set(channel === 'state' ? { stateSeq: seq } : { presenceSeq: seq })
      .where(and(eq(lockers.id, id), lt(column, seq)))
      .returning({ id: lockers.id });
    return rows.length > 0;
  }

  /** A device that starts counting anew (lost storage): watermarks above `seq` come down to it. */
  async lowerSequencesTo(id: string, seq: number): Promise<void> {
    await this.db
      .update(lockers)
      .set({
        stateSeq: sql`least(${lockers.stateSeq}, ${seq})`,
        presenceSeq: sql`least(${lockers.presenceSeq}, ${seq})`,
      })
      .where(eq(lockers.id, id));
  }

  async setOnline(id: string, online: boolean, at: Date): Promise<boolean> {
    const rows = await this.db
      .update(lockers)
      .set({ online, updatedAt: at, ...(online ? { lastSeenAt: at } : {}) })
      .where(eq(lockers.id, id))
      .returning({ id: lockers.id });
    return rows.length > 0;
  }

  /** Lockers that claim to be online but have not spoken since `silentSince`: marked offline. */
  async markSilentOffline(silentSince: Date, at: Date): Promise<string[]> {
    const rows = await this.db
      .update(lockers)
      .set({ online: false, updatedAt: at })
      .where(and(eq(lockers.online, true), lt(lockers.lastSeenAt, silentSince)))
      .returning({ id: lockers.id });
    return rows.map((r) => r.id);
  }

  async markAllOffline(at: Date): Promise<void> {
    await this.db.update(lockers).set({ online: false, updatedAt: at }).where(eq(lockers.online, true));
  }

  async countOnline(): Promise<number> {
    const rows = await this.db.select({ n: sql<number>`count(*)::int` }).from(lockers).where(eq(lockers.online, true));
    return rows[0]?.n ?? 0;
  }

  async listIds(): Promise<string[]> {
    const rows = await this.db.select({ id: lockers.id }).from(lockers);
    return rows.map((r) => r.id);
  }
}
