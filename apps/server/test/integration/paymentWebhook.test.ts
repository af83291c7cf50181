import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signWebhookPayload } from '@smartlocker/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { databaseBackends, EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * The webhook endpoint (issue 5): signatures checked on the raw body with a 300 s tolerance,
 * events handled once by id, unknown types acknowledged. Real emulator deliveries are captured
 * and replayed at will.
 */

const MORNING = new Date('2026-12-01T06:30:00Z');
type BookingBody = { booking: { id: string; status: string }; checkoutUrl: string };

interface Captured {
  body: string;
  type: string;
  id: string;
}

async function captureServer(): Promise<{ server: Server; url: string; events: Captured[] }> {
  const events: Captured[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = JSON.parse(body) as { id: string; type: string };
      events.push({ body, type: parsed.type, id: parsed.id });
      response.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, events };
}

describe.each(databaseBackends())('the Stripe webhook endpoint on $name', (db) => {
  let system: TestSystem;
  let capture: Awaited<ReturnType<typeof captureServer>>;
  let n = 0;

  const secret = () => system.stripeEmulator?.webhookSecret ?? '';
  const post = (body: string, signature: string | null) =>
    fetch(`${system.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
      body,
    });
  const nowS = () => Math.floor(Date.now() / 1000);

  async function paidButUndelivered(): Promise<{
    booking: BookingBody['booking'];
    completed: Captured;
    browser: TestBrowser;
  }> {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('emulator expected');
    const browser = new TestBrowser(system.url);
    n++;
    await browser.signUp(`hook-${n}-${Date.now()}@example.org`);
    expect((await browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    const booked = await browser.json<BookingBody>('POST', '/api/bookings', {
      date: '2026-12-02',
      startHour: 8 + n,
      durationHours: 1,
    });
    expect(booked.status).toBe(201);
    const sessionId = booked.body.checkoutUrl.split('/').at(-1) ?? '';
    emulator.setWebhookUrl(capture.url);
    const before = capture.events.length;
    try {
      expect(await emulator.pay(sessionId, '4242 4242 4242 4242')).toEqual({ ok: true });
      await emulator.idle();
    } finally {
      emulator.setWebhookUrl(`${system.url}/webhooks/stripe`);
    }
    const completed = capture.events.slice(before).find((e) => e.type === 'checkout.session.completed');
    if (!completed) throw new Error('no checkout.session.completed captured');
    return { booking: booked.body.booking, completed, browser };
  }

  async function statusOf(browser: TestBrowser, id: string): Promise<string> {
    return (await browser.json<{ booking: { status: string } }>('GET', `/api/bookings/${id}`)).body.booking.status;
  }

  async function audit(action: string, bookingId: string): Promise<number> {
    const rows = await system.database.db.query.auditEvents.findMany();
    return rows.filter((r) => r.action === action && (r.data as { bookingId?: string }).bookingId === bookingId).length;
  }

  beforeAll(async () => {
    capture = await captureServer();
    system = await startTestSystem(db, EMBEDDED_BROKER, { BOOKING_TICK_S: '60' }, { clock: new ManualClock(MORNING) });
  });
  afterAll(async () => {
    await system?.dispose();
    await new Promise((resolve) => capture?.server.close(resolve));
  });

  it('applies the same event delivered 10 times at once exactly once', async () => {
    const { booking, completed, browser } = await paidButUndelivered();
    expect(await statusOf(browser, booking.id)).toBe('pending');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(completed.body, signWebhookPayload(completed.body, secret(), nowS()))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(await statusOf(browser, booking.id)).toBe('confirmed');
    expect(await audit('payment.succeeded', booking.id)).toBe(1);
    expect(await audit('booking.confirmed', booking.id)).toBe(1);
    // The event itself is in the audit trail once (issue 10).
    const webhookRows = (await system.database.db.query.auditEvents.findMany()).filter(
      (r) => r.action === 'payment.webhook' && (r.data as { eventId?: string }).eventId === completed.id,
    );
    expect(webhookRows).toHaveLength(1);
    expect(webhookRows[0]?.data).toMatchObject({ kind: 'checkout_completed', provider: 'stripe' });
    const seen = await system.database.db.query.processedWebhookEvents.findMany({
      where: (e, { eq }) => eq(e.id, completed.id),
    });
    expect(seen).toHaveLength(1);
    // A later redelivery is acknowledged as a duplicate.
    const again = await post(completed.body, signWebhookPayload(completed.body, secret(), nowS()));
    expect(await again.json()).toEqual({ received: true, duplicate: true });
  });

  it('refuses forged, tampered, unsigned and stale deliveries, changing nothing', async () => {
    const { booking, completed, browser } = await paidButUndelivered();
    const forged = await post(completed.body, signWebhookPayload(completed.body, 'whsec_not_the_secret', nowS()));
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: { code: 'invalid_signature' } });
    const tampered = completed.body.replace(/"amount_total":\s*500/, '"amount_total": 1');
    expect(tampered).not.toBe(completed.body);
    expect((await post(tampered, signWebhookPayload(completed.body, secret(), nowS()))).status).toBe(400);
    expect((await post(completed.body, null)).status).toBe(400);
    const stale = await post(completed.body, signWebhookPayload(completed.body, secret(), nowS() - 301));
    expect(stale.status).toBe(400);
    expect(await statusOf(browser, booking.id)).toBe('pending');
    // Just inside the tolerance it is accepted.
    const fresh = await post(completed.body, signWebhookPayload(completed.body, secret(), nowS() - 290));
    expect(fresh.status).toBe(200);
    expect(await statusOf(browser, booking.id)).toBe('confirmed');
  });

  it('acknowledges an event type it does not handle, once', async () => {
    const body = JSON.stringify({
      id: `evt_test_unknown_${Date.now()}`,
      object: 'event',
      type: 'customer.created',
      created: nowS(),
      livemode: false,
      data: { object: { id: 'cus_1', object: 'customer' } },
    });
    const answer = await post(body, signWebhookPayload(body, secret(), nowS()));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ received: true });
    const seen = await system.database.db.query.processedWebhookEvents.findMany();
    expect(seen.find((e) => e.type === 'customer.created')).toBeDefined();
  });

  it('answers 413 to a body far larger than any event', async () => {
    const body = JSON.stringify({ id: 'evt_big', padding: 'x'.repeat(600 * 1024) });
    const answer = await post(body, signWebhookPayload(body, secret(), nowS()));
    expect(answer.status).toBe(413);
  });
});

describe('webhooks delivered twice and out of order by the emulator', () => {
  let system: TestSystem;

  beforeAll(async () => {
    // A seeded generator: the same events are duplicated and held back on every run.
    let seed = 0x5eed;
    const random = () => {
      seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return seed / 2 ** 32;
    };
    system = await startTestSystem(
      EMBEDDED_DATABASE,
      EMBEDDED_BROKER,
      { STRIPE_EMULATOR_CHAOS: 'true', BOOKING_TICK_S: '60' },
      { clock: new ManualClock(MORNING), stripeEmulator: { chaos: { duplicate: true, outOfOrder: true, random } } },
    );
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('confirms every paid booking once whatever the delivery order', async () => {
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('emulator expected');
    const ids: string[] = [];
    const browsers: TestBrowser[] = [];
    for (let i = 0; i < 6; i++) {
      const browser = new TestBrowser(system.url);
      await browser.signUp(`chaos-${i}-${Date.now()}@example.org`);
      await browser.json('POST', '/api/pairing', { code: system.codes.school });
      const booked = await browser.json<BookingBody>('POST', '/api/bookings', {
        date: '2026-12-03',
        startHour: 8 + i * 2,
        durationHours: 1,
      });
      expect(booked.status).toBe(201);
      await emulator.pay(booked.body.checkoutUrl.split('/').at(-1) ?? '', '4242424242424242');
      ids.push(booked.body.booking.id);
      browsers.push(browser);
    }
    await emulator.idle();
    const deliveries = emulator.deliveries();
    const completedIds = deliveries.filter((d) => d.type === 'checkout.session.completed').map((d) => d.eventId);
    // The chaos option did its job: some event arrived more than once.
    expect(new Set(completedIds).size).toBeLessThan(completedIds.length);
    for (const [i, id] of ids.entries()) {
      const view = await browsers[i]?.json<{ booking: { status: string } }>('GET', `/api/bookings/${id}`);
      expect(view?.body.booking.status).toBe('confirmed');
    }
    const rows = await system.database.db.query.auditEvents.findMany();
    for (const id of ids) {
      expect(
        rows.filter((r) => r.action === 'booking.confirmed' && (r.data as { bookingId?: string }).bookingId === id),
      ).toHaveLength(1);
    }
  });
});
