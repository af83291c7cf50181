import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { bookings, lockers, pairings, sites, users } from '../db/schema';
import type { LockerRow } from './LockerRepository';

export type SiteRow = typeof sites.$inferSelect;

export const LOCKER_STATE_FILTERS = ['online', 'offline', 'lockdown', 'in_use', 'free', 'out_of_service'] as const;
export type LockerStateFilter = (typeof LOCKER_STATE_FILTERS)[number];

export interface FleetLockerFilter {
  /** One locker, decommissioned or not (the answer to an action on it). */
  id?: string;
  siteId?: string;
  type?: 'school' | 'sport';
  state?: LockerStateFilter;
  /** Part of the id, the name or the pairing code. */
  q?: string;
}

/** Who is using a locker right now: a sport session, or a school booking whose hour has come. */
export interface Occupancy {
  kind: 'sport_session' | 'school_booking';
  bookingId: string;
  userId: string | null;
  userName: string | null;
  userEmail: string | null;
  startsAt: Date;
  endsAt: Date | null;
}

export interface FleetLockerRow {
  locker: LockerRow;
  site: { id: string; name: string; timeZone: string };
  occupancy: Occupancy | null;
  /** People paired to it (a sport locker: its member; a school locker: everyone who may book it). */
  pairedCount: number;
}

export interface FleetCounts {
  total: number;
  online: number;
  offline: number;
  lockdown: number;
  inUse: number;
  outOfService: number;
}

/** Sites and the administrators' view of the fleet (issue 11); rules live in FleetService. */
export class FleetRepository {
  constructor(private readonly db: Database) {}

  async listSites(): Promise<(SiteRow & { lockers: number })[]> {
    const rows = await this.db
      .select({
        site: sites,
        // Spelled out: in a one-table select drizzle leaves columns unqualified, and "id" would be the locker's.
        lockers: sql<number>`(select count(*)::int from lockers l where l.site_id = sites.id and l.decommissioned_at is null)`,
      })
      .from(sites)
      .orderBy(asc(sites.name));
    return rows.map((r) => ({ ...r.site, lockers: r.lockers }));
  }

  /** The oldest site: its zone is the one revenue days are read in (docs/admin-api.md). */
  async firstSite(): Promise<SiteRow | null> {
    const rows = await this.db.select().from(sites).orderBy(asc(sites.createdAt), asc(sites.id)).limit(1);
    return rows[0] ?? null;
  }

  async findSite(id: string): Promise<SiteRow | null> {
    const rows = await this.db.select().from(sites).where(eq(sites.id, id)).limit(1);
    return rows[0] ?? null;
  }

  async createSite(values: { name: string; address: string | null; timeZone: string }): Promise<SiteRow> {
    const [row] = await this.db.insert(sites).values(values).returning();
    if (!row) throw new Error('insert returned no row');
    return row;
  }

  async updateSite(
    id: string,
    values: Partial<{ name: string; address: string | null; timeZone: string; decommissionedAt: Date | null }>,
  ): Promise<SiteRow | null> {
    const rows = await this.db.update(sites).set(values).where(eq(sites.id, id)).returning();
    return rows[0] ?? null;
  }

  async activeLockersOnSite(siteId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(lockers)
      .where(and(eq(lockers.siteId, siteId), isNull(lockers.decommissionedAt)));
    return row?.n ?? 0;
  }

  async updateLocker(
    id: string,
    values: Partial<
      Pick<
        LockerRow,
        | 'name'
        | 'location'
        | 'pairingCode'
        | 'hourlyPriceCents'
        | 'siteId'
        | 'outOfServiceAt'
        | 'outOfServiceReason'
        | 'decommissionedAt'
        | 'deviceSecretHash'
      >
    >,
    at: Date,
  ): Promise<LockerRow | null> {
    const rows = await this.db
      .update(lockers)
      .set({ ...values, updatedAt: at })
      .where(eq(lockers.id, id))
      .returning();
    return rows[0] ?? null;
  }

  /** One page of the fleet with who uses each locker now, in id order. */
  async lockers(
    filter: FleetLockerFilter,
    page: { offset: number; limit: number },
    now: Date,
  ): Promise<{ rows: FleetLockerRow[]; total: number }> {
    const occupancy = occupancyOf(this.db, now);
    const where = and(...this.#conditions(filter, now, occupancy));
    const rows = await this.db
      .select({
        locker: lockers,
        site: { id: sites.id, name: sites.name, timeZone: sites.timeZone },
        occupancy: {
          kind: occupancy.kind,
          bookingId: occupancy.bookingId,
          userId: occupancy.userId,
          startsAt: occupancy.startsAt,
          endsAt: occupancy.endsAt,
        },
        userName: users.name,
        userEmail: users.email,
        pairedCount: sql<number>`(select count(*)::int from ${pairings} where ${pairings.lockerId} = ${lockers.id} and ${pairings.endedAt} is null)`,
      })
      .from(lockers)
      .innerJoin(sites, eq(sites.id, lockers.siteId))
      .leftJoinLateral(occupancy, sql`true`)
      .leftJoin(users, eq(users.id, occupancy.userId))
      .where(where)
      .orderBy(asc(lockers.id))
      .limit(page.limit)
      .offset(page.offset);
    const [count] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(lockers)
      .leftJoinLateral(occupancy, sql`true`)
      .where(where);
    return {
      rows: rows.map((r) => ({
        locker: r.locker,
        site: r.site,
        pairedCount: r.pairedCount,
        occupancy:
          r.occupancy?.bookingId && r.occupancy.kind && r.occupancy.startsAt
            ? {
                kind: r.occupancy.kind,
                bookingId: r.occupancy.bookingId,
                userId: r.occupancy.userId,
                userName: r.userName,
                userEmail: r.userEmail,
                startsAt: r.occupancy.startsAt,
                endsAt: r.occupancy.endsAt,
              }
            : null,
      })),
      total: count?.n ?? 0,
    };
  }

  /** The overview's counts of the fleet in service (decommissioned lockers left out). */
  async counts(now: Date): Promise<FleetCounts> {
    const occupancy = occupancyOf(this.db, now);
    const [row] = await this.db
      .select({
        total: sql<number>`count(*)::int`,
        online: sql<number>`(count(*) filter (where ${lockers.online}))::int`,
        lockdown: sql<number>`(count(*) filter (where ${lockers.lockdownUntil} > ${now}))::int`,
        inUse: sql<number>`(count(*) filter (where ${occupancy.bookingId} is not null))::int`,
        outOfService: sql<number>`(count(*) filter (where ${lockers.outOfServiceAt} is not null))::int`,
      })
      .from(lockers)
      .leftJoinLateral(occupancy, sql`true`)
      .where(isNull(lockers.decommissionedAt));
    const total = row?.total ?? 0;
    const online = row?.online ?? 0;
    return {
      total,
      online,
      offline: total - online,
      lockdown: row?.lockdown ?? 0,
      inUse: row?.inUse ?? 0,
      outOfService: row?.outOfService ?? 0,
    };
  }

  #conditions(filter: FleetLockerFilter, now: Date, occupancy: OccupancySubquery): SQL[] {
    const where: SQL[] = filter.id === undefined ? [isNull(lockers.decommissionedAt)] : [eq(lockers.id, filter.id)];
    if (filter.siteId) where.push(eq(lockers.siteId, filter.siteId));
    if (filter.type) where.push(eq(lockers.type, filter.type));
    const q = filter.q?.trim().toUpperCase();
    if (q) {
      const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(
        sql`(${lockers.id} LIKE ${pattern} OR upper(${lockers.name}) LIKE ${pattern} OR ${lockers.pairingCode} LIKE ${pattern})`,
      );
    }
    switch (filter.state) {
      case undefined:
        break;
      case 'online':
        where.push(eq(lockers.online, true));
        break;
      case 'offline':
        where.push(eq(lockers.online, false));
        break;
      case 'lockdown':
        where.push(gt(lockers.lockdownUntil, now));
        break;
      case 'in_use':
        where.push(isNotNull(occupancy.bookingId));
        break;
      case 'free':
        where.push(isNull(occupancy.bookingId), isNull(lockers.outOfServiceAt));
        break;
      case 'out_of_service':
        where.push(isNotNull(lockers.outOfServiceAt));
        break;
    }
    return where;
  }
}

/** The running use of each locker, as a lateral subquery: at most one row per locker. */
function occupancyOf(db: Database, now: Date) {
  return db
    .select({
      bookingId: sql<string>`${bookings.id}`.as('occupancy_booking_id'),
      userId: sql<string | null>`${bookings.userId}`.as('occupancy_user_id'),
      kind: sql<'sport_session' | 'school_booking'>`${bookings.kind}`.as('occupancy_kind'),
      startsAt: sql<Date>`${bookings.startsAt}`.mapWith(bookings.startsAt).as('occupancy_starts_at'),
      endsAt: sql<Date | null>`${bookings.endsAt}`.mapWith(bookings.endsAt).as('occupancy_ends_at'),
    })
    .from(bookings)
    .where(
      and(
        eq(bookings.lockerId, lockers.id),
        or(
          and(eq(bookings.kind, 'sport_session'), eq(bookings.status, 'active')),
          and(
            eq(bookings.kind, 'school_booking'),
            inArray(bookings.status, ['confirmed', 'active']),
            lte(bookings.startsAt, now),
            gt(bookings.endsAt, now),
          ),
        ),
      ),
    )
    .limit(1)
    .as('occupancy');
}

type OccupancySubquery = ReturnType<typeof occupancyOf>;
