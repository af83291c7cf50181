import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedHal } from '@smartlocker/agent';
import { generateCommandKeyPair } from '@smartlocker/protocol';
import { signWebhookPayload } from '@smartlocker/stripe-emulator';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Config,
  loadConfig,
  ManualClock,
  type RunningSystem,
  startSystem,
} from '../../../../apps/server/src/index';
import { brokerBackends, databaseBackends } from '../../../../test-support/backends';
import { type ScratchDatabase, scratchDatabase } from '../../../../test-support/databases';
import { readSse, type SseEvent, TestBrowser } from '../../../../test-support/http';
import { clearRetained } from '../../../../test-support/system';
import { alerts, auditEvents, lockers, processedWebhookEvents } from '../../src/db/schema';
import type { BusEventName } from '../../src/eventBus';

/**
 * Issue 13, "N stateless servers": two server instances on one PostgreSQL and one Mosquitto
 * behave as one system (ADR 11). Instance A runs the simulated lockers and the Stripe emulator;
 * B shares A's secrets, database, broker and payment account, as a second replica behind a load
 * balancer would. Only on PostgreSQL with an external broker (PGlite has one instance by
 * construction); under CI=true a missing TEST_DATABASE_URL or TEST_MQTT_URL fails the suite.
 */

const postgres = databaseBackends().find((b) => b.name === 'postgres');
const mosquitto = brokerBackends().find((b) => b.name === 'mosquitto');

/** Business time; the lockers keep the real clock. */
const MORNING = new Date('2026-12-01T06:30:00Z');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Everything one browser tab's stream says, kept for the test to look through at any time. */
interface Stream {
  events: SseEvent[];
  /** Resolves when the server has ended the stream (it does on shutdown). */
  ended: Promise<void>;
}

async function openStream(browser: TestBrowser): Promise<Stream> {
  const response = await browser.request('GET', '/api/events');
  expect(response.status).toBe(200);
  const events: SseEvent[] = [];
  const ended = (async () => {
    try {
      for await (const event of readSse(response)) events.push(event);
    } catch {
      // Cut by the server's shutdown.
    }
  })();
  // The stream has subscribed to the bus once its first event (the locker) is written.
  await until('the stream to open', () => events.some((e) => e.event === 'locker'));
  return { events, ended };
}

function data<T>(event: SseEvent): T {
  return JSON.parse(event.data) as T;
}

/** Counts the bus events each instance raised itself (not those it heard through the relay). */
function countOwn(systems: RunningSystem[], event: BusEventName, match: (payload: unknown) => boolean) {
  let count = 0;
  const offs = systems.map((s) =>
    s.bus.onOwn(event, (payload) => {
      if (match(payload)) count++;
    }),
  );
  return {
    count: () => count,
    off: () => {
      for (const off of offs) off();
    },
  };
}

async function mqttCount(system: RunningSystem, channel: string, outcome: string): Promise<number> {
  const metric = await system.metrics.mqttMessages.get();
  return metric.values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;
}

async function metricSum(systems: RunningSystem[], name: 'webhookEvents', labels: Record<string, string>) {
  let total = 0;
  for (const system of systems) {
    const metric = await system.metrics[name].get();
    for (const value of metric.values) {
      const own: Record<string, string | number | undefined> = value.labels;
      if (Object.entries(labels).every(([k, v]) => own[k] === v)) total += value.value;
    }
  }
  return total;
}

async function captureServer(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies };
}

describe.skipIf(!postgres?.url || !mosquitto?.url)('two server instances on one PostgreSQL and one broker', () => {
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  const ids = { school: `ECOLE_M${suffix}`, sport: `SPORT_M${suffix}` };
  const codes = { school: `SL-ECOLE-M${suffix}`, sport: `SL-SPORT-M${suffix}` };
  const clock = new ManualClock(MORNING);
  const dirs: string[] = [];
  let scratch: ScratchDatabase;
  let a: RunningSystem;
  let b: RunningSystem;
  let capture: Awaited<ReturnType<typeof captureServer>>;
  const streams: Stream[] = [];

  let member: { onA: TestBrowser; onB: TestBrowser; stream: Stream };
  let admin: { onA: TestBrowser; onB: TestBrowser; stream: Stream };

  async function start(
    env: Record<string, string>,
    withLockers: boolean,
    adjust: (config: Config) => void = () => {},
  ): Promise<RunningSystem> {
    const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-multi-'));
    dirs.push(dataDir);
    const loaded = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      MQTT_URL: mosquitto?.url ?? '',
      // The clock passes are the test's own (tick() on both at once); the timers rarely run.
      BOOKING_TICK_S: '60',
      ...env,
    });
    if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
    adjust(loaded.config);
    return startSystem(loaded.config, {
      database: scratch.target,
      clock,
      ...(withLockers
        ? {
            demoLockers: [
              { id: ids.school, name: 'Casier école multi', type: 'school', pairingCode: codes.school },
              { id: ids.sport, name: 'Casier sport multi', type: 'sport', pairingCode: codes.sport },
            ],
          }
        : {}),
    });
  }

  function hal(lockerId: string): SimulatedHal {
    const agent = a.agents.find((x) => x.lockerId === lockerId);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error(`no simulated locker ${lockerId}`);
    return agent.hal;
  }

  async function lockerRow(id: string) {
    return (await a.database.db.select().from(lockers).where(eq(lockers.id, id)))[0];
  }

  async function signedIn(email: string, password: string): Promise<{ onA: TestBrowser; onB: TestBrowser }> {
    const onA = new TestBrowser(a.url);
    const onB = new TestBrowser(b.url);
    expect(await onA.signIn(email, password)).toBe(200);
    expect(await onB.signIn(email, password)).toBe(200);
    return { onA, onB };
  }

  beforeAll(async () => {
    if (!postgres || !mosquitto) return;
    capture = await captureServer();
    scratch = await scratchDatabase(postgres);
    // What every instance must share: the session secret and the command-signing key.
    const keyDir = mkdtempSync(join(tmpdir(), 'smartlocker-multi-key-'));
    dirs.push(keyDir);
    const keyFile = join(keyDir, 'command-signing.pem');
    writeFileSync(keyFile, generateCommandKeyPair().privateKeyPem, { mode: 0o600 });
    const shared = { AUTH_SECRET: randomBytes(48).toString('base64url'), COMMAND_SIGNING_KEY_FILE: keyFile };

    a = await start({ ...shared, DEMO_MODE: 'true', STRIPE_EMULATOR_PORT: '0' }, true);
    const emulator = a.stripeEmulator;
    if (!emulator) throw new Error('instance A should run the Stripe emulator');
    await Promise.all(a.agents.map((agent) => agent.waitUntilConnected(10_000)));
    await until(
      'both lockers online',
      async () => (await lockerRow(ids.school))?.online && (await lockerRow(ids.sport))?.online,
    );

    // B: no demo data, no simulated lockers, A's emulator as its Stripe account.
    b = await start(
      {
        ...shared,
        DEMO_MODE: 'false',
        SIMULATED_LOCKERS: 'false',
        STRIPE_SECRET_KEY: emulator.secretKey,
        // The emulator's secret may hold `-` or `_`, which the variable's check refuses: set below.
        STRIPE_WEBHOOK_SECRET: 'whsec_placeholder',
        STRIPE_API_URL: `http://127.0.0.1:${emulator.port}`,
      },
      false,
      (config) => {
        if (config.payments.kind === 'stripe') config.payments.webhookSecret = emulator.webhookSecret;
      },
    );

    const demoAdmin = a.demoAccounts.find((x) => x.role === 'admin');
    if (!demoAdmin) throw new Error('no demo administrator');
    const adminBrowsers = await signedIn(demoAdmin.email, demoAdmin.password);
    const adminStream = await openStream(adminBrowsers.onA);
    streams.push(adminStream);
    admin = { ...adminBrowsers, stream: adminStream };

    const memberEmail = `multi-member-${suffix.toLowerCase()}@example.org`;
    await new TestBrowser(a.url).signUp(memberEmail, 'correct horse battery');
    const memberBrowsers = await signedIn(memberEmail, 'correct horse battery');
    const memberStream = await openStream(memberBrowsers.onA);
    streams.push(memberStream);
    member = { ...memberBrowsers, stream: memberStream };
  });

  afterAll(async () => {
    // Stopping A ends the streams opened on it (graceful shutdown closes every SSE stream).
    await b?.stop({ graceMs: 1_000 });
    await a?.stop({ graceMs: 1_000 });
    await Promise.all(streams.map((stream) => stream.ended));
    if (mosquitto?.url) await clearRetained(mosquitto.url, Object.values(ids));
    await scratch?.drop();
    await new Promise((resolve) => capture?.server.close(resolve));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('starts the second instance without resetting the lockers the first one watches', async () => {
    // B saw A listening and kept the online flags (no fleet-wide flap at a rolling restart).
    expect((await lockerRow(ids.school))?.online).toBe(true);
    expect((await lockerRow(ids.sport))?.online).toBe(true);
    const health = await fetch(`${b.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok', broker: 'ok', lockersOnline: 2 });
  });

  it('applies a device report once: one audit row and one alert for one intrusion, shown on A, acknowledged on B', async () => {
    const school = hal(ids.school);
    school.setAutoPerson(false);
    const raised = countOwn(
      [a, b],
      'alert.raised',
      (p) => (p as { alert: { lockerId: string } }).alert.lockerId === ids.school,
    );
    const handled = async (outcome: string) =>
      (await mqttCount(a, 'event', outcome)) + (await mqttCount(b, 'event', outcome));
    const before = { applied: await handled('applied'), duplicate: await handled('duplicate') };
    try {
      // No legitimate open ever happened: the door opening is an intrusion (SPEC §2).
      school.setDoor('open');
      const alarm = await until('the intrusion alarm on the admin stream of A', () =>
        admin.stream.events.find(
          (e) =>
            e.event === 'alarm' &&
            data<{ kind: string; lockerId: string }>(e).kind === 'intrusion' &&
            data<{ lockerId: string }>(e).lockerId === ids.school,
        ),
      );
      // Both instances received the event; exactly one applied it, the other found it claimed.
      await until('both instances to have handled the event', async () => {
        const appliedNow = (await handled('applied')) - before.applied;
        const duplicateNow = (await handled('duplicate')) - before.duplicate;
        return appliedNow >= 1 && appliedNow === duplicateNow;
      });
      const intrusions = await a.database.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.lockerId, ids.school), eq(auditEvents.action, 'device.intrusion')));
      expect(intrusions).toHaveLength(1);
      const alertRows = await a.database.db
        .select()
        .from(alerts)
        .where(and(eq(alerts.lockerId, ids.school), eq(alerts.type, 'intrusion')));
      expect(alertRows).toHaveLength(1);
      expect(raised.count()).toBe(1);

      // An administrator signed in on B acknowledges; A's admin stream shows it.
      const alarmId = data<{ id: string }>(alarm).id;
      const acked = await admin.onB.json<{ alarm: { state: string } }>(
        'POST',
        `/api/admin/alarms/${alarmId}/acknowledge`,
        {
          note: 'seen from B',
        },
      );
      expect(acked.status).toBe(200);
      const changed = await until('the acknowledgement on the admin stream of A', () =>
        admin.stream.events.find(
          (e) =>
            e.event === 'alarm' &&
            data<{ id: string; state: string }>(e).id === alarmId &&
            data<{ state: string }>(e).state !== 'active',
        ),
      );
      expect(data<{ acknowledgedNote: string }>(changed).acknowledgedNote).toBe('seen from B');
    } finally {
      raised.off();
      school.setDoor('closed');
    }
  });

  it('shows on A a pairing, a session, its command and the door changes made through B', async () => {
    // Premium is the demo's switch, on A (B runs without demo mode).
    expect((await member.onA.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    expect((await member.onB.json('POST', '/api/pairing', { code: codes.sport })).status).toBe(201);
    await until('the paired locker on the stream of A', () =>
      member.stream.events.find((e) => e.event === 'locker' && data<{ id?: string } | null>(e)?.id === ids.sport),
    );

    const started = await member.onB.json<{ commandId: string; session: { id: string } }>('POST', '/api/sessions', {
      lockerId: ids.sport,
    });
    expect(started.status).toBe(201);
    // B sent the command: whichever instance recorded the locker's answer, B announces it.
    const command = await until('the command outcome on the stream of A', () =>
      member.stream.events.find(
        (e) => e.event === 'command' && data<{ commandId: string }>(e).commandId === started.body.commandId,
      ),
    );
    expect(data<{ outcome: string }>(command).outcome).toBe('accepted');
    await until('the running session on the stream of A', () =>
      member.stream.events.find(
        (e) =>
          e.event === 'session' && data<{ session: { id: string } | null }>(e).session?.id === started.body.session.id,
      ),
    );
    // The simulated member opens the door during the pulse and shuts it: both reach A.
    await until('the door open on the stream of A', () =>
      member.stream.events.find((e) => {
        const view = e.event === 'locker' ? data<{ id: string; door: string } | null>(e) : null;
        return view?.id === ids.sport && view.door === 'open';
      }),
    );
    await until('the door closed again on the stream of A', () => {
      const last = member.stream.events
        .filter((e) => e.event === 'locker' && data<{ id?: string } | null>(e)?.id === ids.sport)
        .at(-1);
      return last && data<{ door: string }>(last).door === 'closed';
    });
  });

  describe('bookings', () => {
    let booker: { onA: TestBrowser; onB: TestBrowser; stream: Stream };
    const bookingIds: string[] = [];

    /** Books and pays an hour on 2 December; the payment's webhook is captured, not delivered. */
    async function paidButUndelivered(startHour: number): Promise<{ bookingId: string; body: string }> {
      const emulator = a.stripeEmulator;
      if (!emulator) throw new Error('emulator expected');
      const booked = await booker.onA.json<{ booking: { id: string }; checkoutUrl: string }>('POST', '/api/bookings', {
        date: '2026-12-02',
        startHour,
        durationHours: 1,
      });
      expect(booked.status).toBe(201);
      const sessionId = booked.body.checkoutUrl.split('/').at(-1) ?? '';
      const seen = capture.bodies.length;
      emulator.setWebhookUrl(capture.url);
      try {
        expect(await emulator.pay(sessionId, '4242 4242 4242 4242')).toEqual({ ok: true });
        await emulator.idle();
      } finally {
        emulator.setWebhookUrl(`${a.url}/webhooks/stripe`);
      }
      const body = capture.bodies
        .slice(seen)
        .find((text) => (JSON.parse(text) as { type: string }).type === 'checkout.session.completed');
      if (!body) throw new Error('no checkout.session.completed captured');
      bookingIds.push(booked.body.booking.id);
      return { bookingId: booked.body.booking.id, body };
    }

    const deliver = (system: RunningSystem, body: string) =>
      fetch(`${system.url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signWebhookPayload(
            body,
            a.stripeEmulator?.webhookSecret ?? '',
            Math.floor(Date.now() / 1000),
          ),
        },
        body,
      });

    beforeAll(async () => {
      const email = `multi-booker-${suffix.toLowerCase()}@example.org`;
      await new TestBrowser(a.url).signUp(email, 'correct horse battery');
      const browsers = await signedIn(email, 'correct horse battery');
      expect((await browsers.onB.json('POST', '/api/pairing', { code: codes.school })).status).toBe(201);
      const stream = await openStream(browsers.onA);
      streams.push(stream);
      booker = { ...browsers, stream };
    });

    it('shows on A a booking confirmed by a webhook B handled', async () => {
      const { bookingId, body } = await paidButUndelivered(9);
      expect((await deliver(b, body)).status).toBe(200);
      await until('the confirmed booking on the stream of A', () =>
        booker.stream.events.find(
          (e) =>
            e.event === 'booking' &&
            data<{ id: string; status: string }>(e).id === bookingId &&
            data<{ status: string }>(e).status === 'confirmed',
        ),
      );
    });

    it('applies a webhook delivered to both instances at once exactly once', async () => {
      const handledBefore = await metricSum([a, b], 'webhookEvents', { outcome: 'handled' });
      const { bookingId, body } = await paidButUndelivered(10);
      const answers = await Promise.all([a, b, a, b, a, b].map((system) => deliver(system, body)));
      expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
      const eventId = (JSON.parse(body) as { id: string }).id;
      const rows = await a.database.db.select().from(auditEvents);
      const about = (action: string) =>
        rows.filter((r) => r.action === action && (r.data as { bookingId?: string }).bookingId === bookingId);
      expect(about('booking.confirmed')).toHaveLength(1);
      expect(about('payment.succeeded')).toHaveLength(1);
      expect(
        rows.filter((r) => r.action === 'payment.webhook' && (r.data as { eventId?: string }).eventId === eventId),
      ).toHaveLength(1);
      expect(
        await a.database.db.select().from(processedWebhookEvents).where(eq(processedWebhookEvents.id, eventId)),
      ).toHaveLength(1);
      expect((await metricSum([a, b], 'webhookEvents', { outcome: 'handled' })) - handledBefore).toBe(1);
    });

    it('moves each booking once when the booking clock ticks on both instances', async () => {
      const [first, second] = bookingIds;
      if (!first || !second) throw new Error('the two bookings above are needed');
      const mine = (id: string) => (p: unknown) =>
        (p as { booking?: { id: string }; bookingId?: string }).booking?.id === id ||
        (p as { bookingId?: string }).bookingId === id;
      const activated = countOwn(
        [a, b],
        'booking.changed',
        (p) => mine(first)(p) && (p as { booking: { status: string } }).booking.status === 'active',
      );
      const reminded = countOwn([a, b], 'booking.reminder', mine(first));
      const ended = countOwn(
        [a, b],
        'booking.changed',
        (p) =>
          (mine(first)(p) || mine(second)(p)) && (p as { booking: { status: string } }).booking.status === 'completed',
      );
      try {
        // 09:00–10:00 in Paris is 08:00–09:00 UTC; at 08:55 it runs, 5 min from its end.
        clock.set(new Date('2026-12-02T08:55:00Z'));
        await Promise.all([a.bookings.tick(), b.bookings.tick(), a.bookings.tick(), b.bookings.tick()]);
        expect(activated.count()).toBe(1);
        expect(reminded.count()).toBe(1);
        await until('the reminder on the stream of A', () =>
          booker.stream.events.find(
            (e) => e.event === 'reminder' && data<{ bookingId: string }>(e).bookingId === first,
          ),
        );
        // Past both ends: each booking ends once.
        clock.set(new Date('2026-12-02T10:30:00Z'));
        await Promise.all([a.bookings.tick(), b.bookings.tick(), a.bookings.tick(), b.bookings.tick()]);
        expect(ended.count()).toBe(2);
        const rows = await a.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'booking.ended'));
        for (const id of [first, second]) {
          expect(rows.filter((r) => (r.data as { bookingId?: string }).bookingId === id)).toHaveLength(1);
        }
        expect(
          booker.stream.events.filter(
            (e) => e.event === 'reminder' && data<{ bookingId: string }>(e).bookingId === first,
          ),
        ).toHaveLength(1);
      } finally {
        activated.off();
        reminded.off();
        ended.off();
      }
    });
  });
});
