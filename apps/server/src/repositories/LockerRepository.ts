import { and, eq, lt, ne, sql } from 'drizzle-orm';
import type { UnflushedTelemetry } from '../broker/TelemetryMemory';
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
  /** The device's own totals since provisioning (its heartbeat's `counters`). */
  opensCount?: number;
  relayCycles?: number;
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

  async isOutOfService(id: string): Promise<boolean> {
    const rows = await this.db
      .select({ since: lockers.outOfServiceAt })
      .from(lockers)
      .where(eq(lockers.id, id))
      .limit(1);
    return rows[0]?.since != null;
  }

  async exists(id: string): Promise<boolean> {
    const rows = await this.db.select({ id: lockers.id }).from(lockers).where(eq(lockers.id, id)).limit(1);
    return rows.length > 0;
  }

  /**
   * Applies facts reported by a device; null when the locker is unknown. `cameOnline` tells that
   * this report brought back a locker the server had counted offline (the offline alarm ends).
   */
  async applyFacts(id: string, facts: LockerFactsUpdate, seenAt: Date): Promise<{ cameOnline: boolean } | null> {
    const rows = await this.db
      .with(previousOnline(this.db, id))
      .update(lockers)
      .set({ ...facts, ...(facts.online ? { offlineSince: null } : {}), lastSeenAt: seenAt, updatedAt: seenAt })
      .where(eq(lockers.id, id))
      .returning({ wasOnline: sql<boolean>`(select online from previous_online)` });
    const row = rows[0];
    return row ? { cameOnline: facts.online === true && !row.wasOnline } : null;
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

  /** The sequence of the last state report applied; null when the locker is unknown. */
  async appliedStateSeq(id: string): Promise<number | null> {
    const rows = await this.db.select({ seq: lockers.stateSeq }).from(lockers).where(eq(lockers.id, id)).limit(1);
    return rows[0]?.seq ?? null;
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

  /**
   * The broker's word (status, last will); null when the locker is unknown. `changed` is true for
   * the one statement that moved the flag: several instances applying the same status race on
   * the row lock, and the later ones find it moved already (READ COMMITTED re-checks the
   * condition on the row as committed), so the change is recorded and announced once.
   */
  async setOnline(id: string, online: boolean, at: Date): Promise<{ cameOnline: boolean; changed: boolean } | null> {
    const seen = online
      ? { lastSeenAt: at, offlineSince: null }
      : { offlineSince: sql`coalesce(${lockers.offlineSince}, ${at})` };
    const moved = await this.db
      .update(lockers)
      .set({ online, updatedAt: at, ...seen })
      .where(and(eq(lockers.id, id), ne(lockers.online, online)))
      .returning({ id: lockers.id });
    if (moved.length > 0) return { cameOnline: online, changed: true };
    // Already so: an online locker is still seen now; an offline one keeps its first instant.
    const rows = await this.db
      .update(lockers)
      .set(online ? { updatedAt: at, lastSeenAt: at } : { updatedAt: at })
      .where(eq(lockers.id, id))
      .returning({ id: lockers.id });
    return rows.length > 0 ? { cameOnline: false, changed: false } : null;
  }

  /**
   * The telemetry kept in memory (TelemetryMemory), written for every locker in one statement:
   * the last-seen instant moves forward, and a presence newer than the stored one brings its
   * sequence and distance.
   */
  async recordSeen(entries: readonly UnflushedTelemetry[]): Promise<void> {
    if (entries.length === 0) return;
    // One JSON parameter, whatever the number of lockers (a statement has at most 65,535 parameters).
    const rows = JSON.stringify(
      entries.map((e) => ({
        id: e.lockerId,
        seen: e.seenAt.toISOString(),
        seq: e.presenceSeq,
        distance: e.distanceCm,
      })),
    );
    await this.db.execute(sql`
      UPDATE lockers AS l SET
        last_seen_at = greatest(l.last_seen_at, s.seen),
        distance_cm = CASE WHEN s.seq > l.presence_seq THEN s.distance ELSE l.distance_cm END,
        presence_seq = greatest(l.presence_seq, coalesce(s.seq, 0))
      FROM jsonb_to_recordset(${rows}::jsonb) AS s(id text, seen timestamptz, seq bigint, distance real)
      WHERE l.id = s.id`);
  }

  /** Lockers that claim to be online but have not spoken since `silentSince`: marked offline. */
  async markSilentOffline(silentSince: Date, at: Date): Promise<string[]> {
    const rows = await this.db
      .update(lockers)
      .set({
        online: false,
        updatedAt: at,
        offlineSince: sql`coalesce(${lockers.offlineSince}, ${lockers.lastSeenAt})`,
      })
      .where(and(eq(lockers.online, true), lt(lockers.lastSeenAt, silentSince)))
      .returning({ id: lockers.id });
    return rows.map((r) => r.id);
  }

  async markAllOffline(at: Date): Promise<void> {
    await this.db
      .update(lockers)
      .set({ online: false, updatedAt: at, offlineSince: sql`coalesce(${lockers.offlineSince}, ${at})` })
      .where(eq(lockers.online, true));
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

/** The row as it was before the statement that uses it (a CTE reads the statement's snapshot). */
function previousOnline(db: Database, id: string) {
  return db.$with('previous_online').as(db.select({ online: lockers.online }).from(lockers).where(eq(lockers.id, id)));
}
