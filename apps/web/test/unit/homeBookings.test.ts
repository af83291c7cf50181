import { describe, expect, it } from 'vitest';
import {
  applyBookingUpdate,
  canOpenAt,
  EXTENSION_WINDOW_MS,
  extensionOffered,
  extensionOpensAt,
  homeBookings,
  remindedBooking,
  stillShown,
} from '../../src/components/booking/homeBookings';
import { at, booking } from './bookingFixtures';

const offered = { offered: true, newEndsAt: new Date(at(13)).toISOString(), amountCents: 500, refusal: null };

describe('which bookings the home card shows', () => {
  it('shows the booking going on before the next one, and a pending one beside it', () => {
    const active = booking({ id: 'now', status: 'active', canOpen: true });
    const next = booking({
      id: 'next',
      startsAt: new Date(at(14)).toISOString(),
      endsAt: new Date(at(15)).toISOString(),
    });
    const pending = booking({ id: 'unpaid', status: 'pending', startsAt: new Date(at(16)).toISOString() });
    expect(homeBookings([next, pending, active], at(11))).toEqual({ current: active, pending });
    expect(homeBookings([next], at(11))).toEqual({ current: next, pending: null });
    expect(homeBookings([], at(11))).toEqual({ current: null, pending: null });
  });

  it('keeps an ended booking only while it can still be extended (30 min)', () => {
    const ended = booking({ status: 'completed', extension: offered });
    expect(stillShown(ended, at(12, 30))).toBe(true);
    expect(stillShown(ended, at(12) + EXTENSION_WINDOW_MS + 1)).toBe(false);
    expect(
      stillShown({ ...ended, extension: { ...offered, offered: false, refusal: 'next_hour_taken' } }, at(12, 5)),
    ).toBe(false);
    expect(homeBookings([ended], at(12, 10)).current).toEqual(ended);
  });

  it('drops refunded, expired and cancelled bookings when they arrive live', () => {
    const list = [booking({ id: 'a' }), booking({ id: 'b', startsAt: new Date(at(14)).toISOString() })];
    const refunded = booking({ id: 'a', status: 'refunded', statusReason: 'locker_unavailable' });
    expect(applyBookingUpdate(list, refunded, at(8)).map((b) => b.id)).toEqual(['b']);
  });

  it('replaces a booking by its newer view and keeps the list in start order', () => {
    const list = [booking({ id: 'late', startsAt: new Date(at(18)).toISOString() })];
    const extended = booking({ id: 'early', status: 'active', endsAt: new Date(at(13)).toISOString() });
    expect(applyBookingUpdate(list, extended, at(11)).map((b) => b.id)).toEqual(['early', 'late']);
    const again = applyBookingUpdate([extended], { ...extended, canOpen: true }, at(11));
    expect(again).toHaveLength(1);
    expect(again[0]?.canOpen).toBe(true);
  });
});

describe('what the card offers', () => {
  it('opens only during an active booking the server says is openable', () => {
    const active = booking({ status: 'active', canOpen: true });
    expect(canOpenAt([active], at(11))).toBe(true);
    expect(canOpenAt([active], at(12))).toBe(false);
    expect(canOpenAt([booking({ canOpen: false })], at(11))).toBe(false);
  });

  it('offers +1 h only when the server does, for a booking going on or just ended', () => {
    expect(extensionOffered(booking({ status: 'active', extension: offered }))).toBe(true);
    expect(extensionOffered(booking({ status: 'completed', extension: offered }))).toBe(true);
    expect(extensionOffered(booking({ status: 'active' }))).toBe(false);
    expect(extensionOffered(booking({ status: 'confirmed', extension: offered }))).toBe(false);
  });

  it('knows when a "too early" refusal turns into an offer: 30 min before the end', () => {
    const active = booking({ status: 'active' });
    expect(extensionOpensAt([active], at(11))).toBe(at(11, 30));
    expect(extensionOpensAt([active], at(11, 40))).toBeNull();
    expect(extensionOpensAt([booking({ status: 'active', extension: offered })], at(11))).toBeNull();
  });
});

describe('reminders', () => {
  const active = booking({ status: 'active', extension: offered });
  const reminder = { bookingId: 'b1', endsAt: active.endsAt, extensionOffered: true };

  it('holds while the booking has not been extended', () => {
    expect(remindedBooking(reminder, [active], at(11, 50))).toEqual(active);
    const extended = { ...active, endsAt: new Date(at(13)).toISOString() };
    expect(remindedBooking(reminder, [extended], at(11, 55))).toBeNull();
  });

  it('lapses when the booking is gone or its extension window is over', () => {
    expect(remindedBooking(reminder, [], at(11, 50))).toBeNull();
    expect(remindedBooking(reminder, [active], at(12) + EXTENSION_WINDOW_MS + 1)).toBeNull();
    expect(remindedBooking(null, [active], at(11, 50))).toBeNull();
  });
});
