import { randomBytes, randomUUID } from 'node:crypto';
import { generateCommandKeyPair, loadPrivateKey } from '@smartlocker/protocol';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBackends } from '../../../../test-support/backends';
import { type ScratchDatabase, scratchDatabase } from '../../../../test-support/databases';
import { auditSigner } from '../../src/audit/auditChain';
import { type OpenDatabase, openDatabase } from '../../src/db/database';
import { EXCLUSION_VIOLATION, sqlState } from '../../src/db/pgErrors';
import { auditEvents, bookings, lockers, pairings, sites, users } from '../../src/db/schema';
import { AuditRepository } from '../../src/repositories/AuditRepository';
import { LockerRepository } from '../../src/repositories/LockerRepository';
import { PairingRepository } from '../../src/repositories/PairingRepository';

/**
 * The repositories against a real database: the rules the database itself enforces (one pairing
 * per user, one member per sport locker, no overlapping live bookings) and the atomic sequence
 * watermark, each raced where a race is what matters.
 */
type BookingStatus = (typeof bookings.$inferInsert)['status'];

const at = (hhmm: string, day = '2030-01-10') => new Date(`${day}T${hhmm}:00.000Z`);

/** Runs `attempt` and returns the SQLSTATE it failed with, or null when it succeeded. */
async function failureState(attempt: () => Promise<unknown>): Promise<string | null> {
  try {
    await attempt();
    return null;
  } catch (error) {
    return sqlState(error) ?? `no SQLSTATE: ${String(error)}`;
  }
}

describe.each(databaseBackends())('repositories on $name', (backend) => {
  let scratch: ScratchDatabase;
  let opened: OpenDatabase;
  let lockerRepo: LockerRepository;
  let pairingRepo: PairingRepository;
  let auditRepo: AuditRepository;
  let siteId: string;
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const school = `ECOLE_R${suffix}`;
  const sport = `SPORT_R${suffix}`;

  async function newUsers(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    await opened.db
      .insert(users)
      .values(ids.map((id) => ({ id, name: `user ${id.slice(0, 8)}`, email: `${id}@example.org` })));
    return ids;
  }

  async function newLocker(prefix: string, type: 'school' | 'sport' = 'school'): Promise<string> {
    const id = `${prefix}_${randomBytes(4).toString('hex').toUpperCase()}`;
    await opened.db.insert(lockers).values({ id, siteId, name: id, type, pairingCode: `SL-${id.replace(/_/g, '-')}` });
    return id;
  }

  async function lockerRow(id: string) {
    const [row] = await opened.db.select().from(lockers).where(eq(lockers.id, id));
    if (!row) throw new Error(`no locker ${id}`);
    return row;
  }

  beforeAll(async () => {
    scratch = await scratchDatabase(backend);
    opened = await openDatabase(scratch.target);
    lockerRepo = new LockerRepository(opened.db);
    pairingRepo = new PairingRepository(opened.db);
    auditRepo = new AuditRepository(opened.db, auditSigner(loadPrivateKey(generateCommandKeyPair().privateKeyPem)));
    const [site] = await opened.db
      .insert(sites)
      .values({ name: `Site ${suffix}` })
      .returning();
    if (!site) throw new Error('no site');
    siteId = site.id;
    await opened.db.insert(lockers).values([
      { id: school, siteId, name: 'School', type: 'school', pairingCode: `SL-ECOLE-R${suffix}` },
      { id: sport, siteId, name: 'Sport', type: 'sport', pairingCode: `SL-SPORT-R${suffix}` },
    ]);
  });
  afterAll(async () => {
    await opened?.close();
    await scratch?.drop();
  });

  describe('PairingRepository', () => {
    it('allows one active pairing per user', async () => {
      const [user] = await newUsers(1);
      if (!user) throw new Error('no user');
      const first = await pairingRepo.create(user, school, 'school');
      expect(first.ok).toBe(true);
      expect(await pairingRepo.create(user, sport, 'sport')).toEqual({ ok: false, conflict: 'already_paired' });
      expect(await pairingRepo.create(user, school, 'school')).toEqual({ ok: false, conflict: 'already_paired' });
      expect(await pairingRepo.activeLockerOf(user)).toBe(school);
      // The refused attempts left nothing behind.
      const rows = await opened.db.select().from(pairings).where(eq(pairings.userId, user));
      expect(rows).toHaveLength(1);
      expect(await pairingRepo.end(user, 'user', new Date())).toBe(school);
    });

    it('gives a sport locker to exactly one of 20 members pairing it at the same instant', async () => {
      const racers = await newUsers(20);
      const results = await Promise.all(racers.map((user) => pairingRepo.create(user, sport, 'sport')));
      const winners = results.filter((r) => r.ok);
      const losers = results.filter((r) => !r.ok);
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(19);
      for (const loser of losers) expect(loser).toEqual({ ok: false, conflict: 'locker_taken' });
      expect(await pairingRepo.activeUsersOf(sport)).toHaveLength(1);

      // Ending the winner's pairing frees the locker for someone else.
      const winner = racers[results.findIndex((r) => r.ok)];
      if (!winner) throw new Error('no winner');
      expect(await pairingRepo.end(winner, 'user', new Date())).toBe(sport);
      expect(await pairingRepo.activeLockerOf(winner)).toBeNull();
      expect(await pairingRepo.end(winner, 'user', new Date())).toBeNull();
      const next = racers.find((u) => u !== winner);
      if (!next) throw new Error('no second racer');
      expect((await pairingRepo.create(next, sport, 'sport')).ok).toBe(true);
      expect(await pairingRepo.activeUsersOf(sport)).toEqual([next]);
      const ended = await opened.db.select().from(pairings).where(eq(pairings.userId, winner));
      expect(ended).toHaveLength(1);
      expect(ended[0]?.endedBy).toBe('user');
      expect(ended[0]?.endedAt).toBeInstanceOf(Date);
      await pairingRepo.end(next, 'admin', new Date());
    });

    it('lets 5 users pair one school locker at the same instant', async () => {
      const classmates = await newUsers(5);
      const results = await Promise.all(classmates.map((user) => pairingRepo.create(user, school, 'school')));
      expect(results.every((r) => r.ok)).toBe(true);
      const active = await pairingRepo.activeUsersOf(school);
      expect(active).toEqual(expect.arrayContaining(classmates));
      const [first] = classmates;
      if (!first) throw new Error('no user');
      expect(await pairingRepo.countActiveOthers(school, first)).toBe(active.length - 1);
      for (const user of classmates) await pairingRepo.end(user, 'user', new Date());
      expect(await pairingRepo.activeUsersOf(school)).toEqual([]);
    });
  });

  describe('LockerRepository', () => {
    it('moves a channel watermark only forward', async () => {
      const id = await newLocker('SEQ');
      expect(await lockerRepo.claimSequence(id, 'state', 5)).toBe(true);
      expect(await lockerRepo.claimSequence(id, 'state', 5)).toBe(false);
      expect(await lockerRepo.claimSequence(id, 'state', 3)).toBe(false);
      expect((await lockerRow(id)).stateSeq).toBe(5);
      expect(await lockerRepo.claimSequence(id, 'state', 6)).toBe(true);
      expect(await lockerRepo.claimSequence(id, 'state', 1_000_000_000_000)).toBe(true);
      expect((await lockerRow(id)).stateSeq).toBe(1_000_000_000_000);
      expect(await lockerRepo.claimSequence('NO_SUCH_LOCKER', 'state', 1)).toBe(false);
    });

    it('keeps one watermark per channel: MQTT orders per topic, not across topics', async () => {
      const id = await newLocker('CHAN');
      expect(await lockerRepo.claimSequence(id, 'state', 100)).toBe(true);
      expect(await lockerRepo.claimSequence(id, 'presence', 50)).toBe(true);
      expect(await lockerRepo.claimSequence(id, 'presence', 49)).toBe(false);
      expect(await lockerRow(id)).toMatchObject({ stateSeq: 100, presenceSeq: 50 });
    });

    it('lets exactly one of 20 concurrent claims of one seq win', async () => {
      const id = await newLocker('RACE');
      await lockerRepo.claimSequence(id, 'state', 41);
      const claims = await Promise.all(Array.from({ length: 20 }, () => lockerRepo.claimSequence(id, 'state', 42)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await lockerRow(id)).stateSeq).toBe(42);
    });

    it('lowers the watermarks only where they are above', async () => {
      const id = await newLocker('LOWER');
      await lockerRepo.claimSequence(id, 'state', 100);
      await lockerRepo.claimSequence(id, 'presence', 5);
      await lockerRepo.lowerSequencesTo(id, 10);
      expect(await lockerRow(id)).toMatchObject({ stateSeq: 10, presenceSeq: 5 });
      await lockerRepo.lowerSequencesTo(id, 50);
      expect((await lockerRow(id)).stateSeq).toBe(10);
      // A device counting anew from 1: its next state (seq 11) is accepted again.
      expect(await lockerRepo.claimSequence(id, 'state', 11)).toBe(true);
    });

    it('marks offline only the lockers that are online and silent since the cutoff', async () => {
      const now = new Date();
      const cutoff = new Date(now.getTime() - 90_000);
      const long = new Date(now.getTime() - 10 * 60_000);
      const recent = new Date(now.getTime() - 5_000);
      const silent = await newLocker('SILENT');
      const talking = await newLocker('TALKING');
      const offline = await newLocker('OFF');
      await lockerRepo.setOnline(silent, true, long);
      await lockerRepo.setOnline(talking, true, recent);
      await lockerRepo.setOnline(offline, false, long);
      await opened.db.update(lockers).set({ lastSeenAt: long }).where(eq(lockers.id, offline));
      const before = {
        talking: await lockerRow(talking),
        offline: await lockerRow(offline),
      };

      const marked = await lockerRepo.markSilentOffline(cutoff, now);
      // The suite's other lockers are all offline at this point.
      expect(marked).toEqual([silent]);

      const silentRow = await lockerRow(silent);
      expect(silentRow.online).toBe(false);
      expect(silentRow.updatedAt.getTime()).toBe(now.getTime());
      // The others are untouched, updatedAt included.
      expect(await lockerRow(talking)).toEqual(before.talking);
      expect(await lockerRow(offline)).toEqual(before.offline);

      // A second sweep has nothing left to do for these lockers.
      const again = await lockerRepo.markSilentOffline(cutoff, now);
      expect(again).toEqual([]);
    });

    it('counts the lockers online, and tells when a report brings one back', async () => {
      const now = new Date();
      await lockerRepo.markAllOffline(now);
      expect(await lockerRepo.countOnline()).toBe(0);
      expect(await lockerRepo.setOnline(school, true, now)).toEqual({ cameOnline: true, changed: true });
      expect(await lockerRepo.countOnline()).toBe(1);
      expect(await lockerRepo.applyFacts(sport, { online: true }, now)).toEqual({ cameOnline: true });
      expect(await lockerRepo.applyFacts(sport, { online: true }, now)).toEqual({ cameOnline: false });
      expect(await lockerRepo.countOnline()).toBe(2);
      const later = new Date(now.getTime() + 5_000);
      expect(await lockerRepo.setOnline(school, false, now)).toEqual({ cameOnline: false, changed: true });
      // A second "offline" (the will after a shutdown status) keeps the first instant.
      expect(await lockerRepo.setOnline(school, false, later)).toEqual({ cameOnline: false, changed: false });
      expect((await lockerRepo.findWithSite(school))?.locker.offlineSince).toEqual(now);
      expect(await lockerRepo.countOnline()).toBe(1);
      expect(await lockerRepo.setOnline('NO_SUCH_LOCKER', true, now)).toBeNull();
      expect(await lockerRepo.countOnline()).toBe(1);
      expect(await lockerRepo.setOnline(school, true, later)).toEqual({ cameOnline: true, changed: true });
      expect((await lockerRepo.findWithSite(school))?.locker.offlineSince).toBeNull();
    });
  });

  describe('booking exclusion constraint', () => {
    async function book(lockerId: string, startsAt: Date, endsAt: Date, status: BookingStatus = 'confirmed') {
      const [row] = await opened.db
        .insert(bookings)
        .values({ lockerId, kind: 'school_booking', status, startsAt, endsAt })
        .returning({ id: bookings.id });
      return row;
    }

    it('refuses a second confirmed booking overlapping the first on one locker', async () => {
      const day = '2030-02-01';
      expect(await book(school, at('10:00', day), at('12:00', day))).toBeDefined();
      expect(await failureState(() => book(school, at('11:00', day), at('13:00', day)))).toBe(EXCLUSION_VIOLATION);
      expect(await failureState(() => book(school, at('09:00', day), at('10:30', day)))).toBe('23P01');
      expect(await failureState(() => book(school, at('10:30', day), at('11:30', day)))).toBe('23P01');
      expect(await failureState(() => book(school, at('08:00', day), at('14:00', day)))).toBe('23P01');
      const kept = await opened.db
        .select()
        .from(bookings)
        .where(and(eq(bookings.lockerId, school), inArray(bookings.startsAt, [at('09:00', day), at('11:00', day)])));
      expect(kept).toEqual([]);
    });

    it('accepts back-to-back bookings: ranges are half-open', async () => {
      const day = '2030-02-02';
      expect(await failureState(() => book(school, at('10:00', day), at('12:00', day)))).toBeNull();
      expect(await failureState(() => book(school, at('12:00', day), at('14:00', day)))).toBeNull();
      expect(await failureState(() => book(school, at('08:00', day), at('10:00', day)))).toBeNull();
    });

    it.each(['cancelled', 'expired'] as const)('lets a %s booking overlap a confirmed one', async (status) => {
      const day = status === 'cancelled' ? '2030-02-03' : '2030-02-04';
      expect(await failureState(() => book(school, at('10:00', day), at('12:00', day)))).toBeNull();
      expect(await failureState(() => book(school, at('11:00', day), at('13:00', day), status))).toBeNull();
      // …and a dead booking does not hold the slot for a live one either.
      expect(await failureState(() => book(school, at('13:00', day), at('15:00', day), status))).toBeNull();
      expect(await failureState(() => book(school, at('12:30', day), at('14:30', day)))).toBeNull();
    });

    it.each(['pending', 'active'] as const)('counts a %s booking as a live hold', async (status) => {
      const day = status === 'pending' ? '2030-02-05' : '2030-02-06';
      expect(await failureState(() => book(school, at('10:00', day), at('12:00', day), status))).toBeNull();
      expect(await failureState(() => book(school, at('11:00', day), at('13:00', day)))).toBe('23P01');
    });

    it('lets bookings of different lockers overlap', async () => {
      const day = '2030-02-07';
      expect(await failureState(() => book(school, at('10:00', day), at('12:00', day)))).toBeNull();
      expect(await failureState(() => book(sport, at('10:00', day), at('12:00', day)))).toBeNull();
      expect(await failureState(() => book(sport, at('11:00', day), at('13:00', day)))).toBe('23P01');
    });
  });

  describe('AuditRepository', () => {
    it('records an entry', async () => {
      const action = `test.recorded.${randomUUID()}`;
      const when = new Date('2030-03-01T08:00:00.000Z');
      await auditRepo.record({
        actorKind: 'admin',
        actorId: 'admin-1',
        action,
        lockerId: school,
        subjectUserId: 'user-1',
        data: { reason: 'test', n: 3 },
        at: when,
      });
      const rows = await opened.db.select().from(auditEvents).where(eq(auditEvents.action, action));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        actorKind: 'admin',
        actorId: 'admin-1',
        lockerId: school,
        subjectUserId: 'user-1',
        data: { reason: 'test', n: 3 },
        at: when,
      });

      const minimal = `test.minimal.${randomUUID()}`;
      const before = Date.now();
      await auditRepo.record({ actorKind: 'system', action: minimal });
      const [row] = await opened.db.select().from(auditEvents).where(eq(auditEvents.action, minimal));
      expect(row).toMatchObject({ actorKind: 'system', actorId: null, lockerId: null, subjectUserId: null, data: {} });
      // Stamped by the server's clock when not given.
      expect(Math.abs((row?.at.getTime() ?? 0) - before)).toBeLessThan(60_000);
    });

    it('records a device message once, even when 20 deliveries race, whatever its order', async () => {
      const action = `device.test.${randomUUID()}`;
      const entry = { actorKind: 'device' as const, actorId: school, action, lockerId: school };
      const results = await Promise.all(
        Array.from({ length: 20 }, () => auditRepo.recordDeviceMessage({ ...entry, deviceSeq: 7 })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      // An older message arriving late is still a record of its own, and so is the same seq on another locker.
      expect(await auditRepo.recordDeviceMessage({ ...entry, deviceSeq: 3 })).toBe(true);
      expect(await auditRepo.recordDeviceMessage({ ...entry, lockerId: sport, deviceSeq: 7 })).toBe(true);
      const rows = await opened.db.select().from(auditEvents).where(eq(auditEvents.action, action));
      expect(rows.map((r) => r.deviceSeq).sort()).toEqual([3, 7, 7]);
    });
  });
});
