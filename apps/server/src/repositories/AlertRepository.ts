import type { AlertKind, AlertState } from '@smartlocker/domain';
import { and, desc, eq, gt, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { alertMutes, type alertSeverity, alerts, bookings, lockers, pairings, users } from '../db/schema';

export type AlertRow = typeof alerts.$inferSelect;
export type AlertSeverity = (typeof alertSeverity.enumValues)[number];

export interface NewAlert {
  lockerId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  data: Record<string, unknown>;
  state: AlertState;
  at: Date;
  /** The device message that raised it: a redelivery of it raises nothing. */
  deviceSeq?: number;
}

/** What decides who hears an alert (the domain's `alertRecipients`). */
export interface AlertAudienceFacts {
  ownerId: string | null;
  adminIds: string[];
  /** `${userId}:${kind}` of the kind asked about, for everyone concerned who muted it. */
  mutes: Set<string>;
  /** The language each of them reads (users.locale). */
  locales: Map<string, string>;
}

/** Reads and writes alerts and people's mutes; the rules are the domain's (STYLE.md ex. 7). */
export class AlertRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts the alert unless it exists already: the same device message (locker, seq), or an
   * "offline" alarm still open for the locker. Null when nothing was inserted.
   */
  async raise(alert: NewAlert): Promise<AlertRow | null> {
    const rows = await this.db
      .insert(alerts)
      .values({
        lockerId: alert.lockerId,
        type: alert.kind,
        severity: alert.severity,
        message: alert.message,
        data: alert.data,
        state: alert.state,
        createdAt: alert.at,
        deviceSeq: alert.deviceSeq ?? null,
        ...(alert.state === 'cleared' ? { clearedAt: alert.at, clearedReason: 'notice' } : {}),
      })
      .onConflictDoNothing()
      .returning();
    return rows[0] ?? null;
  }

  /** Closes the open alarms of these kinds on a locker because their end was reported. */
  async clearEnded(lockerId: string, kinds: readonly AlertKind[], at: Date): Promise<AlertRow[]> {
    if (kinds.length === 0) return [];
    return this.db
      .update(alerts)
      .set({ state: 'cleared', clearedAt: at, clearedReason: 'device' })
      .where(and(eq(alerts.lockerId, lockerId), inArray(alerts.type, [...kinds]), ne(alerts.state, 'cleared')))
      .returning();
  }

  /** Moves one alarm from `from` to `to` by an administrator, if it is still in `from`. */
  async transition(
    id: string,
    from: AlertState,
    change:
      | { to: 'acknowledged'; by: string; note: string | null; at: Date }
      | { to: 'cleared'; by: string; note: string | null; at: Date; reason: 'admin' | 'acknowledged' },
  ): Promise<AlertRow | null> {
    const set =
      change.to === 'acknowledged'
        ? {
            state: 'acknowledged' as const,
            acknowledgedAt: change.at,
            acknowledgedBy: change.by,
            acknowledgedNote: change.note,
          }
        : change.reason === 'acknowledged'
          ? {
              state: 'cleared' as const,
              acknowledgedAt: change.at,
              acknowledgedBy: change.by,
              acknowledgedNote: change.note,
              clearedAt: change.at,
              clearedBy: change.by,
              clearedReason: 'acknowledged',
            }
          : {
              state: 'cleared' as const,
              clearedAt: change.at,
              clearedBy: change.by,
              clearedReason: 'admin',
              clearedNote: change.note,
            };
    const rows = await this.db
      .update(alerts)
      .set(set)
      .where(and(eq(alerts.id, id), eq(alerts.state, from)))
      .returning();
    return rows[0] ?? null;
  }

  async findById(id: string): Promise<AlertRow | null> {
    const rows = await this.db.select().from(alerts).where(eq(alerts.id, id)).limit(1);
    return rows[0] ?? null;
  }

  /** Alarms not cleared yet, newest first (an administrator's list). */
  async listOpen(options: { lockerId?: string; limit: number }): Promise<AlertRow[]> {
    return this.db
      .select()
      .from(alerts)
      .where(and(ne(alerts.state, 'cleared'), options.lockerId ? eq(alerts.lockerId, options.lockerId) : undefined))
      .orderBy(desc(alerts.createdAt))
      .limit(options.limit);
  }

  async recentForLocker(lockerId: string, limit = 20): Promise<AlertRow[]> {
    return this.db
      .select()
      .from(alerts)
      .where(eq(alerts.lockerId, lockerId))
      .orderBy(desc(alerts.createdAt))
      .limit(limit);
  }

  async countOpenByState(): Promise<{ active: number; acknowledged: number }> {
    const rows = await this.db
      .select({ state: alerts.state, n: sql<number>`count(*)::int` })
      .from(alerts)
      .where(ne(alerts.state, 'cleared'))
      .groupBy(alerts.state);
    return {
      active: rows.find((r) => r.state === 'active')?.n ?? 0,
      acknowledged: rows.find((r) => r.state === 'acknowledged')?.n ?? 0,
    };
  }

  /** Lockers offline since before `since` with no open "offline" alarm yet. */
  async offlineWithoutAlarm(since: Date): Promise<{ id: string; offlineSince: Date }[]> {
    const rows = await this.db
      .select({ id: lockers.id, offlineSince: lockers.offlineSince })
      .from(lockers)
      .where(
        and(
          eq(lockers.online, false),
          lte(lockers.offlineSince, since),
          sql`NOT EXISTS (SELECT 1 FROM ${alerts} WHERE ${alerts.lockerId} = ${lockers.id}
            AND ${alerts.type} = 'locker_offline' AND ${alerts.state} <> 'cleared')`,
        ),
      );
    return rows.flatMap((r) => (r.offlineSince ? [{ id: r.id, offlineSince: r.offlineSince }] : []));
  }

  /**
   * The locker's current user — the member whose sport session holds it, or the person whose
   * paid booking runs now — every administrator, and who among them muted `kind`.
   */
  async audienceOf(lockerId: string, kind: AlertKind, now: Date): Promise<AlertAudienceFacts> {
    const [locker] = await this.db.select({ type: lockers.type }).from(lockers).where(eq(lockers.id, lockerId));
    let ownerId: string | null = null;
    if (locker?.type === 'sport') {
      const [pairing] = await this.db
        .select({ userId: pairings.userId })
        .from(pairings)
        .where(and(eq(pairings.lockerId, lockerId), isNull(pairings.endedAt)))
        .limit(1);
      ownerId = pairing?.userId ?? null;
    } else if (locker?.type === 'school') {
      const [booking] = await this.db
        .select({ userId: bookings.userId })
        .from(bookings)
        .where(
          and(
            eq(bookings.lockerId, lockerId),
            eq(bookings.kind, 'school_booking'),
            inArray(bookings.status, ['confirmed', 'active']),
            lte(bookings.startsAt, now),
            gt(bookings.endsAt, now),
          ),
        )
        .limit(1);
      ownerId = booking?.userId ?? null;
    }
    const people = await this.db
      .select({ id: users.id, role: users.role, locale: users.locale })
      .from(users)
      .where(ownerId ? or(eq(users.role, 'admin'), eq(users.id, ownerId)) : eq(users.role, 'admin'));
    const adminIds = people.filter((p) => p.role === 'admin').map((a) => a.id);
    const concerned = ownerId ? [ownerId, ...adminIds] : adminIds;
    const muted =
      concerned.length === 0
        ? []
        : await this.db
            .select({ userId: alertMutes.userId })
            .from(alertMutes)
            .where(and(eq(alertMutes.kind, kind), inArray(alertMutes.userId, concerned)));
    return {
      ownerId,
      adminIds,
      mutes: new Set(muted.map((m) => `${m.userId}:${kind}`)),
      locales: new Map(people.map((p) => [p.id, p.locale])),
    };
  }

  async mutedKinds(userId: string): Promise<AlertKind[]> {
    const rows = await this.db.select({ kind: alertMutes.kind }).from(alertMutes).where(eq(alertMutes.userId, userId));
    return rows.map((r) => r.kind);
  }

  async setMuted(userId: string, kind: AlertKind, muted: boolean): Promise<void> {
    if (muted) {
      await this.db.insert(alertMutes).values({ userId, kind }).onConflictDoNothing();
    } else {
      await this.db.delete(alertMutes).where(and(eq(alertMutes.userId, userId), eq(alertMutes.kind, kind)));
    }
  }

  /** Open alarms of the lockers a person is the current user of; used for a member's own banner. */
  async openForLockers(lockerIds: readonly string[]): Promise<AlertRow[]> {
    if (lockerIds.length === 0) return [];
    return this.db
      .select()
      .from(alerts)
      .where(
        and(inArray(alerts.lockerId, [...lockerIds]), or(eq(alerts.state, 'active'), eq(alerts.state, 'acknowledged'))),
      )
      .orderBy(desc(alerts.createdAt))
      .limit(50);
  }
}
