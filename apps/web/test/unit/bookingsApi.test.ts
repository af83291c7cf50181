import { describe, expect, it } from 'vitest';
import { createBookingApi, readBookingReminder, readBookingView } from '../../src/api/bookings';
import { ApiError } from '../../src/api/client';
import { bookingMessageFor, messageFor } from '../../src/api/errorMessages';
import { ServerClock } from '../../src/api/serverClock';
import {
  bookingEndNotice,
  dayShortLabel,
  dayTitle,
  hourLabel,
  slotLabel,
} from '../../src/components/booking/bookingLabels';
import { parseBookingEvent, parseReminderEvent } from '../../src/live/eventParsing';
import { booking } from './bookingFixtures';

function answering(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const clock = new ServerClock();
  const api = createBookingApi(async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  }, clock);
  return { api, calls, clock };
}

describe('booking views', () => {
  it('reads a complete view as is', () => {
    const view = booking({
      status: 'pending',
      checkoutUrl: 'http://pay/cs_1',
      holdExpiresAt: '2025-03-12T08:15:00.000Z',
    });
    expect(readBookingView(JSON.parse(JSON.stringify(view)))).toEqual(view);
  });

  it('gives safe defaults to what a screen can live without', () => {
    const view = readBookingView({
      id: 'b1',
      status: 'active',
      startsAt: '2025-03-12T09:00:00.000Z',
      endsAt: '2025-03-12T11:00:00.000Z',
    });
    expect(view?.extension).toEqual({ offered: false, newEndsAt: null, amountCents: 0, refusal: null });
    expect(view?.canOpen).toBe(false);
    expect(view?.statusReason).toBeNull();
  });

  it('refuses what is not a booking', () => {
    expect(readBookingView(null)).toBeUndefined();
    expect(readBookingView({ ...booking(), status: 'paid' })).toBeUndefined();
    expect(readBookingView({ ...booking(), startsAt: 'soon' })).toBeUndefined();
  });

  it('parses the SSE `booking` and `reminder` events without throwing', () => {
    expect(parseBookingEvent(JSON.stringify(booking()))?.id).toBe('b1');
    expect(parseBookingEvent('{')).toBeUndefined();
    expect(
      parseReminderEvent('{"bookingId":"b1","endsAt":"2025-03-12T11:00:00.000Z","extensionOffered":true}'),
    ).toEqual({ bookingId: 'b1', endsAt: '2025-03-12T11:00:00.000Z', extensionOffered: true });
    expect(parseReminderEvent('{"bookingId":"b1"}')).toBeUndefined();
    expect(readBookingReminder({ bookingId: 'b1', endsAt: '2025-03-12T11:00:00.000Z' })?.extensionOffered).toBe(false);
  });
});

describe('booking api', () => {
  it('books a slot and returns where to pay', async () => {
    const { api, calls } = answering(201, {
      booking: booking({ status: 'pending' }),
      checkoutUrl: 'http://127.0.0.1:12111/pay/cs_1',
      warning: null,
    });
    const created = await api.create({ date: '2025-03-12', startHour: 10, durationHours: 2 });
    expect(created.checkoutUrl).toBe('http://127.0.0.1:12111/pay/cs_1');
    expect(created.warning).toBeNull();
    expect(calls[0]?.url).toBe('/api/bookings');
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      body: '{"date":"2025-03-12","startHour":10,"durationHours":2}',
    });
  });

  it("falls back on the booking's own Checkout URL", async () => {
    const { api } = answering(201, { booking: booking({ status: 'pending', checkoutUrl: 'http://pay/cs_2' }) });
    expect((await api.extend('b1')).checkoutUrl).toBe('http://pay/cs_2');
  });

  it('reads refusals as stable codes', async () => {
    const { api } = answering(409, { error: { code: 'slot_taken', message: 'Slot taken' } });
    const failure = await api.create({ date: '2025-03-12', startHour: 10, durationHours: 2 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ code: 'slot_taken', status: 409 });
  });

  it("samples the server's clock from the list and keeps only readable bookings", async () => {
    const { api, calls, clock } = answering(200, {
      now: '2040-01-01T00:00:00.000Z',
      bookings: [booking(), { id: 'broken' }],
    });
    const list = await api.list();
    expect(list.bookings.map((b) => b.id)).toEqual(['b1']);
    expect(calls[0]?.url).toBe('/api/bookings');
    expect(Math.abs(clock.now() - Date.parse('2040-01-01T00:00:00.000Z'))).toBeLessThan(5_000);
  });

  it('confirms a Checkout Session by its id', async () => {
    const { api, calls } = answering(200, { paid: false, booking: null });
    expect(await api.confirmPayment('cs_test_1')).toEqual({ paid: false, booking: null });
    expect(calls[0]).toMatchObject({
      url: '/api/payments/confirm',
      init: { method: 'POST', body: '{"sessionId":"cs_test_1"}' },
    });
  });

  it('escapes booking ids in paths', async () => {
    const { api, calls } = answering(200, { booking: booking({ status: 'cancelled' }) });
    await api.cancel('a/b');
    expect(calls[0]?.url).toBe('/api/bookings/a%2Fb/cancel');
  });
});

describe('booking wording', () => {
  it('has a French message for every booking error code', () => {
    const codes = [
      'slot_taken',
      'locker_offline',
      'invalid_date',
      'start_out_of_hours',
      'duration_out_of_range',
      'ends_after_closing',
      'date_in_past',
      'too_far_ahead',
      'start_in_past',
      'invalid_body',
      'not_paired',
      'not_school_locker',
      'booking_pending',
      'not_found',
      'too_early',
      'too_late',
      'next_hour_taken',
      'not_extendable',
    ];
    for (const code of codes) expect(bookingMessageFor(code), code).not.toContain('Une erreur est survenue');
  });

  it('says what a code means on the booking routes when it differs from elsewhere', () => {
    expect(bookingMessageFor('locker_offline')).not.toBe(messageFor('locker_offline'));
    expect(bookingMessageFor('locker_offline')).toContain("dans l'heure");
  });

  it('tells why a booking ended without the user', () => {
    expect(bookingEndNotice(booking({ status: 'refunded', statusReason: 'locker_unavailable' }))).toBe(
      "Réservation remboursée : le casier n'est plus disponible",
    );
    expect(bookingEndNotice(booking({ status: 'expired', statusReason: 'hold_expired' }))).toContain('Délai');
    expect(bookingEndNotice(booking({ status: 'active' }))).toBeNull();
  });

  it('formats dates and hours the French way, without a time-zone shift for calendar dates', () => {
    expect(hourLabel(9)).toBe('09:00');
    expect(dayShortLabel('2025-03-12')).toBe('mer. 12');
    expect(dayTitle('2025-03-12', 0)).toBe("Aujourd'hui · mercredi 12 mars");
    expect(dayTitle('2025-03-13', 1)).toBe('Demain · jeudi 13 mars');
    expect(slotLabel('2025-03-12T09:00:00.000Z', '2025-03-12T11:00:00.000Z', 'Europe/Brussels')).toBe(
      'mer. 12 mars · 10:00–12:00',
    );
  });
});
