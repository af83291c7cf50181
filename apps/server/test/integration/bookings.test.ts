import { ASYNC_PAYMENT_CARD } from '@smartlocker/stripe-emulator';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * Issue 5 through the HTTP API, the Stripe SDK and the local emulator, on every database: the
 * server's clock is a ManualClock, so "tomorrow 10:00" and "30 min later" are set, not waited for.
 */

interface BookingView {
  id: string;
  status: string;
  startsAt: string;
  endsAt: string;
  amountCents: number;
  checkoutUrl: string | null;
  statusReason: string | null;
  canOpen: boolean;
  extension: { offered: boolean; newEndsAt: string | null; refusal: string | null };
}
interface BookResponse {
  booking: BookingView;
  checkoutUrl: string;
  warning: string | null;
  error?: { code: string };
}
type ErrorBody = { error: { code: string; message: string } };

const GOOD_CARD = '4242424242424242';
const DECLINED_CARD = '4000000000000002';
/** 2026-12-01 07:30 in Brussels (UTC+1): the day's first hour has not begun. */
const MORNING = new Date('2026-12-01T06:30:00Z');
const at = (iso: string) => new Date(iso);

describe.each(databaseBackends())('school bookings on $name', (db) => {
  let system: TestSystem;
  let clock: ManualClock;
  let signUps = 0;

  async function member(tag: string, options: { pair?: boolean } = {}): Promise<TestBrowser> {
    const browser = new TestBrowser(system.url);
    signUps++;
    // A distinct client address per account (TRUST_PROXY), so the sign-up rate limit stays out of the way.
    const response = await browser.request(
      'POST',
      '/api/auth/sign-up/email',
      { email: `${tag}-${signUps}-${Date.now()}@example.org`, password: 'correct horse battery', name: tag },
      { 'x-forwarded-for': `10.${(signUps >> 16) & 255}.${(signUps >> 8) & 255}.${signUps & 255}` },
    );
    expect(response.status).toBe(200);
    if (options.pair !== false) {
      const paired = await browser.json('POST', '/api/pairing', { code: system.codes.school });
      expect(paired.status).toBe(201);
    }
    return browser;
  }

  const sessionIdOf = (checkoutUrl: string) => {
    const id = checkoutUrl.split('/').at(-1) ?? '';
    expect(id).toMatch(/^cs_test_/);
    return id;
  };

  async function book(browser: TestBrowser, date: string, startHour: number, durationHours: number) {
    return browser.json<BookResponse>('POST', '/api/bookings', { date, startHour, durationHours });
  }

  async function pay(checkoutUrl: string, card = GOOD_CARD) {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('the test system runs the Stripe emulator');
    const result = await emulator.pay(sessionIdOf(checkoutUrl), card);
    await emulator.idle();
    return result;
  }

  async function bookingOf(browser: TestBrowser, id: string): Promise<BookingView> {
    const { status, body } = await browser.json<{ booking: BookingView }>('GET', `/api/bookings/${id}`);
    expect(status).toBe(200);
    return body.booking;
  }

  async function auditCount(action: string, bookingId: string): Promise<number> {
    const rows = await system.database.db.query.auditEvents.findMany();
    return rows.filter((r) => r.action === action && (r.data as { bookingId?: string }).bookingId === bookingId).length;
  }

  beforeAll(async () => {
    clock = new ManualClock(MORNING);
    system = await startTestSystem(db, EMBEDDED_BROKER, { TRUST_PROXY: 'true', BOOKING_TICK_S: '60' }, { clock });
  });
  afterAll(async () => {
    await system?.dispose();
  });
  beforeEach(() => {
    clock.set(MORNING);
  });

  it('books, pays on the emulator, opens inside the slot, extends, and expires into history', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const booked = await book(alice, '2026-12-02', 10, 2);
    expect(booked.status).toBe(201);
    expect(booked.body.booking).toMatchObject({
      status: 'pending',
      startsAt: '2026-12-02T09:00:00.000Z',
      endsAt: '2026-12-02T11:00:00.000Z',
      amountCents: 1000,
    });
    expect(booked.body.checkoutUrl).toContain(`${system.stripeEmulator?.url}/c/pay/cs_test_`);
    expect(booked.body.warning).toBeNull();

    // The calendar shows the hours as taken to Bob, without saying by whom.
    const calendar = await bob.json<{ days: { date: string; hours: { hour: number; state: string }[] }[] }>(
      'GET',
      '/api/bookings/calendar',
    );
    const day = calendar.body.days.find((d) => d.date === '2026-12-02');
    expect(day?.hours.filter((h) => h.state === 'taken').map((h) => h.hour)).toEqual([10, 11]);
    expect(JSON.stringify(calendar.body)).not.toContain('alice');

    expect(await pay(booked.body.checkoutUrl)).toEqual({ ok: true });
    const confirmed = await bookingOf(alice, booked.body.booking.id);
    expect(confirmed.status).toBe('confirmed');
    expect(confirmed.canOpen).toBe(false);

    // The confirmation mail carries the slot as an .ics file.
    const outbox = await alice.json<{
      messages: { to: string; subject: string; attachments: { filename: string; content: string }[] }[];
    }>('GET', '/api/dev/outbox');
    const mail = outbox.body.messages.find((m) => m.subject.startsWith('Réservation confirmée'));
    expect(mail?.attachments[0]?.filename).toBe('reservation-smartlocker.ics');
    expect(mail?.attachments[0]?.content).toContain('DTSTART:20261202T090000Z');
    expect(mail?.attachments[0]?.content).toContain('DTEND:20261202T110000Z');

    const lockerId = system.lockerIds.school;
    const early = await alice.json<ErrorBody>('POST', `/api/lockers/${lockerId}/open`);
    expect(early).toMatchObject({ status: 409, body: { error: { code: 'no_active_booking' } } });

    clock.set(at('2026-12-02T09:00:00Z'));
    expect(await system.bookings.tick()).toMatchObject({ started: 1 });
    expect((await bookingOf(alice, booked.body.booking.id)).status).toBe('active');
    const opened = await alice.json('POST', `/api/lockers/${lockerId}/open`);
    expect(opened.status).toBe(202);
    // Bob is paired to the same school locker but has no booking: refused.
    expect(await bob.json<ErrorBody>('POST', `/api/lockers/${lockerId}/open`)).toMatchObject({
      status: 409,
      body: { error: { code: 'no_active_booking' } },
    });

    // Extension is not offered with more than 30 min left.
    clock.set(at('2026-12-02T10:15:00Z'));
    expect(await alice.json<ErrorBody>('POST', `/api/bookings/${booked.body.booking.id}/extend`)).toMatchObject({
      status: 409,
      body: { error: { code: 'too_early' } },
    });

    // 10 minutes before the end: one reminder offering the extension.
    const reminders: { bookingId: string; extensionOffered: boolean }[] = [];
    const off = system.bus.on('booking.reminder', (r) => reminders.push(r));
    clock.set(at('2026-12-02T10:50:00Z'));
    await system.bookings.tick();
    await system.bookings.tick();
    off();
    expect(reminders).toEqual([expect.objectContaining({ bookingId: booked.body.booking.id, extensionOffered: true })]);

    const offered = await bookingOf(alice, booked.body.booking.id);
    expect(offered.extension).toMatchObject({ offered: true, newEndsAt: '2026-12-02T12:00:00.000Z' });
    const extension = await alice.json<{ checkoutUrl: string }>(
      'POST',
      `/api/bookings/${booked.body.booking.id}/extend`,
    );
    expect(extension.status).toBe(201);
    expect(await pay(extension.body.checkoutUrl)).toEqual({ ok: true });
    const extended = await bookingOf(alice, booked.body.booking.id);
    expect(extended).toMatchObject({ status: 'active', endsAt: '2026-12-02T12:00:00.000Z', amountCents: 1500 });

    // The end: logged as expired, pairing released, no more opening.
    clock.set(at('2026-12-02T12:00:00Z'));
    expect(await system.bookings.tick()).toMatchObject({ completed: 1 });
    const ended = await system.database.db.query.bookings.findFirst({
      where: (b, { eq }) => eq(b.id, booked.body.booking.id),
    });
    expect(ended).toMatchObject({ status: 'completed', endReason: 'expired' });
    expect(ended?.endedAt?.toISOString()).toBe('2026-12-02T12:00:00.000Z');
    const me = await alice.json<{ locker: unknown }>('GET', '/api/me');
    expect(me.body.locker).toBeNull();
    expect(await auditCount('booking.ended', booked.body.booking.id)).toBe(1);
  });

  it('keeps the pairing at the end when the same person has another booking ahead', async () => {
    const carol = await member('carol');
    const first = await book(carol, '2026-12-03', 8, 1);
    await pay(first.body.checkoutUrl);
    const second = await book(carol, '2026-12-03', 14, 1);
    expect(second.status).toBe(201);
    await pay(second.body.checkoutUrl);
    clock.set(at('2026-12-03T08:00:00Z'));
    await system.bookings.tick();
    const me = await carol.json<{ locker: { id: string } | null }>('GET', '/api/me');
    expect(me.body.locker?.id).toBe(system.lockerIds.school);
  });

  it('refuses invalid requests with the rule that failed, and a second unpaid hold', async () => {
    const dave = await member('dave');
    expect((await book(dave, '2026-12-02', 7, 1)).body).toMatchObject({ error: { code: 'start_out_of_hours' } });
    expect((await book(dave, '2026-12-02', 20, 3)).body).toMatchObject({ error: { code: 'ends_after_closing' } });
    expect((await book(dave, '2026-12-02', 10, 7)).body).toMatchObject({ error: { code: 'duration_out_of_range' } });
    expect((await book(dave, '2026-11-30', 10, 1)).body).toMatchObject({ error: { code: 'date_in_past' } });
    expect((await book(dave, '2026-12-16', 10, 1)).body).toMatchObject({ error: { code: 'too_far_ahead' } });
    expect((await book(dave, '2026-02-30', 10, 1)).body).toMatchObject({ error: { code: 'invalid_date' } });
    const malformed = await dave.json<ErrorBody>('POST', '/api/bookings', { date: 'tomorrow', startHour: '10' });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    expect((await book(dave, '2026-12-04', 9, 1)).status).toBe(201);
    expect(await book(dave, '2026-12-04', 12, 1)).toMatchObject({
      status: 409,
      body: { error: { code: 'booking_pending' } },
    });
    const sport = await member('erin', { pair: false });
    expect(await sport.json<ErrorBody>('POST', '/api/pairing', { code: system.codes.sport })).toMatchObject({
      status: 201,
    });
    expect(await book(sport, '2026-12-04', 9, 1)).toMatchObject({
      status: 409,
      body: { error: { code: 'not_school_locker' } },
    });
    const unpaired = await member('frank', { pair: false });
    expect(await book(unpaired, '2026-12-04', 9, 1)).toMatchObject({
      status: 403,
      body: { error: { code: 'not_paired' } },
    });
  });

  it('books daylight-saving days by wall-clock hours', async () => {
    clock.set(at('2027-03-27T10:00:00Z'));
    const gina = await member('gina');
    const spring = await book(gina, '2027-03-28', 10, 2);
    expect(spring.body.booking).toMatchObject({
      startsAt: '2027-03-28T08:00:00.000Z',
      endsAt: '2027-03-28T10:00:00.000Z',
      amountCents: 1000,
    });
  });

  it('leaves a declined card pending, and frees the slot when the checkout is abandoned', async () => {
    const hugo = await member('hugo');
    const ines = await member('ines');
    const booked = await book(hugo, '2026-12-05', 15, 1);
    expect(await pay(booked.body.checkoutUrl, DECLINED_CARD)).toEqual({ ok: false, declineCode: 'generic_decline' });
    expect((await bookingOf(hugo, booked.body.booking.id)).status).toBe('pending');
    expect(await book(ines, '2026-12-05', 15, 1)).toMatchObject({
      status: 409,
      body: { error: { code: 'slot_taken' } },
    });

    // 30 min later the hold lapses: the emulator expires the session and our clock the hold.
    clock.set(new Date(MORNING.getTime() + 30 * 60_000 + 1_000));
    await system.stripeEmulator?.expireDue();
    await system.stripeEmulator?.idle();
    await system.bookings.tick();
    const lapsed = await bookingOf(hugo, booked.body.booking.id);
    expect(lapsed).toMatchObject({ status: 'expired', statusReason: 'hold_expired', checkoutUrl: null });
    expect((await book(ines, '2026-12-05', 15, 1)).status).toBe(201);
  });

  it('confirms from the success page before the webhook, once, and grants nothing for foreign or made-up sessions', async () => {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('emulator expected');
    const jules = await member('jules');
    const kim = await member('kim');
    const booked = await book(jules, '2026-12-06', 11, 1);
    const sessionId = sessionIdOf(booked.body.checkoutUrl);

    // Not paid yet: nothing.
    expect(await jules.json('POST', '/api/payments/confirm', { sessionId })).toMatchObject({
      status: 200,
      body: { paid: false, booking: { status: 'pending' } },
    });

    emulator.setWebhookUrl(null);
    try {
      await emulator.pay(sessionId, GOOD_CARD);
      // Someone else's session and a made-up one grant nothing.
      expect((await kim.json('POST', '/api/payments/confirm', { sessionId })).body).toEqual({
        paid: false,
        booking: null,
      });
      expect((await kim.json('POST', '/api/payments/confirm', { sessionId: 'cs_test_madeup' })).body).toEqual({
        paid: false,
        booking: null,
      });
      const confirmed = await jules.json<{ paid: boolean; booking: BookingView }>('POST', '/api/payments/confirm', {
        sessionId,
      });
      expect(confirmed.body).toMatchObject({ paid: true, booking: { status: 'confirmed' } });
    } finally {
      emulator.setWebhookUrl(`${system.url}/webhooks/stripe`);
    }
    await emulator.idle();
    // The webhook arrived after the success page: still one transition.
    expect(await auditCount('booking.confirmed', booked.body.booking.id)).toBe(1);
    expect((await bookingOf(jules, booked.body.booking.id)).status).toBe('confirmed');
  });

  it('handles asynchronous payments: succeeded confirms, failed frees the slot', async () => {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('emulator expected');
    const lea = await member('lea');
    const first = await book(lea, '2026-12-07', 9, 1);
    await pay(first.body.checkoutUrl, ASYNC_PAYMENT_CARD);
    expect((await bookingOf(lea, first.body.booking.id)).status).toBe('pending');
    await emulator.settleAsyncPayment(sessionIdOf(first.body.checkoutUrl), 'succeeded');
    await emulator.idle();
    expect((await bookingOf(lea, first.body.booking.id)).status).toBe('confirmed');

    const second = await book(lea, '2026-12-07', 13, 1);
    await pay(second.body.checkoutUrl, ASYNC_PAYMENT_CARD);
    await emulator.settleAsyncPayment(sessionIdOf(second.body.checkoutUrl), 'failed');
    await emulator.idle();
    expect(await bookingOf(lea, second.body.booking.id)).toMatchObject({
      status: 'cancelled',
      statusReason: 'payment_failed',
    });
  });

  it('refunds paid bookings the locker can no longer honour, and tells the owner', async () => {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('emulator expected');
    const max = await member('max');
    const booked = await book(max, '2026-12-08', 16, 2);
    await pay(booked.body.checkoutUrl);
    const events: string[] = [];
    const off = system.bus.on('booking.changed', (change) => {
      if (change.booking.id === booked.body.booking.id) events.push(change.booking.status);
    });
    // A member cannot; the administrator takes the locker out of service.
    expect(await max.json('POST', `/api/admin/lockers/${system.lockerIds.school}/release-bookings`)).toMatchObject({
      status: 403,
      body: { error: { code: 'admin_only' } },
    });
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    const admin = new TestBrowser(system.url);
    expect(await admin.signIn(account?.email ?? '', account?.password ?? '')).toBe(200);
    const released = await admin.json<{ refunded: number }>(
      'POST',
      `/api/admin/lockers/${system.lockerIds.school}/release-bookings`,
    );
    expect(released.status).toBe(200);
    expect(released.body.refunded).toBeGreaterThanOrEqual(1);
    await emulator.idle();
    off();
    expect(events).toContain('refunded');
    expect(await bookingOf(max, booked.body.booking.id)).toMatchObject({
      status: 'refunded',
      statusReason: 'locker_unavailable',
    });
    const session = emulator.getSession(sessionIdOf(booked.body.checkoutUrl));
    expect(session?.payment_intent).toBeTruthy();
    const refunds = emulator.deliveries().filter((d) => d.type === 'charge.refunded');
    expect(refunds.length).toBeGreaterThanOrEqual(1);
    const outbox = await max.json<{ messages: { to: string; subject: string; text: string }[] }>(
      'GET',
      '/api/dev/outbox',
    );
    const notice = outbox.body.messages.find((m) => m.subject.startsWith('Réservation remboursée'));
    expect(notice?.text).toContain("n'est plus disponible");
    // 2 h at 5.00 EUR.
    expect(notice?.text).toContain('10.00 EUR');
  });

  it('refunds a late payment that arrives after the hold was let go', async () => {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('emulator expected');
    const nina = await member('nina');
    const booked = await book(nina, '2026-12-09', 10, 1);
    emulator.setWebhookUrl(null);
    try {
      await emulator.pay(sessionIdOf(booked.body.checkoutUrl), GOOD_CARD);
      clock.set(new Date(MORNING.getTime() + 31 * 60_000));
      await system.bookings.tick();
      expect((await bookingOf(nina, booked.body.booking.id)).status).toBe('expired');
    } finally {
      emulator.setWebhookUrl(`${system.url}/webhooks/stripe`);
    }
    await emulator.idle();
    expect(await bookingOf(nina, booked.body.booking.id)).toMatchObject({
      status: 'refunded',
      statusReason: 'hold_expired',
    });
  });

  it('refunds an extension whose next hour was booked before its money arrived, and keeps the booking as it was', async () => {
    const ursula = await member('ursula');
    const booked = await book(ursula, '2026-12-15', 10, 1);
    await pay(booked.body.checkoutUrl);
    clock.set(at('2026-12-15T09:50:00Z'));
    await system.bookings.tick();
    const extension = await ursula.json<{ checkoutUrl: string }>(
      'POST',
      `/api/bookings/${booked.body.booking.id}/extend`,
    );
    expect(extension.status).toBe(201);
    // The offer holds nothing: someone else books 11:00 and pays first.
    const victor = await member('victor');
    const next = await book(victor, '2026-12-15', 11, 1);
    expect(next.status).toBe(201);
    await pay(next.body.checkoutUrl);
    expect(await pay(extension.body.checkoutUrl)).toEqual({ ok: true });

    expect(await bookingOf(ursula, booked.body.booking.id)).toMatchObject({
      status: 'active',
      endsAt: '2026-12-15T10:00:00.000Z',
      amountCents: 500,
    });
    const extensionPayment = await system.database.db.query.payments.findFirst({
      where: (p, { eq }) => eq(p.providerSessionId, sessionIdOf(extension.body.checkoutUrl)),
    });
    expect(extensionPayment?.status).toBe('refunded');
    expect(await auditCount('booking.extended', booked.body.booking.id)).toBe(0);
    expect(await auditCount('payment.succeeded', booked.body.booking.id)).toBe(2);
    expect(await auditCount('payment.refunded', booked.body.booking.id)).toBe(1);
    expect((await bookingOf(victor, next.body.booking.id)).status).toBe('confirmed');
  });

  it('refunds on the clock what a crash left owing, once, and nothing that was paid for', async () => {
    const wendy = await member('wendy');
    const owed = await book(wendy, '2026-12-12', 9, 1);
    await pay(owed.body.checkoutUrl);
    const xavier = await member('xavier');
    const kept = await book(xavier, '2026-12-12', 10, 1);
    await pay(kept.body.checkoutUrl);
    // A cancellation committed, then the server died before its refund: the booking is let go
    // and its money still kept.
    await system.database.db.execute(sql`UPDATE bookings SET status = 'cancelled' WHERE id = ${owed.body.booking.id}`);

    // Left alone for two minutes, in case the request that owes it is still running.
    clock.set(new Date(MORNING.getTime() + 60_000));
    await system.bookings.tick();
    expect((await bookingOf(wendy, owed.body.booking.id)).status).toBe('cancelled');

    clock.set(new Date(MORNING.getTime() + 3 * 60_000));
    await Promise.all([system.bookings.tick(), system.bookings.tick()]);
    await system.bookings.tick();
    expect(await bookingOf(wendy, owed.body.booking.id)).toMatchObject({
      status: 'refunded',
      statusReason: 'cancelled',
    });
    expect(await auditCount('payment.refunded', owed.body.booking.id)).toBe(1);
    expect((await bookingOf(xavier, kept.body.booking.id)).status).toBe('confirmed');
    expect(await auditCount('payment.refunded', kept.body.booking.id)).toBe(0);
  });

  it('cancels: an unpaid hold frees the slot, a paid booking not yet started is refunded', async () => {
    const oscar = await member('oscar');
    const held = await book(oscar, '2026-12-10', 10, 1);
    expect(await oscar.json('POST', `/api/bookings/${held.body.booking.id}/cancel`)).toMatchObject({
      status: 200,
      body: { booking: { status: 'cancelled' } },
    });
    expect(system.stripeEmulator?.getSession(sessionIdOf(held.body.checkoutUrl))?.status).toBe('expired');
    const paid = await book(oscar, '2026-12-10', 10, 1);
    expect(paid.status).toBe(201);
    await pay(paid.body.checkoutUrl);
    expect(await oscar.json('POST', `/api/bookings/${paid.body.booking.id}/cancel`)).toMatchObject({
      status: 200,
      body: { booking: { status: 'refunded' } },
    });
    const other = await member('paula');
    expect(await other.json('POST', `/api/bookings/${paid.body.booking.id}/cancel`)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
  });

  it('settles bookings when an account is erased: holds let go, paid ones refunded', async () => {
    const sam = await member('sam');
    const paid = await book(sam, '2026-12-14', 9, 1);
    await pay(paid.body.checkoutUrl);
    const erased = await sam.json('DELETE', '/api/me', { password: 'correct horse battery' });
    expect(erased.status).toBe(204);
    const row = await system.database.db.query.bookings.findFirst({
      where: (b, { eq }) => eq(b.id, paid.body.booking.id),
    });
    // Kept anonymised for the accounts, refunded, and the slot free again.
    expect(row).toMatchObject({ status: 'refunded', statusReason: 'account_deleted', userId: null });
    const tom = await member('tom');
    expect((await book(tom, '2026-12-14', 9, 1)).status).toBe(201);
  });

  it('refuses bookings starting within the hour while the locker is offline, and warns for later ones', async () => {
    const quinn = await member('quinn');
    const lockerId = system.lockerIds.school;
    await system.database.db.execute(sql`UPDATE lockers SET online = false WHERE id = ${lockerId}`);
    try {
      clock.set(at('2026-12-11T08:10:00Z')); // 09:10 local: 10:00 starts in 50 min.
      expect(await book(quinn, '2026-12-11', 10, 1)).toMatchObject({
        status: 409,
        body: { error: { code: 'locker_offline' } },
      });
      const later = await book(quinn, '2026-12-11', 15, 1);
      expect(later).toMatchObject({ status: 201, body: { warning: 'locker_offline' } });
    } finally {
      await system.database.db.execute(sql`UPDATE lockers SET online = true WHERE id = ${lockerId}`);
    }
  });

  it('gives one slot to exactly one of 200 concurrent requests; the others hear "slot taken"', {
    timeout: 240_000,
  }, async () => {
    // 40 people, 5 requests each (double taps included), all at once.
    const people: TestBrowser[] = [];
    for (let batch = 0; batch < 40; batch += 5) {
      people.push(...(await Promise.all(Array.from({ length: 5 }, () => member('racer')))));
    }
    const racers = people.flatMap((person) => Array.from({ length: 5 }, () => person));
    expect(racers).toHaveLength(200);
    const answers = await Promise.all(racers.map((r) => book(r, '2026-12-12', 12, 2)));
    const won = answers.filter((a) => a.status === 201);
    const lost = answers.filter((a) => a.status !== 201);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(199);
    for (const answer of lost) expect(answer).toMatchObject({ status: 409, body: { error: { code: 'slot_taken' } } });
    const held = await system.database.db.query.bookings.findMany({
      where: (b, { and, eq, inArray }) =>
        and(eq(b.lockerId, system.lockerIds.school), inArray(b.status, ['pending', 'confirmed', 'active'])),
    });
    expect(held.filter((b) => b.startsAt.toISOString() === '2026-12-12T11:00:00.000Z')).toHaveLength(1);
  });

  it('moves each booking exactly once when several clocks tick at the same instant', async () => {
    const rita = await member('rita');
    const booked = await book(rita, '2026-12-13', 8, 1);
    await pay(booked.body.checkoutUrl);
    // Everything else due by then is moved first, so the race below is about this booking alone.
    clock.set(at('2026-12-13T07:59:59Z'));
    await system.bookings.tick();
    clock.set(at('2026-12-13T08:00:00Z'));
    const passes = await Promise.all([system.bookings.tick(), system.bookings.tick(), system.bookings.tick()]);
    expect(passes.reduce((n, p) => n + p.completed, 0)).toBe(1);
    expect(await auditCount('booking.ended', booked.body.booking.id)).toBe(1);
  });
});
