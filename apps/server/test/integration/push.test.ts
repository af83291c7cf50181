import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import {
  browserPushKeys,
  decryptPush,
  type LocalPushService,
  startLocalPushService,
  vapidAuthorization,
} from '../../../../test-support/pushService';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * The booking reminder as a Web Push message (issue 5): a local push service over HTTPS (a
 * self-signed certificate, as web-push speaks nothing else) receives what the server sends, and
 * the test decrypts it as a browser would (RFC 8291, aes128gcm) to read the message.
 */

describe.each(databaseBackends())('booking reminders by Web Push on $name', (db) => {
  let system: TestSystem;
  let clock: ManualClock;
  let pushService: LocalPushService;
  let pushUrl: string;

  beforeAll(async () => {
    pushService = await startLocalPushService();
    pushUrl = pushService.url;
    clock = new ManualClock(new Date('2026-12-01T06:30:00Z'));
    system = await startTestSystem(
      db,
      EMBEDDED_BROKER,
      { BOOKING_TICK_S: '60' },
      { clock, pushAgent: pushService.agent },
    );
  });
  afterAll(async () => {
    await system?.dispose();
    await pushService?.close();
  });

  it('sends the 10-minute reminder, encrypted for each browser, and forgets a browser that is gone', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`push-${Date.now()}@example.org`);
    expect((await browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);

    const config = await browser.json<{ enabled: boolean; publicKey: string }>('GET', '/api/push/config');
    expect(config.body.enabled).toBe(true);
    expect(Buffer.from(config.body.publicKey, 'base64url')).toHaveLength(65);

    const phone = browserPushKeys();
    const laptop = browserPushKeys();
    for (const [name, keys] of [
      ['phone', phone],
      ['laptop', laptop],
    ] as const) {
      const saved = await browser.json('POST', '/api/push/subscriptions', {
        endpoint: `${pushUrl}/push/${name}`,
        expirationTime: null,
        keys: { p256dh: keys.p256dh, auth: keys.authB64 },
      });
      expect(saved.status).toBe(201);
    }
    pushService.gone.add('/push/laptop');

    const booked = await browser.json<{ booking: { id: string }; checkoutUrl: string }>('POST', '/api/bookings', {
      date: '2026-12-01',
      startHour: 10,
      durationHours: 1,
    });
    expect(booked.status).toBe(201);
    await system.stripeEmulator?.pay(booked.body.checkoutUrl.split('/').at(-1) ?? '', '4242424242424242');
    await system.stripeEmulator?.idle();
    clock.set(new Date('2026-12-01T09:50:00Z'));
    await system.bookings.tick();

    await expect.poll(() => pushService.received.filter((r) => r.path.startsWith('/push/')).length).toBe(2);
    const toPhone = pushService.received.find((r) => r.path === '/push/phone');
    if (!toPhone) throw new Error('nothing reached the phone');
    expect(toPhone.headers['content-encoding']).toBe('aes128gcm');
    expect(toPhone.headers.ttl).toBe('600');
    expect(toPhone.headers.urgency).toBe('high');
    // VAPID (RFC 8292): a JWT signed by the server's key, and that key.
    expect(toPhone.headers.authorization).toMatch(vapidAuthorization(config.body.publicKey));
    const message = JSON.parse(decryptPush(toPhone.body, phone)) as Record<string, string>;
    expect(message).toEqual({
      title: 'Plus que 10 minutes',
      body: "Votre réservation du Casier école test se termine à 11:00. Prolonger d'une heure ?",
      url: '/',
      tag: `booking-reminder-${booked.body.booking.id}`,
    });

    // The push service said 410 for the laptop: its subscription is gone, the phone's is kept.
    await expect
      .poll(async () => (await system.database.db.query.pushSubscriptions.findMany()).map((s) => s.endpoint))
      .toEqual([`${pushUrl}/push/phone`]);

    // Unsubscribing removes the phone too.
    expect(
      (await browser.json('DELETE', '/api/push/subscriptions', { endpoint: `${pushUrl}/push/phone` })).status,
    ).toBe(204);
    expect(await system.database.db.query.pushSubscriptions.findMany()).toEqual([]);
  });

  it('refuses subscriptions that are not https push endpoints with usable keys', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`push-bad-${Date.now()}@example.org`);
    const keys = browserPushKeys();
    for (const body of [
      { endpoint: 'http://127.0.0.1/push', keys: { p256dh: keys.p256dh, auth: keys.authB64 } },
      { endpoint: `${pushUrl}/push/x`, keys: { p256dh: 'short', auth: keys.authB64 } },
      { endpoint: `${pushUrl}/push/x` },
    ]) {
      const answer = await browser.json<{ error: { code: string } }>('POST', '/api/push/subscriptions', body);
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    }
  });
});
