import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from '../../src/index';
import { bookingCheckout, stripeFor } from '../support/emulatorClient';
import { seededRandom } from '../support/seededRandom';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(statusFor?: (n: number) => number): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(statusFor);
  cleanups.push(() => started.stop());
  return started;
}

async function emulator(options: StripeEmulatorOptions): Promise<{ emulator: StripeEmulator; stripe: Stripe }> {
  const started = await startStripeEmulator(options);
  cleanups.push(() => started.stop());
  return { emulator: started, stripe: stripeFor(started) };
}

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn'; msg?: string; obj: object }> = [];
  return {
    lines,
    info: (obj: object, msg?: string) => lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg?: string) => lines.push({ level: 'warn', obj, msg }),
  };
}

describe('webhook delivery', () => {
  it('retries a failing endpoint after each back-off delay until it answers 2xx', async () => {
    const endpoint = await receiver((n) => (n < 2 ? 500 : 200));
    const { emulator: stripeEmulator, stripe } = await emulator({ webhookUrl: endpoint.url, retryDelaysMs: [20, 40] });

    const session = await stripe.checkout.sessions.create(bookingCheckout());
    await stripe.checkout.sessions.expire(session.id);
    await stripeEmulator.idle();

    const [first, second, third] = endpoint.received;
    expect(endpoint.received).toHaveLength(3);
    expect(new Set(endpoint.received.map((h) => h.event.id)).size).toBe(1);
    expect(stripeEmulator.deliveries()).toEqual([
      { eventId: first?.event.id, type: 'checkout.session.expired', attempt: 1, status: 500 },
      { eventId: first?.event.id, type: 'checkout.session.expired', attempt: 2, status: 500 },
      { eventId: first?.event.id, type: 'checkout.session.expired', attempt: 3, status: 200 },
    ]);
    // Timers never fire early; a couple of milliseconds go to rounding of the receiver's clock.
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(18);
    expect((third?.receivedAt ?? 0) - (second?.receivedAt ?? 0)).toBeGreaterThanOrEqual(38);
  });

  it('signs every attempt anew and each one passes the SDK’s check', async () => {
    const endpoint = await receiver((n) => (n === 0 ? 503 : 200));
    const { emulator: stripeEmulator, stripe } = await emulator({ webhookUrl: endpoint.url, retryDelaysMs: [1_100] });
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    await stripe.checkout.sessions.expire(session.id);
    await stripeEmulator.idle();

    const [first, retry] = endpoint.received;
    const signatures = [first, retry].map((hook) => String(hook?.headers['stripe-signature']));
    // More than a second apart, so the timestamps (whole seconds) and signatures differ.
    expect(signatures[0]).not.toBe(signatures[1]);
    for (const [index, hook] of [first, retry].entries()) {
      const event = stripe.webhooks.constructEvent(
        hook?.body ?? '',
        signatures[index] ?? '',
        stripeEmulator.webhookSecret,
      );
      expect(event.type).toBe('checkout.session.expired');
    }
  });

  it('gives up after the last delay, counts network errors as failures, and logs both', async () => {
    const logger = recordingLogger();
    const { emulator: stripeEmulator, stripe } = await emulator({
      webhookUrl: 'http://127.0.0.1:9/unreachable',
      retryDelaysMs: [10, 10],
      logger,
    });
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    await stripe.checkout.sessions.expire(session.id);
    await stripeEmulator.idle();
    expect(stripeEmulator.deliveries().map((d) => [d.attempt, d.status])).toEqual([
      [1, 'network_error'],
      [2, 'network_error'],
      [3, 'network_error'],
    ]);
    expect(logger.lines.some((line) => line.level === 'warn' && line.msg?.includes('given up'))).toBe(true);
  });

  it('keeps events while no endpoint is set and delivers them, in order, once one is', async () => {
    const { emulator: stripeEmulator, stripe } = await emulator({});
    const first = await stripe.checkout.sessions.create(bookingCheckout());
    const second = await stripe.checkout.sessions.create(bookingCheckout());
    await stripe.checkout.sessions.expire(first.id);
    await stripeEmulator.pay(second.id, '4242424242424242');
    await stripeEmulator.idle();
    expect(stripeEmulator.deliveries()).toEqual([]);

    const endpoint = await receiver();
    stripeEmulator.setWebhookUrl(endpoint.url);
    await stripeEmulator.idle();
    expect(endpoint.received.map((h) => h.event.type)).toEqual([
      'checkout.session.expired',
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.completed',
    ]);
  });

  it('does not hold up the API response while an endpoint is slow', async () => {
    // A receiver that takes the request and never answers.
    const hanging = createServer(() => {});
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    cleanups.push(async () => {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    });
    const { port } = hanging.address() as AddressInfo;
    const { emulator: stripeEmulator, stripe } = await emulator({ webhookUrl: `http://127.0.0.1:${port}/hook` });
    const session = await stripe.checkout.sessions.create(bookingCheckout());
    const started = Date.now();
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(expired.status).toBe('expired');
    expect(stripeEmulator.deliveries()).toEqual([]);
  });
});

describe('chaos', () => {
  /** Pays `count` sessions one after another and reports delivery order as `session:type` labels. */
  async function runPayments(options: StripeEmulatorOptions, count: number) {
    const endpoint = await receiver();
    const { emulator: stripeEmulator, stripe } = await emulator({ ...options, webhookUrl: endpoint.url });
    const labels = new Map<string, string>();
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      const session = await stripe.checkout.sessions.create(bookingCheckout());
      await stripeEmulator.pay(session.id, '4242424242424242');
      const pi = String(stripeEmulator.getSession(session.id)?.payment_intent);
      labels.set(session.id, `s${i}`);
      labels.set(pi, `s${i}`);
      expected.push(`s${i}:charge.succeeded`, `s${i}:payment_intent.succeeded`, `s${i}:checkout.session.completed`);
      await stripeEmulator.idle();
    }
    const received = endpoint.received.map((hook) => {
      const object = hook.event.data.object;
      const owner = labels.get(String(object.object === 'charge' ? object.payment_intent : object.id));
      return `${owner}:${hook.event.type}`;
    });
    const perEvent = new Map<string, number>();
    for (const hook of endpoint.received) perEvent.set(hook.event.id, (perEvent.get(hook.event.id) ?? 0) + 1);
    return { expected, received, copies: [...perEvent.values()], deliveries: stripeEmulator.deliveries() };
  }

  it('with duplicate on, delivers some events twice, every event at least once, the same way for a seed', async () => {
    const first = await runPayments({ chaos: { duplicate: true, random: seededRandom(42) } }, 8);
    expect(first.copies).toHaveLength(24);
    expect(first.copies.every((n) => n === 1 || n === 2)).toBe(true);
    expect(first.copies.filter((n) => n === 2).length).toBeGreaterThan(0);
    expect(first.deliveries.every((d) => d.status === 200)).toBe(true);
    expect([...new Set(first.received)].sort()).toEqual([...first.expected].sort());

    const replay = await runPayments({ chaos: { duplicate: true, random: seededRandom(42) } }, 8);
    expect(replay.received).toEqual(first.received);
  });

  it('with outOfOrder on, sends a held event right after the next one, the same way for a seed', async () => {
    const first = await runPayments({ chaos: { outOfOrder: true, random: seededRandom(7) } }, 8);
    expect([...first.received].sort()).toEqual([...first.expected].sort());
    expect(first.received).not.toEqual(first.expected);
    // Only neighbours trade places: each event lands at most one slot away from where it was created.
    for (const [index, label] of first.received.entries()) {
      expect(Math.abs(first.expected.indexOf(label) - index)).toBeLessThanOrEqual(1);
    }

    const replay = await runPayments({ chaos: { outOfOrder: true, random: seededRandom(7) } }, 8);
    expect(replay.received).toEqual(first.received);
  });

  it('stays off by default', async () => {
    const calm = await runPayments({}, 4);
    expect(calm.received).toEqual(calm.expected);
  });
});

describe('stop()', () => {
  it('closes the port, cancels pending retries and the expiry timer, and leaves no sockets open', async () => {
    const baseline = sockets();
    const endpoint = await startWebhookReceiver(() => 500);
    let clock = new Date('2026-07-01T12:00:00Z');
    const stripeEmulator = await startStripeEmulator({
      webhookUrl: endpoint.url,
      retryDelaysMs: [80],
      now: () => clock,
    });
    const stripe = stripeFor(stripeEmulator);
    const failing = await stripe.checkout.sessions.create(bookingCheckout());
    const waiting = await stripe.checkout.sessions.create(
      bookingCheckout({ expires_at: Math.floor(clock.getTime() / 1000) + 1800 }),
    );
    await stripe.checkout.sessions.expire(failing.id);
    await expect.poll(() => stripeEmulator.deliveries().length).toBe(1);

    await stripeEmulator.stop();
    await stripeEmulator.idle();
    clock = new Date(clock.getTime() + 3600_000);
    await new Promise((resolve) => setTimeout(resolve, 1_300));

    expect(endpoint.received).toHaveLength(1);
    expect(stripeEmulator.deliveries()).toHaveLength(1);
    expect(stripeEmulator.getSession(waiting.id)?.status).toBe('open');
    await expect(fetch(`${stripeEmulator.url}/c/pay/${waiting.id}`)).rejects.toThrow();
    await stripeEmulator.stop();

    await endpoint.stop();
    await expect.poll(sockets, { timeout: 2_000 }).toBeLessThanOrEqual(baseline);
  });
});

function sockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}
