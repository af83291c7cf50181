import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { sqlState, UNIQUE_VIOLATION, violatedConstraint } from '../db/pgErrors';
import { bookings } from '../db/schema';

/**
 * Sport sessions (SPEC §6), stored in `bookings` with `kind = 'sport_session'`: `active` while
 * running (no `ends_at`), `completed` once ended. Reads and writes only (STYLE.md ex. 7); the
 * partial unique indexes `bookings_one_session_per_locker` / `_per_user` decide start races.
 */
export interface SportSessionRow {
  id: string;
  /** Null once the member's account was erased (bookings stay, anonymised). */
  userId: string | null;
  lockerId: string;
  startedAt: Date;
  graceOpenUsed: boolean;
}

export interface CompletedSessionRow extends SportSessionRow {
  endedAt: Date;
  endReason: 'user' | 'expired' | 'admin' | 'lockdown';
  objectLeftInside: boolean;
}

export type StartSessionResult =
  | { ok: true; session: SportSessionRow }
  /** `user_session_active`: this member already runs one; `locker_busy`: someone else runs one here. */
  | { ok: false; conflict: 'user_session_active' | 'locker_busy' };

const SPORT = 'sport_session' as const;

const columns = {
  id: bookings.id,
  userId: bookings.userId,
  lockerId: bookings.lockerId,
  startedAt: bookings.startsAt,
  graceOpenUsed: bookings.graceOpenUsed,
};

export class SessionRepository {
  constructor(private readonly db: Database) {}

  /** The member's running sport session, if any (at most one, by the unique index). */
  async activeOfUser(userId: string): Promise<SportSessionRow | null> {
    const rows = await this.db
      .select(columns)
      .from(bookings)
      .where(and(eq(bookings.kind, SPORT), eq(bookings.status, 'active'), eq(bookings.userId, userId)))
      .limit(1);
    return rows[0] ?? null;
  }

  /** The running sport session on a locker, whoever runs it. */
  async activeOnLocker(lockerId: string): Promise<SportSessionRow | null> {
    const rows = await this.db
      .select(columns)
      .from(bookings)
      .where(and(eq(bookings.kind, SPORT), eq(bookings.status, 'active'), eq(bookings.lockerId, lockerId)))
      .limit(1);
    return rows[0] ?? null;
  }

  /** Inserts a running session; of two concurrent starts the unique indexes let exactly one in. */
  async start(userId: string, lockerId: string, startedAt: Date): Promise<StartSessionResult> {
    try {
      const rows = await this.db
        .insert(bookings)
        .values({ userId, lockerId, kind: SPORT, status: 'active', startsAt: startedAt, amountCents: 0 })
        .returning(columns);
      const session = rows[0];
      if (!session) throw new Error('insert returned no row');
      return { ok: true, session };
    } catch (error) {
      if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
      const constraint = violatedConstraint(error);
      return {
        ok: false,
        conflict: constraint === 'bookings_one_session_per_user' ? 'user_session_active' : 'locker_busy',
      };
    }
  }

  /** Removes a session that never began (its open command could not be sent). */
  async discard(sessionId: string): Promise<void> {
    await this.db
      .delete(bookings)
      .where(and(eq(bookings.id, sessionId), eq(bookings.kind, SPORT), eq(bookings.status, 'active')));
  }

  /**
   * Records that the member, no longer Premium, used the one open they keep. False when it was
   * already used (two concurrent opens: one wins) or the session has ended.
   */
  async useGraceOpen(sessionId: string): Promise<boolean> {
    const rows = await this.db
      .update(bookings)
      .set({ graceOpenUsed: true, updatedAt: new Date() })
      .where(
        and(
          eq(bookings.id, sessionId),
          eq(bookings.status, 'active'),
          eq(bookings.kind, SPORT),
          eq(bookings.graceOpenUsed, false),
        ),
      )
      .returning({ id: bookings.id });
    return rows.length > 0;
  }

  /**
   * Ends a running session: `completed`, with its end (`ends_at` = `ended_at`, the session had no
   * planned end) and how it ended. Null when it was no longer running (a concurrent end won).
   */
  async complete(
    sessionId: string,
    end: { endedAt: Date; reason: CompletedSessionRow['endReason']; objectLeftInside: boolean },
  ): Promise<CompletedSessionRow | null> {
    const rows = await this.db
      .update(bookings)
      .set({
        status: 'completed',
        endsAt: end.endedAt,
        endedAt: end.endedAt,
        endReason: end.reason,
        objectLeftInside: end.objectLeftInside,
        updatedAt: new Date(),
      })
      .where(and(eq(bookings.id, sessionId), eq(bookings.kind, SPORT), eq(bookings.status, 'active')))
      .returning(columns);
    const session = rows[0];
    if (!session) return null;
    return { ...session, endedAt: end.endedAt, endReason: end.reason, objectLeftInside: end.objectLeftInside };
  }
}
