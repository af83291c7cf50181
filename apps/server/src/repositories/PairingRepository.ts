import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { sqlState, UNIQUE_VIOLATION, violatedConstraint } from '../db/pgErrors';
import { type actorKind, pairings } from '../db/schema';

export type CreatePairingResult = { ok: true; id: string } | { ok: false; conflict: 'already_paired' | 'locker_taken' };

export class PairingRepository {
  constructor(private readonly db: Database) {}

  async activeLockerOf(userId: string): Promise<string | null> {
    const rows = await this.db
      .select({ lockerId: pairings.lockerId })
      .from(pairings)
      .where(and(eq(pairings.userId, userId), isNull(pairings.endedAt)))
      .limit(1);
    return rows[0]?.lockerId ?? null;
  }

  async countActiveOthers(lockerId: string, userId: string): Promise<number> {
    const rows = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(pairings)
      .where(and(eq(pairings.lockerId, lockerId), ne(pairings.userId, userId), isNull(pairings.endedAt)));
    return rows[0]?.n ?? 0;
  }

  async activeUsersOf(lockerId: string): Promise<string[]> {
    const rows = await this.db
      .select({ userId: pairings.userId })
      .from(pairings)
      .where(and(eq(pairings.lockerId, lockerId), isNull(pairings.endedAt)));
    return rows.map((r) => r.userId);
  }

  /**
   * Inserts the pairing; the partial unique indexes decide races between concurrent requests,
   * so of two members pairing one sport locker at the same instant exactly one wins.
   */
  async create(userId: string, lockerId: string, lockerType: 'school' | 'sport'): Promise<CreatePairingResult> {
    try {
      const rows = await this.db
        .insert(pairings)
        .values({ userId, lockerId, lockerType })
        .returning({ id: pairings.id });
      const id = rows[0]?.id;
      if (!id) throw new Error('insert returned no row');
      return { ok: true, id };
    } catch (error) {
      if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
      const constraint = violatedConstraint(error);
      return { ok: false, conflict: constraint === 'pairings_one_per_user' ? 'already_paired' : 'locker_taken' };
    }
  }

  /**
   * Ends the member's pairing with this locker only (a sport session ending releases its own
   * locker, never another pairing). False when there was none.
   */
  async endOn(userId: string, lockerId: string, by: (typeof actorKind.enumValues)[number], at: Date): Promise<boolean> {
    const rows = await this.db
      .update(pairings)
      .set({ endedAt: at, endedBy: by })
      .where(and(eq(pairings.userId, userId), eq(pairings.lockerId, lockerId), isNull(pairings.endedAt)))
      .returning({ id: pairings.id });
    return rows.length > 0;
  }

  async end(userId: string, by: (typeof actorKind.enumValues)[number], at: Date): Promise<string | null> {
    const rows = await this.db
      .update(pairings)
      .set({ endedAt: at, endedBy: by })
      .where(and(eq(pairings.userId, userId), isNull(pairings.endedAt)))
      .returning({ lockerId: pairings.lockerId });
    return rows[0]?.lockerId ?? null;
  }
}
