import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import type { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { bookings, payments } from '../../src/db/schema';
import { member } from './support/accounts';
import { signedInAdmin } from './support/admin';

/**
 * Issue 11, "Revenue" (docs/admin-api.md): succeeded payments minus refunds, each on the day the
 * money moved in the first site's zone (Europe/Brussels), per day / week / month with every
 * period present, per site and per locker type, to the cent, on PGlite and on PostgreSQL (each
 * converts the zone itself).
 *
 * One payment and its refund go through the real flow (booking, Stripe emulator, cancellation);
 * the others are written straight into `payments` with their `paid_at` / `refunded_at`: the
 * honest way to have money move on many days, across a month end and a change of summer time,
 * without waiting for them.
 */
interface Report {
  currency: string;
  timeZone: string;
  granularity: 'day' | 'week' | 'month';
  paidCents: number;
  refundedCents: number;
  netCents: number;
  series: { period: string; paidCents: number; refundedCents: number; netCents: number }[];
  bySite: { siteId: string; siteName: string; netCents: number }[];
  byType: { type: 'school' | 'sport'; netCents: number }[];
}
type ErrorBody = { error: { code: string; details?: { fields?: { path: string }[] } } };

/** One movement of money, and the Brussels day it belongs to, worked out by hand. */
interface Move {
  what: string;
  locker: 'school' | 'sport' | 'south';
  amountCents: number;
  paidAt: string;
  paidDay: string;
  refundedAt?: string;
  refundedDay?: string;
}

/**
 * Brussels is UTC+2 until 2026-10-25 03:00 local, UTC+1 after. Written out rather than computed,
 * so the test does not share the code it checks.
 */
const MOVES: Move[] = [
  {
    what: 'autumn',
    locker: 'school',
    amountCents: 600,
    paidAt: '2026-10-20T10:00:00Z',
    paidDay: '2026-10-20',
    refundedAt: '2026-11-05T10:00:00Z',
    refundedDay: '2026-11-05',
  },
  {
    what: 'summer time: 22:30 UTC is 00:30 the next day',
    locker: 'school',
    amountCents: 150,
    paidAt: '2026-10-24T22:30:00Z',
    paidDay: '2026-10-25',
  },
  {
    what: 'winter time: 23:30 UTC is 00:30 the next day',
    locker: 'school',
    amountCents: 75,
    paidAt: '2026-10-25T23:30:00Z',
    paidDay: '2026-10-26',
  },
  {
    what: 'in the week of 26 Oct, before the November range',
    locker: 'south',
    amountCents: 300,
    paidAt: '2026-10-27T10:00:00Z',
    paidDay: '2026-10-27',
  },
  {
    what: 'last evening of October in UTC, first night of November in Brussels',
    locker: 'school',
    amountCents: 450,
    paidAt: '2026-10-31T23:30:00Z',
    paidDay: '2026-11-01',
  },
  { what: 'Monday', locker: 'school', amountCents: 1000, paidAt: '2026-11-02T10:00:00Z', paidDay: '2026-11-02' },
  {
    what: 'refunded the next week',
    locker: 'school',
    amountCents: 2500,
    paidAt: '2026-11-04T12:00:00Z',
    paidDay: '2026-11-04',
    refundedAt: '2026-11-10T09:00:00Z',
    refundedDay: '2026-11-10',
  },
  {
    what: 'another site, just after midnight in Brussels',
    locker: 'south',
    amountCents: 1234,
    paidAt: '2026-11-09T23:30:00Z',
    paidDay: '2026-11-10',
  },
  {
    what: 'a sport locker (no flow charges one today: the split by type is what is tested)',
    locker: 'sport',
    amountCents: 700,
    paidAt: '2026-11-15T11:00:00Z',
    paidDay: '2026-11-15',
  },
  {
    what: 'last evening of November in UTC, 1 December in Brussels',
    locker: 'school',
    amountCents: 800,
    paidAt: '2026-11-30T23:30:00Z',
    paidDay: '2026-12-01',
  },
];
/** The booking paid on the emulator on 2 November and cancelled (refunded) on the 3rd. */
const FLOW: Move = {
  what: 'booked, paid and cancelled through the API',
  locker: 'school',
  amountCents: 500,
  paidAt: '2026-11-02T08:00:00Z',
  paidDay: '2026-11-02',
  refundedAt: '2026-11-03T07:00:00Z',
  refundedDay: '2026-11-03',
};
const ALL = [...MOVES, FLOW];

/** Every day from `from` to `to`, inclusive (calendar arithmetic in UTC: no zone involved). */
function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
const paidOn = (moves: Move[], inside: (day: string) => boolean) =>
  moves.filter((m) => inside(m.paidDay)).reduce((sum, m) => sum + m.amountCents, 0);
const refundedOn = (moves: Move[], inside: (day: string) => boolean) =>
  moves.filter((m) => m.refundedDay !== undefined && inside(m.refundedDay)).reduce((sum, m) => sum + m.amountCents, 0);
const between = (from: string, to: string) => (day: string) => day >= from && day <= to;

describe.each(databaseBackends())('revenue on $name', (db: DatabaseBackend) => {
  let system: TestSystem;
  let clock: ManualClock;
  let admin: TestBrowser;
  let campusId: string;
  let southId: string;
  const southLocker = `SUD_${randomBytes(3).toString('hex').toUpperCase()}`;

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-11-02T08:00:00Z'));
    system = await startTestSystem(db, EMBEDDED_BROKER, { BOOKING_TICK_S: '60' }, { clock });
    ({ browser: admin } = await signedInAdmin(system));
    const sites = await admin.json<{ sites: { id: string; name: string; timeZone: string }[] }>(
      'GET',
      '/api/admin/sites',
    );
    const campus = sites.body.sites[0];
    if (!campus) throw new Error('no demo site');
    expect(campus.timeZone).toBe('Europe/Brussels');
    campusId = campus.id;
    // A second site, in another zone: revenue days stay those of the first site.
    const south = await admin.json<{ site: { id: string } }>('POST', '/api/admin/sites', {
      name: 'Site Sud',
      timeZone: 'Atlantic/Canary',
    });
    expect(south.status).toBe(201);
    southId = south.body.site.id;
    const locker = await admin.json('POST', '/api/admin/lockers', {
      id: southLocker,
      siteId: southId,
      type: 'school',
      name: 'Casier Sud',
    });
    expect(locker.status).toBe(201);

    // The real flow: booked and paid on 2 November (08:00 UTC), cancelled on the 3rd (07:00 UTC).
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('the test system runs the Stripe emulator');
    const { browser: payer } = await member(system, 'payer');
    expect((await payer.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    clock.set(new Date(FLOW.paidAt));
    const booked = await payer.json<{ booking: { id: string; amountCents: number }; checkoutUrl: string }>(
      'POST',
      '/api/bookings',
      { date: '2026-11-04', startHour: 10, durationHours: 1 },
    );
    expect(booked.status).toBe(201);
    expect(booked.body.booking.amountCents).toBe(FLOW.amountCents);
    expect(await emulator.pay(booked.body.checkoutUrl.split('/').at(-1) ?? '', '4242424242424242')).toEqual({
      ok: true,
    });
    await emulator.idle();
    clock.set(new Date(FLOW.refundedAt ?? ''));
    const cancelled = await payer.json<{ booking: { status: string } }>(
      'POST',
      `/api/bookings/${booked.body.booking.id}/cancel`,
    );
    expect(cancelled.body.booking.status).toBe('refunded');

    // The rest, written as the payment flow would have left them.
    const payerId = (await payer.json<{ user: { id: string } }>('GET', '/api/me')).body.user.id;
    const lockerOf = { school: system.lockerIds.school, sport: system.lockerIds.sport, south: southLocker };
    for (const move of MOVES) {
      const paidAt = new Date(move.paidAt);
      const [booking] = await system.database.db
        .insert(bookings)
        .values({
          userId: payerId,
          lockerId: lockerOf[move.locker],
          kind: move.locker === 'sport' ? 'sport_session' : 'school_booking',
          status: move.refundedAt ? 'refunded' : 'completed',
          startsAt: new Date(paidAt.getTime() + 3_600_000),
          endsAt: new Date(paidAt.getTime() + 7_200_000),
          endedAt: new Date(paidAt.getTime() + 7_200_000),
          amountCents: move.amountCents,
        })
        .returning();
      if (!booking) throw new Error('no booking inserted');
      await system.database.db.insert(payments).values({
        bookingId: booking.id,
        userId: payerId,
        purpose: 'booking',
        provider: 'test',
        providerSessionId: `cs_test_${randomUUID()}`,
        providerPaymentIntentId: `pi_test_${randomUUID()}`,
        amountCents: move.amountCents,
        status: move.refundedAt ? 'refunded' : 'paid',
        paidAt,
        ...(move.refundedAt ? { refundedAt: new Date(move.refundedAt), refundId: `re_test_${randomUUID()}` } : {}),
      });
    }
    // A checkout never paid: no money moved, nothing counted.
    const [unpaid] = await system.database.db
      .insert(bookings)
      .values({
        userId: payerId,
        lockerId: system.lockerIds.school,
        kind: 'school_booking',
        status: 'expired',
        startsAt: new Date('2026-11-20T09:00:00Z'),
        endsAt: new Date('2026-11-20T10:00:00Z'),
        amountCents: 9_999,
      })
      .returning();
    if (!unpaid) throw new Error('no booking inserted');
    await system.database.db.insert(payments).values({
      bookingId: unpaid.id,
      userId: payerId,
      purpose: 'booking',
      provider: 'test',
      providerSessionId: `cs_test_${randomUUID()}`,
      amountCents: 9_999,
      status: 'expired',
    });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  async function report(query: string): Promise<Report> {
    const answer = await admin.json<Report>('GET', `/api/admin/revenue?${query}`);
    expect(answer.status, query).toBe(200);
    return answer.body;
  }

  /** Net of every series and split adds up to the report's own total. */
  function expectConsistent(r: Report): void {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    expect(sum(r.series.map((p) => p.paidCents))).toBe(r.paidCents);
    expect(sum(r.series.map((p) => p.refundedCents))).toBe(r.refundedCents);
    expect(r.series.every((p) => p.netCents === p.paidCents - p.refundedCents)).toBe(true);
    expect(r.netCents).toBe(r.paidCents - r.refundedCents);
    expect(sum(r.bySite.map((s) => s.netCents))).toBe(r.netCents);
    expect(sum(r.byType.map((t) => t.netCents))).toBe(r.netCents);
  }

  it('sums each Brussels day of a month, every day present, refunds on the day they were made', async () => {
    const r = await report('from=2026-11-01&to=2026-11-30&granularity=day');
    expect(r).toMatchObject({ currency: 'EUR', timeZone: 'Europe/Brussels', granularity: 'day' });
    // By hand: 450 + 500 + 1000 + 2500 + 1234 + 700 paid; 500 + 600 + 2500 refunded.
    expect([r.paidCents, r.refundedCents, r.netCents]).toEqual([6_384, 3_600, 2_784]);
    const november = days('2026-11-01', '2026-11-30');
    expect(r.series.map((p) => p.period)).toEqual(november);
    for (const [i, day] of november.entries()) {
      const on = (d: string) => d === day;
      expect(r.series[i], day).toEqual({
        period: day,
        paidCents: paidOn(ALL, on),
        refundedCents: refundedOn(ALL, on),
        netCents: paidOn(ALL, on) - refundedOn(ALL, on),
      });
    }
    // The boundary cases, spelled out.
    expect(r.series[0]).toMatchObject({ period: '2026-11-01', paidCents: 450 });
    expect(r.series[9]).toMatchObject({ period: '2026-11-10', paidCents: 1_234, refundedCents: 2_500 });
    expect(r.series[29]).toMatchObject({ period: '2026-11-30', paidCents: 0, refundedCents: 0, netCents: 0 });
    expect(r.series.filter((p) => p.netCents === 0)).toHaveLength(23);
    expectConsistent(r);

    // 1 December in Brussels holds the payment made at 23:30 UTC on 30 November.
    const december = await report('from=2026-12-01&to=2026-12-01');
    expect(december.series).toEqual([{ period: '2026-12-01', paidCents: 800, refundedCents: 0, netCents: 800 }]);
    // Across the change to winter time: 25 and 26 October each keep their evening payment.
    const autumn = await report('from=2026-10-24&to=2026-10-26');
    expect(autumn.series.map((p) => [p.period, p.paidCents])).toEqual([
      ['2026-10-24', 0],
      ['2026-10-25', 150],
      ['2026-10-26', 75],
    ]);
  });

  it('weeks start on Monday; a week cut by the range counts only its days inside', async () => {
    const r = await report('from=2026-11-01&to=2026-11-30&granularity=week');
    expect(r.series.map((p) => p.period)).toEqual([
      '2026-10-26',
      '2026-11-02',
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
      '2026-11-30',
    ]);
    for (const p of r.series) {
      expect(new Date(`${p.period}T12:00:00Z`).getUTCDay(), p.period).toBe(1);
    }
    expect(r.series.map((p) => [p.paidCents, p.refundedCents])).toEqual([
      // Only Sunday 1 November: the 26 and 27 October payments are before the range.
      [450, 0],
      [500 + 1_000 + 2_500, 500 + 600],
      // The Sunday of the 15th belongs to the week of the 9th.
      [1_234 + 700, 2_500],
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(r.netCents).toBe(2_784);
    expectConsistent(r);
  });

  it('sums months, equal to all succeeded payments minus all refunds to the cent', async () => {
    const r = await report('from=2026-10-01&to=2026-12-31&granularity=month');
    expect(r.series).toEqual([
      { period: '2026-10-01', paidCents: 1_125, refundedCents: 0, netCents: 1_125 },
      { period: '2026-11-01', paidCents: 6_384, refundedCents: 3_600, netCents: 2_784 },
      { period: '2026-12-01', paidCents: 800, refundedCents: 0, netCents: 800 },
    ]);
    // The database's own sums over every payment row: nothing counted twice, nothing lost.
    const [totals] = (
      (await system.database.db.execute(sql`
        SELECT (SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE paid_at IS NOT NULL)::int AS paid,
               (SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE refunded_at IS NOT NULL)::int AS refunded`)) as unknown as {
        rows: { paid: number; refunded: number }[];
      }
    ).rows;
    expect([r.paidCents, r.refundedCents]).toEqual([totals?.paid, totals?.refunded]);
    expect(r.netCents).toBe(paidOn(ALL, () => true) - refundedOn(ALL, () => true));
    expectConsistent(r);

    // A month cut by the range counts only its days inside it.
    const cut = await report('from=2026-11-10&to=2026-12-15&granularity=month');
    expect(cut.series).toEqual([
      { period: '2026-11-01', paidCents: 1_934, refundedCents: 2_500, netCents: -566 },
      { period: '2026-12-01', paidCents: 800, refundedCents: 0, netCents: 800 },
    ]);
  });

  it('splits by site and by locker type, and filters by either', async () => {
    const all = await report('from=2026-10-01&to=2026-12-31&granularity=month');
    const net = all.netCents;
    expect(all.bySite).toEqual([
      { siteId: campusId, siteName: 'Campus SmartLocker', netCents: net - 1_234 - 300 },
      { siteId: southId, siteName: 'Site Sud', netCents: 1_234 + 300 },
    ]);
    expect(all.byType).toEqual([
      { type: 'school', netCents: net - 700 },
      { type: 'sport', netCents: 700 },
    ]);

    const south = await report(`from=2026-10-01&to=2026-12-31&granularity=month&siteId=${southId}`);
    expect([south.paidCents, south.refundedCents]).toEqual([1_534, 0]);
    expect(south.bySite).toEqual([{ siteId: southId, siteName: 'Site Sud', netCents: 1_534 }]);
    expect(south.series.map((p) => p.netCents)).toEqual([300, 1_234, 0]);
    expectConsistent(south);

    const sport = await report('from=2026-10-01&to=2026-12-31&type=sport');
    expect([sport.netCents, sport.series.length]).toEqual([700, 92]);
    expect(sport.byType).toEqual([
      { type: 'school', netCents: 0 },
      { type: 'sport', netCents: 700 },
    ]);
    expectConsistent(sport);
    const school = await report('from=2026-10-01&to=2026-12-31&type=school&granularity=week');
    expect(school.netCents).toBe(net - 700);
    expectConsistent(school);
    // An unknown site has no money, and every period still comes out.
    const nowhere = await report('from=2026-11-01&to=2026-11-07&siteId=8d5e1a7c-0000-4000-8000-000000000000');
    expect([nowhere.netCents, nowhere.series.length, nowhere.bySite]).toEqual([0, 7, []]);
  });

  it('gives the overview today’s and this month’s net in Brussels, refunds subtracted', async () => {
    // 13:00 in Brussels on 10 November: 1234 paid and 2500 refunded today.
    clock.set(new Date('2026-11-10T12:00:00Z'));
    const overview = await admin.json<{ revenue: { todayCents: number; monthCents: number; timeZone: string } }>(
      'GET',
      '/api/admin/overview',
    );
    expect(overview.body.revenue).toEqual({
      todayCents: 1_234 - 2_500,
      monthCents:
        paidOn(ALL, between('2026-11-01', '2026-11-10')) - refundedOn(ALL, between('2026-11-01', '2026-11-10')),
      currency: 'EUR',
      timeZone: 'Europe/Brussels',
    });
    // 00:15 on 1 December in Brussels, still 30 November in UTC: December has begun.
    clock.set(new Date('2026-11-30T23:45:00Z'));
    const december = await admin.json<{ revenue: { todayCents: number; monthCents: number } }>(
      'GET',
      '/api/admin/overview',
    );
    expect(december.body.revenue).toMatchObject({ todayCents: 800, monthCents: 800 });
  });

  it('refuses a range it cannot read with 400 invalid_request', async () => {
    for (const bad of [
      '',
      'from=2026-11-01',
      'to=2026-11-30',
      'from=2026-11-30&to=2026-11-01',
      'from=2026-02-30&to=2026-03-01',
      'from=2026-1-1&to=2026-01-31',
      'from=2025-01-01&to=2026-01-02',
      'from=2026-11-01&to=2026-11-30&granularity=year',
      'from=2026-11-01&to=2026-11-30&siteId=south',
      'from=2026-11-01&to=2026-11-30&type=bike',
    ]) {
      const refused = await admin.json<ErrorBody>('GET', `/api/admin/revenue?${bad}`);
      expect([refused.status, refused.body.error.code], bad).toEqual([400, 'invalid_request']);
      expect(refused.body.error.details?.fields?.length ?? 0, bad).toBeGreaterThan(0);
    }
    // 366 days is the most.
    expect((await report('from=2027-01-01&to=2027-12-31&granularity=month')).series).toHaveLength(12);
  });
});
