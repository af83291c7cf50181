import {
  BOOKING_RULES,
  type BookingRefusal,
  bookingCalendar,
  type CalendarDay,
  DEFAULT_SITE_TIME_ZONE,
  decideExtension,
  type ExtensionRefusal,
  isOutOfService,
  siteTimeFormatter,
  validateBookingRequest,
} from '@smartlocker/domain';
import { type Locale, localeOf } from '../accounts/locale';
import type { Clock } from '../clock';
import type { EventBus } from '../eventBus';
import { type BookedSlot, bookingConfirmedMail, bookingRefundedMail } from '../mail/bookingMails';
import type { Postman } from '../mail/Postman';
import type { Logger } from '../observability/logger';
import type { CheckoutSession, PaymentEvent, PaymentProvider } from '../payments/PaymentProvider';
import { PaymentProviderError } from '../payments/PaymentProvider';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { BookingRepository, BookingRow, BookingWithLocker } from '../repositories/BookingRepository';
import type { LockerRepository, LockerWithSite } from '../repositories/LockerRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { PaymentRepository, PaymentRow } from '../repositories/PaymentRepository';
import type { UserRepository, UserRow } from '../repositories/UserRepository';
import { AppError, OUT_OF_SERVICE } from './AppError';

/** What a browser sees of one of its bookings (docs/payments.md). */
export interface BookingView {
  id: string;
  lockerId: string;
  lockerName: string;
  status: BookingRow['status'];
  startsAt: string;
  endsAt: string;
  amountCents: number;
  currency: 'eur';
  holdExpiresAt: string | null;
  checkoutUrl: string | null;
  statusReason: string | null;
  extension: {
    offered: boolean;
    newEndsAt: string | null;
    amountCents: number;
    refusal: ExtensionRefusal | 'next_hour_taken' | null;
  };
  canOpen: boolean;
}

export interface CalendarView {
  lockerId: string;
  lockerName: string;
  timeZone: string;
  now: string;
  lockerOnline: boolean;
  rules: typeof BOOKING_RULES;
  days: { date: string; hours: { hour: number; startsAt: string; endsAt: string; state: string }[] }[];
}

/** A payment page lasts 30 min (Stripe's minimum), and so does the hold on the slot. */
export const HOLD_MS = 30 * 60_000;
/** Bookings starting sooner than this are refused while the locker is offline (seed rule, SPEC §5). */
export const OFFLINE_REFUSAL_WITHIN_MS = 60 * 60_000;
export const REMINDER_BEFORE_END_MS = 10 * 60_000;

const RULE_REFUSALS: Record<BookingRefusal, AppError> = {
  invalid_date: new AppError(400, 'invalid_date', 'This date does not exist.'),
  start_out_of_hours: new AppError(400, 'start_out_of_hours', 'Bookings start between 08:00 and 21:00.'),
  duration_out_of_range: new AppError(400, 'duration_out_of_range', 'A booking lasts from 1 to 6 hours.'),
  ends_after_closing: new AppError(400, 'ends_after_closing', 'A booking must end by 22:00.'),
  date_in_past: new AppError(400, 'date_in_past', 'This date is in the past.'),
  too_far_ahead: new AppError(400, 'too_far_ahead', 'Bookings open 14 days ahead.'),
  start_in_past: new AppError(400, 'start_in_past', 'This hour has already begun.'),
};

const EXTENSION_REFUSALS: Record<ExtensionRefusal | 'next_hour_taken', AppError> = {
  not_extendable: new AppError(409, 'not_extendable', 'Only a running booking can be extended.'),
  too_early: new AppError(409, 'too_early', 'Extension opens 30 minutes before the end.'),
  too_late: new AppError(409, 'too_late', 'Extension closes 30 minutes after the end.'),
  ends_after_closing: new AppError(409, 'ends_after_closing', 'The extension would end after 22:00.'),
  next_hour_taken: new AppError(409, 'next_hour_taken', 'The next hour is already booked by someone else.'),
};

const NOT_PAIRED = new AppError(403, 'not_paired', 'Pair a school locker first.');
const NOT_FOUND = new AppError(404, 'not_found', 'No such booking.');

/** Why the person was refunded without asking, in their words (mail). */
const REFUND_REASONS: Record<Locale, Record<string, string>> = {
  fr: {
    locker_unavailable: "le casier a été libéré par un administrateur et n'est plus disponible.",
    hold_expired: 'le paiement est arrivé après la fin de la réservation provisoire du créneau.',
    slot_lost: "le créneau n'était plus libre quand le paiement est arrivé.",
    extension_unavailable: "l'heure suivante n'était plus libre quand le paiement est arrivé.",
    cancelled: 'vous avez annulé la réservation.',
    account_deleted: 'votre compte a été supprimé.',
    other: 'le créneau ne peut plus être honoré.',
  },
  en: {
    locker_unavailable: 'the locker was freed by an administrator and is no longer available.',
    hold_expired: 'the payment arrived after the slot’s provisional hold had ended.',
    slot_lost: 'the slot was no longer free when the payment arrived.',
    extension_unavailable: 'the next hour was no longer free when the payment arrived.',
    cancelled: 'you cancelled the booking.',
    account_deleted: 'your account was deleted.',
    other: 'the slot can no longer be honoured.',
  },
};

export interface BookingServiceDeps {
  bookings: BookingRepository;
  payments: PaymentRepository;
  lockers: LockerRepository;
  pairings: PairingRepository;
  users: UserRepository;
  audit: AuditRepository;
  bus: EventBus;
  postman: Postman;
  provider: PaymentProvider;
  clock: Clock;
  /** Where Stripe sends people back to, and the link in mails. */
  appUrl: string;
  logger: Logger;
  /** Runs `work` in one database transaction, with the repositories bound to it. */
  atomically: <T>(work: (tx: BookingTransaction) => Promise<T>) => Promise<T>;
}

/** The repositories a payment is applied with, all in one transaction. */
export interface BookingTransaction {
  bookings: BookingRepository;
  payments: PaymentRepository;
  audit: AuditRepository;
}

/** A payment claimed, and what it did to its booking inside the same transaction. */
type AppliedPayment =
  | { payment: PaymentRow; purpose: 'booking'; confirmed: BookingRow | null }
  | { payment: PaymentRow; purpose: 'extension'; extended: BookingRow | null };

/** How long a paid payment is left to its own request before the clock refunds it as owed. */
const OWED_REFUND_AFTER_MS = 2 * 60_000;

/**
 * School bookings paid with Stripe Checkout (issue 5, SPEC §5). The booking's state changes only
 * through the domain's state machine, applied by guarded statements (BookingRepository), and a
 * payment is applied by one function keyed by the Checkout Session id (`applyCheckout`), called
 * by the webhook and the success page alike.
 */
export class BookingService {
  constructor(private readonly deps: BookingServiceDeps) {}

  // ── Reading ───────────────────────────────────────────────────────────────────────────────

  async calendar(user: UserRow): Promise<CalendarView> {
    const { locker, site } = await this.#pairedSchoolLocker(user.id);
    const now = this.deps.clock.now();
    const days = bookingCalendar(now, [], site.timeZone);
    const first = days[0]?.hours[0]?.startsAt ?? now;
    const last = days.at(-1)?.hours.at(-1)?.endsAt ?? now;
    const held = await this.deps.bookings.heldRanges(locker.id, first, last);
    const calendar: CalendarDay[] = bookingCalendar(
      now,
      held.flatMap((h) => (h.endsAt ? [{ startsAt: h.startsAt, endsAt: h.endsAt, mine: h.userId === user.id }] : [])),
      site.timeZone,
    );
    return {
      lockerId: locker.id,
      lockerName: locker.name,
      timeZone: site.timeZone,
      now: now.toISOString(),
      lockerOnline: locker.online,
      rules: BOOKING_RULES,
      days: calendar.map((day) => ({
        date: day.date,
        hours: day.hours.map((h) => ({
          hour: h.hour,
          startsAt: h.startsAt.toISOString(),
          endsAt: h.endsAt.toISOString(),
          state: h.state,
        })),
      })),
    };
  }

  async current(user: UserRow): Promise<BookingView[]> {
    const now = this.deps.clock.now();
    const rows = await this.deps.bookings.currentForUser(user.id, new Date(now.getTime() - 30 * 60_000));
    return Promise.all(rows.map((r) => this.#view(r, now)));
  }

  async get(user: UserRow, id: string): Promise<BookingView> {
    const found = await this.deps.bookings.findWithLocker(id);
    if (!found || found.booking.userId !== user.id) throw NOT_FOUND;
    return this.#view(found, this.deps.clock.now());
  }

  /** Whether `user` may open `lockerId` now because of a paid booking (OpenService). */
  async hasRunningBooking(userId: string, lockerId: string): Promise<boolean> {
    return (await this.deps.bookings.runningFor(userId, lockerId, this.deps.clock.now())) !== null;
  }

  // ── Booking and paying ───────────────────────────────────────────────────────────────────

  async book(
    user: UserRow,
    request: { date: string; startHour: number; durationHours: number },
  ): Promise<{ booking: BookingView; checkoutUrl: string; warning: 'locker_offline' | null }> {
    const { locker, site } = await this.#pairedSchoolLocker(user.id);
    // Issue 11: a locker out of service takes no new booking (the ones it has stand).
    if (isOutOfService(locker)) throw OUT_OF_SERVICE;
    const now = this.deps.clock.now();
    const decision = validateBookingRequest(request, now, site.timeZone);
    if (!decision.ok) throw RULE_REFUSALS[decision.code];
    let warning: 'locker_offline' | null = null;
    if (!locker.online) {
      if (decision.startsAt.getTime() - now.getTime() < OFFLINE_REFUSAL_WITHIN_MS) {
        throw new AppError(
          409,
          'locker_offline',
          'The locker is offline; bookings starting within the hour are refused.',
        );
      }
      warning = 'locker_offline';
    }
    const holdExpiresAt = new Date(now.getTime() + HOLD_MS);
    // The database decides between concurrent requests for one slot (exclusion constraint).
    const claim = await this.deps.bookings.createPending({
      userId: user.id,
      lockerId: locker.id,
      startsAt: decision.startsAt,
      endsAt: decision.endsAt,
      amountCents: decision.amountCents,
      holdExpiresAt,
    });
    if (!claim.ok) throw new AppError(409, 'slot_taken', 'Someone else has just booked this slot. Pick another one.');
    const booking = claim.value;
    // One unpaid hold per person, checked after the claim so that concurrent requests for one
    // slot are told apart by the database alone: all but one hear `slot_taken`.
    if (await this.deps.bookings.hasOtherPending(user.id, booking.id)) {
      await this.deps.bookings.apply(booking.id, 'cancelled_by_user', {
        holdExpiresAt: null,
        statusReason: 'booking_pending',
      });
      throw new AppError(
        409,
        'booking_pending',
        'You already have a booking waiting for payment: pay or cancel it first.',
      );
    }
    const hours = request.durationHours;
    let payment: PaymentRow;
    try {
      payment = await this.#openCheckout(user, booking, locker.name, {
        purpose: 'booking',
        amountCents: booking.amountCents,
        description: `Casier ${locker.name} — ${hours} h`,
        idempotencyKey: `booking:${booking.id}`,
        expiresAt: holdExpiresAt,
        extensionEndsAt: null,
      });
    } catch (error) {
      // No payment page, no hold: give the slot back at once.
      await this.deps.bookings.apply(booking.id, 'cancelled_by_user', { statusReason: 'payment_unavailable' });
      throw this.#providerError(error);
    }
    await this.deps.audit.record({
      actorKind: 'user',
      actorId: user.id,
      action: 'booking.created',
      lockerId: locker.id,
      data: { bookingId: booking.id, startsAt: booking.startsAt.toISOString(), amountCents: booking.amountCents },
    });
    const view = await this.#view({ booking, lockerName: locker.name, timeZone: site.timeZone }, now);
    this.deps.bus.emit('booking.changed', { userId: user.id, booking: view });
    return { booking: view, checkoutUrl: payment.checkoutUrl ?? '', warning };
  }

  async extend(user: UserRow, id: string): Promise<{ booking: BookingView; checkoutUrl: string }> {
    const found = await this.deps.bookings.findWithLocker(id);
    if (!found || found.booking.userId !== user.id) throw NOT_FOUND;
    const { booking, lockerName } = found;
    if (await this.deps.lockers.isOutOfService(booking.lockerId)) throw OUT_OF_SERVICE;
    const now = this.deps.clock.now();
    const offer = await this.#extensionOffer(booking, now, found.timeZone);
    if (offer.refusal) throw EXTENSION_REFUSALS[offer.refusal];
    const endsAt = booking.endsAt as Date;
    const newEndsAt = offer.newEndsAt as Date;
    const open = await this.deps.payments.openFor(booking.id, 'extension', now);
    if (open?.checkoutUrl && open.extensionEndsAt?.getTime() === newEndsAt.getTime()) {
      return { booking: await this.#view(found, now), checkoutUrl: open.checkoutUrl };
    }
    const attempt = await this.deps.payments.countFor(booking.id, 'extension');
    let payment: PaymentRow;
    try {
      payment = await this.#openCheckout(user, booking, lockerName, {
        purpose: 'extension',
        amountCents: offer.amountCents,
        description: `Casier ${lockerName} — prolongation d'une heure`,
        idempotencyKey: `extension:${booking.id}:${endsAt.toISOString()}:${attempt}`,
        expiresAt: new Date(now.getTime() + HOLD_MS),
        extensionEndsAt: newEndsAt,
      });
    } catch (error) {
      throw this.#providerError(error);
    }
    await this.deps.audit.record({
      actorKind: 'user',
      actorId: user.id,
      action: 'booking.extension_requested',
      lockerId: booking.lockerId,
      data: { bookingId: booking.id, newEndsAt: newEndsAt.toISOString() },
    });
    return { booking: await this.#view(found, now), checkoutUrl: payment.checkoutUrl ?? '' };
  }

  /** The success page: applies the session if it is this person's and paid; grants nothing otherwise. */
  async confirmReturn(user: UserRow, sessionId: string): Promise<{ paid: boolean; booking: BookingView | null }> {
    const payment = await this.deps.payments.findBySession(sessionId);
    if (!payment || payment.userId !== user.id) return { paid: false, booking: null };
    const session = await this.deps.provider.retrieveCheckout(sessionId).catch((error: unknown) => {
      throw this.#providerError(error);
    });
    if (session) await this.applyCheckout(session);
    const found = await this.deps.bookings.findWithLocker(payment.bookingId);
    const fresh = await this.deps.payments.findBySession(sessionId);
    return {
      paid: fresh?.status === 'paid' || fresh?.status === 'refunded',
      booking: found ? await this.#view(found, this.deps.clock.now()) : null,
    };
  }

  async cancel(user: UserRow, id: string): Promise<BookingView> {
    const found = await this.deps.bookings.findWithLocker(id);
    if (!found || found.booking.userId !== user.id) throw NOT_FOUND;
    const { booking } = found;
    const now = this.deps.clock.now();
    if (booking.status === 'confirmed' && booking.startsAt.getTime() <= now.getTime()) {
      throw new AppError(409, 'already_started', 'This booking has started; it ends by itself at its end time.');
    }
    const cancelled = await this.deps.bookings.apply(id, 'cancelled_by_user', {
      holdExpiresAt: null,
      statusReason: 'cancelled',
    });
    if (!cancelled) throw new AppError(409, 'not_cancellable', 'This booking can no longer be cancelled.');
    await this.deps.audit.record({
      actorKind: 'user',
      actorId: user.id,
      action: 'booking.cancelled',
      lockerId: booking.lockerId,
      data: { bookingId: id, previousStatus: booking.status },
    });
    if (booking.status === 'pending') {
      // Close the payment page so no money can arrive for a slot given back.
      const open = await this.deps.payments.openFor(id, 'booking', now);
      if (open) await this.deps.provider.expireCheckout(open.providerSessionId).catch(() => undefined);
    } else {
      await this.#refundAll(cancelled, 'cancelled', { notify: false });
    }
    return this.#publish(id);
  }

  /**
   * The one way a payment is applied, keyed by the Checkout Session id: the webhook, its retries and
   * duplicates, and the success page all land here, and only the caller that flips the payment row
   * to `paid` changes the booking.
   */
  async applyCheckout(session: CheckoutSession): Promise<void> {
    const payment = await this.deps.payments.findBySession(session.id);
    // A session we did not create (or another environment's) grants nothing.
    if (!payment) return;
    if (session.amountTotal !== payment.amountCents) {
      this.deps.logger.error({ sessionId: session.id }, 'checkout amount differs from the payment row; ignored');
      return;
    }
    if (session.paymentStatus !== 'paid') {
      if (session.status === 'expired') await this.#checkoutLapsed(payment);
      return;
    }
    const now = this.deps.clock.now();
    // The claim, the booking's change and their audit rows commit together: a server killed in
    // between leaves nothing applied (Stripe's retry or the success page applies it then), never
    // a payment marked paid whose booking was not moved. What reaches outside (refund, mail,
    // live event) follows the commit.
    const applied = await this.deps.atomically(async (tx): Promise<AppliedPayment | null> => {
      const claimed = await tx.payments.claimPaid(session.id, session.paymentIntentId, now);
      if (!claimed) return null;
      await tx.audit.record({
        actorKind: 'system',
        action: 'payment.succeeded',
        lockerId: null,
        subjectUserId: claimed.userId,
        data: { bookingId: claimed.bookingId, purpose: claimed.purpose, amountCents: claimed.amountCents },
      });
      return claimed.purpose === 'booking'
        ? { payment: claimed, purpose: 'booking', confirmed: await this.#confirmPaid(tx, claimed, now) }
        : { payment: claimed, purpose: 'extension', extended: await this.#extendPaid(tx, claimed, now) };
    });
    if (!applied) return;
    if (applied.purpose === 'booking') await this.#bookingPaid(applied.payment, applied.confirmed, now);
    else await this.#extensionPaid(applied.payment, applied.extended);
  }

  /** A verified webhook event, already de-duplicated by id (PaymentWebhook). */
  async handlePaymentEvent(event: PaymentEvent): Promise<void> {
    switch (event.kind) {
      case 'checkout_completed':
      case 'async_payment_succeeded':
      case 'checkout_expired':
        await this.applyCheckout(event.session);
        return;
      case 'async_payment_failed': {
        const payment = await this.deps.payments.markUnpaid(event.session.id, 'failed');
        if (!payment) return;
        if (payment.purpose === 'booking') {
          await this.deps.bookings.apply(payment.bookingId, 'payment_failed', {
            holdExpiresAt: null,
            statusReason: 'payment_failed',
          });
        }
        await this.#publish(payment.bookingId);
        return;
      }
      case 'charge_refunded': {
        const payment = await this.deps.payments.findByPaymentIntent(event.paymentIntentId);
        if (!payment || !event.fullyRefunded) return;
        // A refund made from the Stripe dashboard: record it; ours are already recorded.
        const refunded = await this.deps.payments.markRefunded(payment.id, null, this.deps.clock.now());
        if (refunded && payment.purpose === 'booking') {
          await this.deps.bookings.apply(payment.bookingId, 'refund_issued', { statusReason: 'refunded' });
          await this.#publish(payment.bookingId);
        }
        return;
      }
      case 'ignored':
        return;
    }
  }

  /**
   * An administrator made the locker unavailable: every paid booking of it that has not ended is
   * refunded and its owner told (issue 5: never "contact support"); unpaid holds are cancelled.
   */
  async releaseLocker(lockerId: string, adminId: string): Promise<number> {
    const live = await this.deps.bookings.liveOnLocker(lockerId);
    let refunded = 0;
    for (const booking of live) {
      if (await this.#settle(booking, 'locker_unavailable')) refunded++;
      await this.deps.audit.record({
        actorKind: 'admin',
        actorId: adminId,
        action: 'booking.released_by_admin',
        lockerId,
        subjectUserId: booking.userId,
        data: { bookingId: booking.id },
      });
      await this.#publish(booking.id);
    }
    return refunded;
  }

  /**
   * Issue 11 "force-free": the booking running on a school locker now ends at once, logged as
   * ended by an administrator, refunded in full when asked. Null when nothing runs there.
   */
  async freeLocker(
    lockerId: string,
    adminId: string,
    options: { refund: boolean; reason: string },
  ): Promise<{ bookingId: string; refunded: boolean } | null> {
    const now = this.deps.clock.now();
    const running = (await this.deps.bookings.liveOnLocker(lockerId)).find(
      (b) => b.status !== 'pending' && b.startsAt <= now && (b.endsAt?.getTime() ?? 0) > now.getTime(),
    );
    if (!running) return null;
    // Ended first, refunded after: a refunded booking is still one that ended now, by an
    // administrator, so the history shows when and why (not the end it was booked until), and
    // the pairing is let go as at any end.
    const ended = await this.deps.bookings.apply(running.id, 'end_reached', { endedAt: now, endReason: 'admin' });
    // The clock's tick or another administrator ended it in between: nothing runs any more.
    if (!ended) return null;
    await this.deps.audit.record({
      actorKind: 'admin',
      actorId: adminId,
      action: 'booking.freed_by_admin',
      lockerId,
      subjectUserId: running.userId,
      data: { bookingId: running.id, refund: options.refund, reason: options.reason },
    });
    if (options.refund) await this.#refundAll(ended, 'locker_unavailable', { notify: true });
    await this.#ended(ended, now);
    return { bookingId: running.id, refunded: options.refund };
  }

  /**
   * Erasing an account (AccountService) settles its bookings first: unpaid holds are let go, paid
   * ones refunded — the money is theirs whether or not they keep the account.
   */
  async releaseUser(userId: string): Promise<void> {
    for (const booking of await this.deps.bookings.liveForUser(userId)) {
      await this.#settle(booking, 'account_deleted');
      await this.#publish(booking.id);
    }
  }

  /** Lets a live booking go: an unpaid hold is cancelled, a paid one refunded. True when money went back. */
  async #settle(booking: BookingRow, reason: string): Promise<boolean> {
    if (booking.status === 'pending') {
      await this.deps.bookings.apply(booking.id, 'cancelled_by_user', { holdExpiresAt: null, statusReason: reason });
      const open = await this.deps.payments.openFor(booking.id, 'booking', this.deps.clock.now());
      if (open) await this.deps.provider.expireCheckout(open.providerSessionId).catch(() => undefined);
      return false;
    }
    await this.#refundAll(booking, reason, { notify: true });
    return true;
  }

  // ── The clock (BookingScheduler) ──────────────────────────────────────────────────────────

  /**
   * One pass of every time-driven change. Each is a single guarded statement, so with several
   * server instances ticking at once every booking is moved, logged and announced exactly once.
   */
  async tick(): Promise<{ expiredHolds: number; started: number; completed: number; reminded: number }> {
    const now = this.deps.clock.now();
    const expiredHolds = await this.deps.bookings.expireHolds(now);
    for (const booking of expiredHolds) {
      const open = await this.deps.payments.openFor(booking.id, 'booking', new Date(0));
      if (open) {
        await this.deps.payments.markUnpaid(open.providerSessionId, 'expired');
        await this.deps.provider.expireCheckout(open.providerSessionId).catch(() => undefined);
      }
      await this.#publish(booking.id);
    }
    const started = await this.deps.bookings.startDue(now);
    for (const booking of started) await this.#publish(booking.id);
    const completed = await this.deps.bookings.completeDue(now);
    for (const booking of completed) await this.#ended(booking, now);
    // Refunds a crash or a provider outage left owing (applyCheckout's side effects come after its commit).
    for (const payment of await this.deps.payments.owedRefunds(new Date(now.getTime() - OWED_REFUND_AFTER_MS))) {
      await this.#refundOwed(payment).catch((error: unknown) =>
        this.deps.logger.warn({ err: error, paymentId: payment.id }, 'owed refund not made; the next tick tries again'),
      );
    }
    const reminded = await this.deps.bookings.claimReminders(now, REMINDER_BEFORE_END_MS);
    for (const booking of reminded) {
      if (!booking.userId || !booking.endsAt) continue;
      const found = await this.deps.lockers.findWithSite(booking.lockerId);
      const timeZone = found?.site.timeZone ?? DEFAULT_SITE_TIME_ZONE;
      const offer = await this.#extensionOffer(booking, now, timeZone);
      this.deps.bus.emit('booking.reminder', {
        userId: booking.userId,
        bookingId: booking.id,
        endsAt: booking.endsAt.toISOString(),
        extensionOffered: offer.refusal === null || offer.refusal === 'too_early',
        lockerName: found?.locker.name ?? booking.lockerId,
        endsAtLocal: siteTimeFormatter(timeZone).local(booking.endsAt).slice(-5),
      });
    }
    return {
      expiredHolds: expiredHolds.length,
      started: started.length,
      completed: completed.length,
      reminded: reminded.length,
    };
  }

  // ── Inside ────────────────────────────────────────────────────────────────────────────────

  async #pairedSchoolLocker(userId: string): Promise<LockerWithSite> {
    const lockerId = await this.deps.pairings.activeLockerOf(userId);
    const found = lockerId ? await this.deps.lockers.findWithSite(lockerId) : null;
    if (!found) throw NOT_PAIRED;
    if (found.locker.type !== 'school') {
      throw new AppError(
        409,
        'not_school_locker',
        'Only school lockers are booked; sport lockers are for Premium sessions.',
      );
    }
    return found;
  }

  async #openCheckout(
    user: UserRow,
    booking: BookingRow,
    lockerName: string,
    payment: {
      purpose: 'booking' | 'extension';
      amountCents: number;
      description: string;
      idempotencyKey: string;
      expiresAt: Date;
      extensionEndsAt: Date | null;
    },
  ): Promise<PaymentRow> {
    const endsAt = payment.extensionEndsAt ?? (booking.endsAt as Date);
    const session = await this.deps.provider.createCheckout({
      purpose: payment.purpose,
      bookingId: booking.id,
      userId: user.id,
      lockerId: booking.lockerId,
      startsAt: booking.startsAt,
      endsAt,
      amountCents: payment.amountCents,
      currency: 'eur',
      description: payment.description || lockerName,
      customerEmail: user.email,
      successUrl: `${this.deps.appUrl}/reservation/retour?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${this.deps.appUrl}/reserver?paiement=annule`,
      expiresAt: payment.expiresAt,
      idempotencyKey: payment.idempotencyKey,
    });
    return this.deps.payments.create({
      bookingId: booking.id,
      userId: user.id,
      purpose: payment.purpose,
      provider: this.deps.provider.name,
      providerSessionId: session.id,
      amountCents: payment.amountCents,
      checkoutUrl: session.url,
      expiresAt: session.expiresAt,
      extensionEndsAt: payment.extensionEndsAt,
    });
  }

  /** Inside the payment's transaction: the booking confirmed and logged, or null when its hold was let go. */
  async #confirmPaid(tx: BookingTransaction, payment: PaymentRow, now: Date): Promise<BookingRow | null> {
    const confirmed = await tx.bookings.apply(payment.bookingId, 'payment_succeeded', { holdExpiresAt: null });
    if (!confirmed) return null;
    await tx.audit.record({
      actorKind: 'system',
      action: 'booking.confirmed',
      lockerId: confirmed.lockerId,
      subjectUserId: confirmed.userId,
      data: { bookingId: confirmed.id },
    });
    // A slot already under way becomes active without waiting for the next tick.
    if (confirmed.startsAt.getTime() <= now.getTime()) {
      return (await tx.bookings.apply(confirmed.id, 'start_reached')) ?? confirmed;
    }
    return confirmed;
  }

  /** Inside the payment's transaction: the booking one hour longer and logged, or null when the hour was gone. */
  async #extendPaid(tx: BookingTransaction, payment: PaymentRow, now: Date): Promise<BookingRow | null> {
    const newEndsAt = payment.extensionEndsAt;
    if (!newEndsAt) throw new Error(`extension payment ${payment.id} has no end`);
    const fromEndsAt = new Date(newEndsAt.getTime() - 3_600_000);
    const claim = await tx.bookings.extend(payment.bookingId, fromEndsAt, newEndsAt, payment.amountCents);
    if (!claim.ok || claim.value === null) return null;
    await tx.audit.record({
      actorKind: 'system',
      action: 'booking.extended',
      lockerId: claim.value.lockerId,
      subjectUserId: claim.value.userId,
      data: { bookingId: claim.value.id, endsAt: newEndsAt.toISOString(), at: now.toISOString() },
    });
    return claim.value;
  }

  /** After the commit: the booking's confirmation mailed, or the money sent back when the slot was let go. */
  async #bookingPaid(payment: PaymentRow, confirmed: BookingRow | null, now: Date): Promise<void> {
    if (!confirmed) {
      // The hold lapsed or was cancelled before the money arrived: the slot may be someone
      // else's now. The money goes back, and the person is told.
      await this.#refundOwed(payment);
      return;
    }
    await this.#mailConfirmation(confirmed, now);
    await this.#publish(confirmed.id);
  }

  /** After the commit: the pairing given back if the booking had ended, or the money sent back. */
  async #extensionPaid(payment: PaymentRow, extended: BookingRow | null): Promise<void> {
    if (!extended) {
      // Someone booked the next hour (or the booking moved on) between the offer and the payment.
      await this.#refundOwed(payment);
      return;
    }
    // Extending after the end: the pairing was released at expiry; the person gets it back.
    if (extended.userId && (await this.deps.pairings.activeLockerOf(extended.userId)) === null) {
      const repaired = await this.deps.pairings.create(extended.userId, extended.lockerId, 'school');
      if (repaired.ok) this.deps.bus.emit('pairing.changed', { userId: extended.userId, lockerId: extended.lockerId });
    }
    await this.#publish(extended.id);
  }

  /**
   * A paid payment that bought nothing: refunded (the idempotency key makes a second attempt the
   * same refund), its booking marked refunded, and the person told.
   */
  async #refundOwed(payment: PaymentRow): Promise<void> {
    const found = await this.deps.bookings.findWithLocker(payment.bookingId);
    if (payment.purpose === 'booking') {
      const letGo = found?.booking.status === 'cancelled' || found?.booking.statusReason === 'cancelled';
      const reason = letGo ? 'cancelled' : 'hold_expired';
      await this.#refundPayment(payment, reason);
      // Told once: by whoever moved the booking to refunded.
      const marked = await this.deps.bookings.apply(payment.bookingId, 'refund_issued', { statusReason: reason });
      if (found && marked) await this.#notifyRefund(found.booking, reason);
    } else {
      const refunded = await this.#refundPayment(payment, 'extension_unavailable');
      if (found && refunded) {
        await this.#notifyRefund({ ...found.booking, amountCents: payment.amountCents }, 'extension_unavailable');
      }
    }
    await this.#publish(payment.bookingId);
  }

  /** A payment page lapsed: its payment is closed, and a booking still waiting for it lets the slot go. */
  async #checkoutLapsed(payment: PaymentRow): Promise<void> {
    const closed = await this.deps.payments.markUnpaid(payment.providerSessionId, 'expired');
    if (!closed || payment.purpose !== 'booking') return;
    const expired = await this.deps.bookings.apply(payment.bookingId, 'hold_expired', {
      holdExpiresAt: null,
      statusReason: 'hold_expired',
    });
    if (expired) await this.#publish(expired.id);
  }

  /** The booking ran out (`completeDue`): logged, and the pairing released unless another booking follows. */
  async #ended(booking: BookingRow, now: Date): Promise<void> {
    await this.deps.audit.record({
      actorKind: 'system',
      action: 'booking.ended',
      lockerId: booking.lockerId,
      subjectUserId: booking.userId,
      data: { bookingId: booking.id, endedAt: booking.endedAt?.toISOString() ?? null },
    });
    // The lock re-engages by itself after every 4 s pulse (SPEC §2): no open command will be
    // accepted from now on, which is what "locked" means for a school locker.
    const userId = booking.userId;
    if (userId && !(await this.deps.bookings.hasAhead(userId, booking.lockerId, now))) {
      const lockerId = await this.deps.pairings.activeLockerOf(userId);
      if (lockerId === booking.lockerId) {
        await this.deps.pairings.end(userId, 'system', now);
        this.deps.bus.emit('pairing.changed', { userId, lockerId: null });
      }
    }
    await this.#publish(booking.id);
  }

  async #refundAll(booking: BookingRow, reason: string, options: { notify: boolean }): Promise<void> {
    for (const payment of await this.deps.payments.paidFor(booking.id)) await this.#refundPayment(payment, reason);
    await this.deps.bookings.apply(booking.id, 'refund_issued', { statusReason: reason, holdExpiresAt: null });
    if (options.notify) await this.#notifyRefund(booking, reason);
  }

  /** True when this caller recorded the refund (a concurrent one for the same payment gets false). */
  async #refundPayment(payment: PaymentRow, reason: string): Promise<boolean> {
    const paymentIntentId = payment.providerPaymentIntentId;
    if (!paymentIntentId || payment.status === 'refunded') return false;
    // The idempotency key makes a retried refund (crash, concurrent path) the same refund.
    const { refundId } = await this.deps.provider.refund({
      paymentIntentId,
      amountCents: payment.amountCents,
      idempotencyKey: `refund:${payment.id}`,
      metadata: { booking_id: payment.bookingId, reason },
    });
    const recorded = await this.deps.payments.markRefunded(payment.id, refundId, this.deps.clock.now());
    if (!recorded) return false;
    await this.deps.audit.record({
      actorKind: 'system',
      action: 'payment.refunded',
      lockerId: null,
      subjectUserId: payment.userId,
      data: { bookingId: payment.bookingId, amountCents: payment.amountCents, reason },
    });
    return true;
  }

  async #notifyRefund(booking: BookingRow, reason: string): Promise<void> {
    const found = await this.#ownerAndSlot(booking);
    if (!found) return;
    const locale = localeOf(found.user.locale);
    const reasons = REFUND_REASONS[locale];
    const why = (Object.hasOwn(reasons, reason) ? reasons[reason] : undefined) ?? reasons.other ?? '';
    this.deps.postman.post(bookingRefundedMail(found.user.email, found.user.name, found.slot, why, locale));
  }

  async #mailConfirmation(booking: BookingRow, now: Date): Promise<void> {
    const found = await this.#ownerAndSlot(booking);
    if (!found) return;
    const { user, slot } = found;
    this.deps.postman.post(bookingConfirmedMail(user.email, user.name, slot, this.deps.appUrl, now, user.locale));
  }

  /** Who to write to about a booking, and the slot as mails describe it; null for an erased owner. */
  async #ownerAndSlot(booking: BookingRow): Promise<{ user: UserRow; slot: BookedSlot } | null> {
    const user = booking.userId ? await this.deps.users.findById(booking.userId) : null;
    const found = await this.deps.lockers.findWithSite(booking.lockerId);
    if (!user || !found || !booking.endsAt) return null;
    return {
      user,
      slot: {
        bookingId: booking.id,
        lockerName: found.locker.name,
        siteName: found.site.name,
        startsAt: booking.startsAt,
        endsAt: booking.endsAt,
        amountCents: booking.amountCents,
        timeZone: found.site.timeZone,
      },
    };
  }

  /** Re-reads a booking and tells its owner's browsers. */
  async #publish(id: string): Promise<BookingView> {
    const found = await this.deps.bookings.findWithLocker(id);
    if (!found) throw NOT_FOUND;
    const view = await this.#view(found, this.deps.clock.now());
    if (found.booking.userId) this.deps.bus.emit('booking.changed', { userId: found.booking.userId, booking: view });
    return view;
  }

  async #extensionOffer(
    booking: BookingRow,
    now: Date,
    timeZone: string,
  ): Promise<{ refusal: ExtensionRefusal | 'next_hour_taken' | null; newEndsAt: Date | null; amountCents: number }> {
    if (!booking.endsAt) return { refusal: 'not_extendable', newEndsAt: null, amountCents: 0 };
    const decision = decideExtension({ state: booking.status, endsAt: booking.endsAt }, now, timeZone);
    if (!decision.ok) return { refusal: decision.code, newEndsAt: null, amountCents: 0 };
    const free = await this.deps.bookings.isFree(booking.lockerId, booking.endsAt, decision.newEndsAt, booking.id);
    if (!free) return { refusal: 'next_hour_taken', newEndsAt: null, amountCents: 0 };
    return { refusal: null, newEndsAt: decision.newEndsAt, amountCents: decision.amountCents };
  }

  async #view({ booking, lockerName, timeZone }: BookingWithLocker, now: Date): Promise<BookingView> {
    const endsAt = booking.endsAt ?? booking.startsAt;
    const pending = booking.status === 'pending';
    const open = pending ? await this.deps.payments.openFor(booking.id, 'booking', now) : null;
    const offer =
      booking.status === 'active' || booking.status === 'completed'
        ? await this.#extensionOffer(booking, now, timeZone)
        : { refusal: 'not_extendable' as const, newEndsAt: null, amountCents: 0 };
    const running =
      (booking.status === 'active' || booking.status === 'confirmed') &&
      booking.startsAt.getTime() <= now.getTime() &&
      endsAt.getTime() > now.getTime();
    return {
      id: booking.id,
      lockerId: booking.lockerId,
      lockerName,
      status: booking.status,
      startsAt: booking.startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      amountCents: booking.amountCents,
      currency: 'eur',
      holdExpiresAt: booking.holdExpiresAt?.toISOString() ?? null,
      checkoutUrl: open?.checkoutUrl ?? null,
      statusReason: booking.statusReason,
      extension: {
        offered: offer.refusal === null,
        newEndsAt: offer.newEndsAt?.toISOString() ?? null,
        amountCents: offer.refusal === null ? offer.amountCents : 0,
        refusal: offer.refusal,
      },
      canOpen: running,
    };
  }

  #providerError(error: unknown): AppError {
    if (error instanceof AppError) return error;
    if (error instanceof PaymentProviderError) {
      this.deps.logger.error({ err: error }, 'payment provider failed');
      return new AppError(502, 'payment_unavailable', 'Payment is unavailable right now. Try again in a moment.');
    }
    throw error;
  }
}
