import { type BookingEvent, SLOT_HOLDING_STATES, transitionGuard } from '@smartlocker/domain';
import { and, asc, eq, gt, gte, inArray, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { DEADLOCK_DETECTED, EXCLUSION_VIOLATION, sqlState } from '../db/pgErrors';
import { bookings, lockers, sites } from '../db/schema';

export type BookingRow = typeof bookings.$inferSelect;
/** A booking with where it is: the locker's name, and the site's time zone its rules are read in. */
export type BookingWithLocker = { booking: BookingRow; lockerName: string; timeZone: string };

/** Fields an event may set along with the status (never the status itself). */
export type BookingPatch = Partial<
  Pick<BookingRow, 'holdExpiresAt' | 'endedAt' | 'endReason' | 'statusReason' | 'reminderSentAt'>
>;

export type SlotClaim<T> = { ok: true; value: T } | { ok: false; conflict: 'slot_taken' };

const SCHOOL = eq(bookings.kind, 'school_booking');
const HOLDING = inArray(bookings.status, [...SLOT_HOLDING_STATES]);

/**
 * School bookings (issue 5). Every status change is one guarded statement derived from the domain's
 * state machine (`transitionGuard`), so a change is applied once even when the webhook, the success
 * page and several server instances race for it. Overlaps are refused by the database's exclusion
 * constraint `bookings_no_overlap`, reported here as `slot_taken`.
 */
export class BookingRepository {
  constructor(private readonly db: Database) {}

  async createPending(values: {
    userId: string;
    lockerId: string;
    startsAt: Date;
    endsAt: Date;
    amountCents: number;
    holdExpiresAt: Date;
  }): Promise<SlotClaim<BookingRow>> {
    return claimSlot(async () => {
      const rows = await this.db
        .insert(bookings)
        .values({ ...values, kind: 'school_booking', status: 'pending' })
        .returning();
      return one(rows);
    });
  }

  async findWithLocker(id: string): Promise<BookingWithLocker | null> {
    const rows = await this.db
      .select({ booking: bookings, lockerName: lockers.name, timeZone: sites.timeZone })
      .from(bookings)
      .innerJoin(lockers, eq(lockers.id, bookings.lockerId))
      .innerJoin(sites, eq(sites.id, lockers.siteId))
      .where(and(eq(bookings.id, id), SCHOOL))
      .limit(1);
    return rows[0] ?? null;
  }

  /** The user's bookings worth showing on the home card: live ones, and ended ones still extendable. */
  async currentForUser(userId: string, endedSince: Date): Promise<BookingWithLocker[]> {
    return this.db
      .select({ booking: bookings, lockerName: lockers.name, timeZone: sites.timeZone })
      .from(bookings)
      .innerJoin(lockers, eq(lockers.id, bookings.lockerId))
      .innerJoin(sites, eq(sites.id, lockers.siteId))
      .where(
        and(
          eq(bookings.userId, userId),
          SCHOOL,
          or(
            HOLDING,
            and(eq(bookings.status, 'completed'), gte(bookings.endsAt, endedSince)),
            // An automatic refund stays visible for a day, so the person learns about it.
            and(eq(bookings.status, 'refunded'), gte(bookings.updatedAt, new Date(endedSince.getTime() - 86_400_000))),
          ),
        ),
      )
      .orderBy(asc(bookings.startsAt));
  }

  /** Whether the user holds an unpaid booking other than `exceptId`. */
  async hasOtherPending(userId: string, exceptId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: bookings.id })
      .from(bookings)
      .where(and(eq(bookings.userId, userId), SCHOOL, eq(bookings.status, 'pending'), ne(bookings.id, exceptId)))
      .limit(1);
    return rows.length > 0;
  }

  /** Held ranges of a locker overlapping [from, to): what the calendar shows as taken. */
  async heldRanges(lockerId: string, from: Date, to: Date) {
    return this.db
      .select({ id: bookings.id, userId: bookings.userId, startsAt: bookings.startsAt, endsAt: bookings.endsAt })
      .from(bookings)
      .where(and(eq(bookings.lockerId, lockerId), HOLDING, lt(bookings.startsAt, to), gt(bookings.endsAt, from)));
  }

  /** Whether [from, to) of the locker is free of every hold but `exceptId`'s. */
  async isFree(lockerId: string, from: Date, to: Date, exceptId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: bookings.id })
      .from(bookings)
      .where(
        and(
          eq(bookings.lockerId, lockerId),
          HOLDING,
          ne(bookings.id, exceptId),
          lt(bookings.startsAt, to),
          gt(bookings.endsAt, from),
        ),
      )
      .limit(1);
    return rows.length === 0;
  }

  /** The user's paid booking of this locker whose time range contains `now`. */
  async runningFor(userId: string, lockerId: string, now: Date): Promise<BookingRow | null> {
    const rows = await this.db
      .select()
      .from(bookings)
      .where(
        and(
          eq(bookings.userId, userId),
          eq(bookings.lockerId, lockerId),
          SCHOOL,
          inArray(bookings.status, ['confirmed', 'active']),
          lte(bookings.startsAt, now),
          gt(bookings.endsAt, now),
        ),
      )
      .limit(1);
    return rows[0] ?? null;
  }

  /** Whether the user holds a booking of this locker that has not ended by `now`. */
  async hasAhead(userId: string, lockerId: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .select({ id: bookings.id })
      .from(bookings)
      .where(
        and(eq(bookings.userId, userId), eq(bookings.lockerId, lockerId), SCHOOL, HOLDING, gt(bookings.endsAt, now)),
      )
      .limit(1);
    return rows.length > 0;
  }

  /** Paid bookings of a locker that have not ended: what an administrator's freeing cancels. */
  async liveOnLocker(lockerId: string): Promise<BookingRow[]> {
    return this.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.lockerId, lockerId), SCHOOL, HOLDING));
  }

  /** A person's school bookings that still hold a slot (account erasure settles them). */
  async liveForUser(userId: string): Promise<BookingRow[]> {
    return this.db
      .select()
      .from(bookings)
      .where(and(eq(bookings.userId, userId), SCHOOL, HOLDING));
  }

  /** Applies `event` to one booking if its current state allows it; `null` when it did not. */
  async apply(id: string, event: BookingEvent, patch: BookingPatch = {}): Promise<BookingRow | null> {
    const { from, to } = transitionGuard(event);
    const rows = await this.db
      .update(bookings)
      .set({ ...patch, status: to, updatedAt: sql`now()` })
      .where(and(eq(bookings.id, id), inArray(bookings.status, from)))
      .returning();
    return rows[0] ?? null;
  }

  /**
   * The paid extension: +1 h on the booked end, once (the end must still be the one the payment
   * was for). The exclusion constraint refuses it if someone took the next hour meanwhile.
   */
  async extend(id: string, fromEndsAt: Date, toEndsAt: Date, addCents: number): Promise<SlotClaim<BookingRow | null>> {
    const { from, to } = transitionGuard('extension_paid');
    // In a transaction of its own, which is a savepoint when the caller's transaction is open: a
    // refused slot then rolls back this statement only, and the caller can still commit the rest.
    return claimSlot(async () => {
      const rows = await this.db.transaction((tx) =>
        tx
          .update(bookings)
          .set({
            status: to,
            endsAt: toEndsAt,
            amountCents: sql`${bookings.amountCents} + ${addCents}`,
            endedAt: null,
            endReason: null,
            reminderSentAt: null,
            updatedAt: sql`now()`,
          })
          .where(and(eq(bookings.id, id), inArray(bookings.status, from), eq(bookings.endsAt, fromEndsAt)))
          .returning(),
      );
      return rows[0] ?? null;
    });
  }

  // ── The clock's transitions: each one statement, so each booking is moved exactly once ──────

  async expireHolds(now: Date): Promise<BookingRow[]> {
    const { from, to } = transitionGuard('hold_expired');
    return this.db
      .update(bookings)
      .set({ status: to, statusReason: 'hold_expired', holdExpiresAt: null, updatedAt: sql`now()` })
      .where(and(SCHOOL, inArray(bookings.status, from), lte(bookings.holdExpiresAt, now)))
      .returning();
  }

  async startDue(now: Date): Promise<BookingRow[]> {
    const { from, to } = transitionGuard('start_reached');
    return this.db
      .update(bookings)
      .set({ status: to, updatedAt: sql`now()` })
      .where(and(SCHOOL, inArray(bookings.status, from), lte(bookings.startsAt, now), gt(bookings.endsAt, now)))
      .returning();
  }

  async completeDue(now: Date): Promise<BookingRow[]> {
    const { from, to } = transitionGuard('end_reached');
    return this.db
      .update(bookings)
      .set({ status: to, endedAt: bookings.endsAt, endReason: 'expired', updatedAt: sql`now()` })
      .where(and(SCHOOL, inArray(bookings.status, from), lte(bookings.endsAt, now)))
      .returning();
  }

  /** Running bookings entering their last `beforeEndMs`, each reminded once per end time. */
  async claimReminders(now: Date, beforeEndMs: number): Promise<BookingRow[]> {
    const threshold = new Date(now.getTime() + beforeEndMs);
    return this.db
      .update(bookings)
      .set({ reminderSentAt: now })
      .where(
        and(
          SCHOOL,
          eq(bookings.status, 'active'),
          gt(bookings.endsAt, now),
          lte(bookings.endsAt, threshold),
          or(
            isNull(bookings.reminderSentAt),
            lt(bookings.reminderSentAt, sql`${bookings.endsAt} - make_interval(secs => ${beforeEndMs / 1000})`),
          ),
        ),
      )
      .returning();
  }
}

function one<T>(rows: T[]): T {
  const row = rows[0];
  if (!row) throw new Error('statement returned no row');
  return row;
}

/**
 * Runs a write the exclusion constraint may refuse. PostgreSQL can abort one of several concurrent
 * inserts that check the same exclusion constraint with a deadlock (documented for exclusion
 * constraints); the aborted one is tried again, and then either wins or meets the winner's row.
 */
async function claimSlot<T>(write: () => Promise<T>): Promise<SlotClaim<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await write() };
    } catch (error) {
      const state = sqlState(error);
      if (state === EXCLUSION_VIOLATION) return { ok: false, conflict: 'slot_taken' };
      if (state !== DEADLOCK_DETECTED || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
