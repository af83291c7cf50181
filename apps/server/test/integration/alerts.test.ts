import { ManualScheduler, SimulatedHal } from '@smartlocker/agent';
import { topicFor } from '@smartlocker/protocol';
import { eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { databaseBackends, EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../../../test-support/http';
import {
  type BrowserPushKeys,
  browserPushKeys,
  decryptPush,
  type LocalPushService,
  startLocalPushService,
  vapidAuthorization,
} from '../../../../test-support/pushService';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { lockers, users } from '../../src/db/schema';

/**
 * Alerts pushed to phones and alarms an operator acts on (issue 10). The lockers run on a test
 * clock (a ManualScheduler shared by the simulated agents and the command signer), so five
 * minutes of lockdown or three minutes of open door pass in one call; everything else is real:
 * MQTT, the database, Web Push encrypted for each browser and delivered to a local HTTPS push
 * service, which the test decrypts as the browser would.
 */

interface Phone {
  name: string;
  keys: BrowserPushKeys;
}

interface Notice {
  title: string;
  body: string;
  url: string;
  tag: string;
}

/**
 * expect.poll with room for a busy machine: a push crosses MQTT, the database, the push service
 * and back; the default second is not enough when the two cores are shared.
 */
function eventually<T>(read: () => T | Promise<T>, options: { timeout?: number } = {}) {
  return expect.poll(read, { interval: 50, ...options, timeout: Math.max(options.timeout ?? 0, 20_000) });
}

/** Polls a condition outside a test body (hooks cannot use expect.poll). */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(databaseBackends())('alerts and alarms on $name', (db) => {
  let pushService: LocalPushService;
  let scheduler: ManualScheduler;
  let system: TestSystem;
  let sportHal: SimulatedHal;
  let adminA: TestBrowser;
  let adminB: TestBrowser;
  let member: TestBrowser;
  let bystander: TestBrowser;
  const phones = new Map<string, Phone>();
  let vapidKey = '';

  /** Every message the named phone received, decrypted, in arrival order. */
  function pushesTo(name: string): Notice[] {
    const phone = phones.get(name);
    if (!phone) throw new Error(`no phone ${name}`);
    return pushService.received
      .filter((r) => r.path === `/push/${name}`)
      .map((r) => JSON.parse(decryptPush(r.body, phone.keys)) as Notice);
  }
  const titlesTo = (name: string) => pushesTo(name).map((n) => n.title);

  async function subscribe(browser: TestBrowser, name: string): Promise<void> {
    const keys = browserPushKeys();
    phones.set(name, { name, keys });
    const saved = await browser.json('POST', '/api/push/subscriptions', {
      endpoint: `${pushService.url}/push/${name}`,
      expirationTime: null,
      keys: { p256dh: keys.p256dh, auth: keys.authB64 },
    });
    expect(saved.status).toBe(201);
  }

  /** The member opens within their session and uses the locker: door opened during the pulse, then shut. */
  async function openAndUse(path = '/api/sessions/current/open'): Promise<void> {
    const start = path.endsWith('/sessions');
    const opened = await member.json('POST', path, start ? { lockerId: system.lockerIds.sport } : undefined);
    expect(opened.status).toBeLessThan(300);
    await until(() => sportHal.relayEnergised);
    sportHal.setDoor('open');
    settle();
    sportHal.setDoor('closed');
    settle();
    advance(6_000);
  }

  /** Moves the lockers' clock; 100 ms more lets the door sensor's debounce run out. */
  const advance = (ms: number) => scheduler.advance(ms);
  const settle = () => scheduler.advance(100);

  /** Waits until the server has applied `count` device messages of a channel with this outcome. */
  async function mqttCount(channel: string, outcome: string): Promise<number> {
    const metric = await system.metrics.mqttMessages.get();
    return metric.values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;
  }

  async function lockerView() {
    const me = await member.json<{ locker: { lockdownUntil: string | null; door: string } }>('GET', '/api/me');
    return me.body.locker;
  }

  beforeAll(async () => {
    pushService = await startLocalPushService();
    scheduler = new ManualScheduler(Date.now());
    system = await startTestSystem(
      db,
      EMBEDDED_BROKER,
      // The offline watch is the subject of its own suite below.
      { LOCKER_OFFLINE_AFTER_S: '3600' },
      { pushAgent: pushService.agent, agentScheduler: scheduler },
    );
    for (const agent of system.agents) if (agent.hal instanceof SimulatedHal) agent.hal.setAutoPerson(false);
    const sport = system.agents.find((a) => a.lockerId === system.lockerIds.sport);
    if (!sport || !(sport.hal instanceof SimulatedHal)) throw new Error('no simulated sport locker');
    sportHal = sport.hal;
    await Promise.all(system.agents.map((a) => a.waitUntilConnected(10_000)));

    const demoAdmin = system.demoAccounts.find((a) => a.role === 'admin');
    if (!demoAdmin) throw new Error('no demo admin');
    adminA = new TestBrowser(system.url);
    expect(await adminA.signIn(demoAdmin.email, demoAdmin.password)).toBe(200);
    adminB = new TestBrowser(system.url);
    const adminBEmail = `admin-b-${Date.now()}@example.org`;
    await adminB.signUp(adminBEmail);
    await system.database.db.update(users).set({ role: 'admin' }).where(eq(users.email, adminBEmail));
    // Administrator B reads English: their pushes are in English (issue 12).
    expect((await adminB.json('PATCH', '/api/me', { locale: 'en' })).status).toBe(200);
    member = new TestBrowser(system.url);
    await member.signUp(`member-${Date.now()}@example.org`);
    expect((await member.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    bystander = new TestBrowser(system.url);
    await bystander.signUp(`bystander-${Date.now()}@example.org`);

    expect((await member.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    expect((await bystander.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    const config = await member.json<{ publicKey: string }>('GET', '/api/push/config');
    vapidKey = config.body.publicKey;

    await subscribe(adminA, 'admin-a');
    await subscribe(adminA, 'admin-a-old-laptop');
    pushService.gone.add('/push/admin-a-old-laptop');
    await subscribe(adminB, 'admin-b');
    await subscribe(member, 'member');
    await subscribe(bystander, 'bystander');

    // The member's session makes them the sport locker's current user.
    await openAndUse('/api/sessions');
    // Past the 15 s that follow a legitimate open: a door opening now is an intrusion (SPEC §2).
    advance(16_000);
    await until(async () => (await lockerView())?.door === 'closed');
  });
  afterAll(async () => {
    await system?.dispose();
    await pushService?.close();
  });

  it('lets each person mute what they may, but never an intrusion at their own locker', async () => {
    const prefs = await member.json<{ preferences: { kind: string; mutable: boolean; muted: boolean }[] }>(
      'GET',
      '/api/me/notifications',
    );
    expect(prefs.body.preferences.find((p) => p.kind === 'intrusion')).toEqual({
      kind: 'intrusion',
      mutable: false,
      muted: false,
    });
    const refused = await member.json<{ error: { code: string } }>('PUT', '/api/me/notifications/intrusion', {
      muted: true,
    });
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'not_mutable' } } });
    expect((await member.json('PUT', '/api/me/notifications/not_a_kind', { muted: true })).status).toBe(400);
    // Administrator B does not want to hear of unknown badges.
    const muted = await adminB.json<{ preferences: { kind: string; muted: boolean }[] }>(
      'PUT',
      '/api/me/notifications/unknown_badge',
      { muted: true },
    );
    expect(muted.body.preferences.find((p) => p.kind === 'unknown_badge')?.muted).toBe(true);
  });

  it('pushes an intrusion to the locker’s user and every administrator, once, with high urgency', async () => {
    const bus = system.bus;
    const adminEvents = readSse(await adminA.request('GET', '/api/events'));
    await waitForEvent(adminEvents, (e) => e.event === 'locker');
    // A raw copy of what the locker publishes, to deliver it a second time below.
    const watcher = await mqtt.connectAsync(system.brokerUrl, { reconnectPeriod: 0, ...system.brokerAccount });
    const raw: Buffer[] = [];
    watcher.on('message', (_topic, payload) => {
      if (payload.toString().includes('"intrusion"')) raw.push(Buffer.from(payload));
    });
    await watcher.subscribeAsync(topicFor(system.lockerIds.sport, 'event'), { qos: 1 });
    const raised: string[] = [];
    const off = bus.on('alert.raised', ({ alert }) => raised.push(alert.kind));
    try {
      sportHal.setDoor('open'); // nobody asked for an open
      settle();
      await eventually(() => titlesTo('member'), { timeout: 10_000 }).toEqual(['Intrusion détectée']);
      await eventually(() => titlesTo('admin-a'), { timeout: 10_000 }).toEqual(['Intrusion détectée']);
      await eventually(() => titlesTo('admin-b'), { timeout: 10_000 }).toEqual(['Intrusion detected']);
      const alarm = await waitForEvent(adminEvents, (e) => e.event === 'alarm', 5_000);
      expect(JSON.parse(alarm.data)).toMatchObject({
        kind: 'intrusion',
        state: 'active',
        lockerId: system.lockerIds.sport,
      });

      const toMember = pushService.received.find((r) => r.path === '/push/member');
      expect(toMember?.headers.urgency).toBe('high');
      expect(toMember?.headers.ttl).toBe('3600');
      expect(toMember?.headers['content-encoding']).toBe('aes128gcm');
      expect(toMember?.headers.authorization).toMatch(vapidAuthorization(vapidKey));
      expect(pushesTo('member')[0]).toMatchObject({ url: `/casier/${system.lockerIds.sport}` });
      // The bystander is paired to another locker: nothing.
      expect(titlesTo('bystander')).toEqual([]);

      // The same device message delivered again (an at-least-once redelivery): no second alert.
      await eventually(() => raw.length).toBeGreaterThan(0);
      const duplicatesBefore = await mqttCount('event', 'duplicate');
      await watcher.publishAsync(topicFor(system.lockerIds.sport, 'event'), raw[0] as Buffer, { qos: 1 });
      await eventually(() => mqttCount('event', 'duplicate')).toBe(duplicatesBefore + 1);
      await system.alerts.idle();
      expect(titlesTo('member')).toEqual(['Intrusion détectée']);
      expect(titlesTo('admin-a')).toEqual(['Intrusion détectée']);
      expect(raised.filter((k) => k === 'intrusion')).toHaveLength(1);

      // The old laptop's push service said 410: that subscription is gone, the phone's stays.
      const subscriptions = await system.database.db.query.pushSubscriptions.findMany();
      expect(subscriptions.map((s) => s.endpoint)).not.toContain(`${pushService.url}/push/admin-a-old-laptop`);
      expect(subscriptions.map((s) => s.endpoint)).toContain(`${pushService.url}/push/admin-a`);
    } finally {
      off();
      await watcher.endAsync();
      await adminEvents.return(undefined);
      sportHal.setDoor('closed');
      settle();
    }
  });

  it('goes into lockdown at the third intrusion; server and locker refuse opens; the timer ends it after 5 min', async () => {
    for (let i = 0; i < 2; i++) {
      sportHal.setDoor('open');
      settle();
      sportHal.setDoor('closed');
      settle();
    }
    await eventually(() => titlesTo('member'), { timeout: 10_000 }).toEqual([
      'Intrusion détectée',
      'Intrusion détectée',
      'Intrusion détectée',
      'Casier bloqué',
    ]);
    await eventually(() => titlesTo('admin-b')).toContain('Locker in lockdown');
    await eventually(async () => (await lockerView())?.lockdownUntil ?? null).not.toBeNull();

    // The server refuses with the reason and when it ends…
    const refused = await member.json<{ error: { code: string; details: { until: string } } }>(
      'POST',
      '/api/sessions/current/open',
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('lockdown');
    const until = Date.parse(refused.body.error.details.until);
    expect(new Date(until).toISOString()).toBe((await lockerView())?.lockdownUntil);
    expect(until - scheduler.now()).toBeGreaterThan(5 * 60_000 - 1_000);
    // …and the locker refuses a signed open that reaches it anyway.
    const direct = await system.gateway.sendCommandAndWait(system.lockerIds.sport, 'open', { kind: 'system' }, null);
    expect(direct.answer).toEqual({ outcome: 'refused', reason: 'lockdown' });

    const alarms = await adminA.json<{ alarms: { id: string; kind: string; state: string }[] }>(
      'GET',
      '/api/admin/alarms',
    );
    const lockdown = alarms.body.alarms.find((a) => a.kind === 'lockdown');
    expect(lockdown?.state).toBe('active');
    expect(alarms.body.alarms.filter((a) => a.kind === 'intrusion' && a.state === 'active')).toHaveLength(3);
    // Acknowledged, the lockdown stays open until it ends; an intrusion is closed by it.
    const acked = await adminA.json<{ alarm: { state: string; acknowledgedNote: string } }>(
      'POST',
      `/api/admin/alarms/${lockdown?.id}/acknowledge`,
      { note: 'security on the way' },
    );
    expect(acked.body.alarm).toMatchObject({ state: 'acknowledged', acknowledgedNote: 'security on the way' });
    expect((await adminA.json('POST', `/api/admin/alarms/${lockdown?.id}/acknowledge`, {})).status).toBe(409);

    // Five minutes later on the lockers' clock: the lockdown ends by itself, everywhere.
    const memberEvents = readSse(await member.request('GET', '/api/events'));
    await waitForEvent(memberEvents, (e) => e.event === 'locker');
    advance(5 * 60_000);
    const cleared = await waitForEvent(
      memberEvents,
      (e) => e.event === 'locker' && JSON.parse(e.data).lockdownUntil === null,
      5_000,
    );
    expect(JSON.parse(cleared.data).id).toBe(system.lockerIds.sport);
    await memberEvents.return(undefined);
    await eventually(() => titlesTo('member')).toContain('Blocage levé');
    await eventually(async () =>
      (await adminA.json<{ alarms: { kind: string }[] }>('GET', '/api/admin/alarms')).body.alarms.map((a) => a.kind),
    ).not.toContain('lockdown');

    await openAndUse();
  });

  it('accepts an open sent right after an administrator’s reset (seed bug 2)', async () => {
    for (let i = 0; i < 3; i++) {
      advance(16_000); // outside the grace of the previous open
      sportHal.setDoor('open');
      settle();
      sportHal.setDoor('closed');
      settle();
    }
    await eventually(async () => (await lockerView())?.lockdownUntil ?? null, { timeout: 10_000 }).not.toBeNull();
    const reset = await adminA.json<{ reset: boolean }>(
      'POST',
      `/api/admin/lockers/${system.lockerIds.sport}/reset-lockdown`,
    );
    expect(reset).toMatchObject({ status: 200, body: { reset: true } });
    // No waiting: the server's lockdown ended with the acknowledgement.
    await openAndUse();
    // Both lockdowns' ends reached the member (the timer's, then the reset's) before the next test counts.
    await eventually(() => titlesTo('member').filter((t) => t === 'Blocage levé')).toHaveLength(2);
    await system.alerts.idle();
  });

  it('reminds the user 3 times of a door left open for 3 min, then escalates to administrators, each once', async () => {
    const before = { member: titlesTo('member').length, admin: titlesTo('admin-a').length };
    const opened = await member.json('POST', '/api/sessions/current/open');
    expect(opened.status).toBe(202);
    await eventually(() => sportHal.relayEnergised).toBe(true);
    sportHal.setDoor('open'); // a legitimate opening, during the pulse
    settle();
    advance(180_000);
    await eventually(() => titlesTo('member').slice(before.member), { timeout: 10_000 }).toEqual([
      'Porte restée ouverte',
      'Porte restée ouverte',
      'Porte restée ouverte',
      'Porte toujours ouverte',
    ]);
    await eventually(() => titlesTo('admin-a').slice(before.admin)).toEqual(['Porte toujours ouverte']);
    await system.alerts.idle();
    expect(titlesTo('member').slice(before.member)).toHaveLength(4);
    expect(titlesTo('admin-b').filter((t) => t.startsWith('Door'))).toEqual(['Door still open']);
    // Reminders of one open door replace each other on the phone.
    expect(
      new Set(
        pushesTo('member')
          .slice(before.member, before.member + 3)
          .map((n) => n.tag),
      ).size,
    ).toBe(1);
    const open = await adminA.json<{ alarms: { kind: string }[] }>('GET', '/api/admin/alarms');
    expect(open.body.alarms.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['door_left_open_escalated', 'door_left_open']),
    );

    // Closing the door ends those alarms.
    sportHal.setDoor('closed');
    settle();
    await eventually(async () =>
      (await adminA.json<{ alarms: { kind: string }[] }>('GET', '/api/admin/alarms')).body.alarms.map((a) => a.kind),
    ).not.toContain('door_left_open_escalated');
  });

  it('tells administrators of an unknown badge and a relay fault, and the user of an open not confirmed', async () => {
    const before = { a: titlesTo('admin-a').length, b: titlesTo('admin-b').length, member: titlesTo('member').length };
    sportHal.presentBadge('DEADBEEF01');
    await eventually(() => titlesTo('admin-a').slice(before.a)).toEqual(['Badge inconnu']);

    sportHal.setRelayFault('energise');
    const refused = await member.json('POST', '/api/sessions/current/open');
    expect(refused.status).toBe(202); // the server sent it; the locker refuses it (hardware_error)
    await eventually(() => titlesTo('admin-a').slice(before.a)).toEqual(['Badge inconnu', 'Panne de gâche']);
    sportHal.setRelayFault(null);
    advance(16_000);
    expect((await member.json('POST', '/api/sessions/current/open')).status).toBe(202);
    await eventually(() => sportHal.relayEnergised).toBe(true);
    // Nobody opens the door: the locker relocks and says so.
    advance(6_000);
    await eventually(() => titlesTo('member').slice(before.member)).toEqual(['Porte non ouverte']);
    await eventually(async () =>
      (await adminA.json<{ alarms: { kind: string }[] }>('GET', '/api/admin/alarms')).body.alarms.map((a) => a.kind),
    ).not.toContain('relay_fault');
    await system.alerts.idle();
    // Administrator B muted unknown badges; relay faults are not for the user.
    expect(titlesTo('admin-b').slice(before.b)).toEqual(['Strike fault']);
    expect(titlesTo('member').slice(before.member)).toEqual(['Porte non ouverte']);
  });

  it('counts alerts by kind and pushes by outcome in /metrics', async () => {
    const text = await (await fetch(`${system.url}/metrics`)).text();
    expect(text).toMatch(/smartlocker_alerts_total\{kind="intrusion"\} 6/);
    expect(text).toMatch(/smartlocker_alerts_total\{kind="door_left_open"\} 3/);
    expect(text).toMatch(/smartlocker_alerts_total\{kind="door_left_open_escalated"\} 1/);
    expect(text).toMatch(/smartlocker_push_messages_total\{purpose="alert",outcome="gone"\} 1/);
    expect(text).toMatch(/smartlocker_push_messages_total\{purpose="alert",outcome="sent"\} \d+/);
    expect(text).toMatch(/smartlocker_alarms_open\{state="active"\} \d+/);
  });
});

describe('the offline watch', () => {
  let pushService: LocalPushService;
  let system: TestSystem;
  let clock: ManualClock;
  const keys = browserPushKeys();

  beforeAll(async () => {
    pushService = await startLocalPushService();
    clock = new ManualClock(Date.now());
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, {}, { pushAgent: pushService.agent, clock });
    await Promise.all(system.agents.map((a) => a.waitUntilConnected(10_000)));
  });
  afterAll(async () => {
    await system?.dispose();
    await pushService?.close();
  });

  it('raises one offline alarm for a locker offline past LOCKER_OFFLINE_AFTER_S, and says when it is back', async () => {
    const demoAdmin = system.demoAccounts.find((a) => a.role === 'admin');
    if (!demoAdmin) throw new Error('no demo admin');
    const admin = new TestBrowser(system.url);
    expect(await admin.signIn(demoAdmin.email, demoAdmin.password)).toBe(200);
    await admin.json('POST', '/api/push/subscriptions', {
      endpoint: `${pushService.url}/push/admin`,
      expirationTime: null,
      keys: { p256dh: keys.p256dh, auth: keys.authB64 },
    });
    const titles = () => pushService.received.map((r) => (JSON.parse(decryptPush(r.body, keys)) as Notice).title);
    const agent = system.agents.find((a) => a.lockerId === system.lockerIds.school);
    if (!agent) throw new Error('no school agent');

    agent.setNetwork(false); // the last will says offline
    await eventually(
      async () =>
        (await system.database.db.query.lockers.findFirst({ where: eq(lockers.id, system.lockerIds.school) }))?.online,
      { timeout: 10_000 },
    ).toBe(false);
    // A short cut is not an alarm…
    clock.advance(30_000);
    await system.alerts.sweepOffline();
    expect(titles()).toEqual([]);
    // …one longer than 90 s is, once, however many sweeps run.
    clock.advance(120_000);
    await Promise.all([system.alerts.sweepOffline(), system.alerts.sweepOffline(), system.alerts.sweepOffline()]);
    await system.alerts.idle();
    expect(titles()).toEqual(['Casier hors ligne']);
    const alarms = await admin.json<{ alarms: { kind: string; lockerId: string }[] }>('GET', '/api/admin/alarms');
    expect(alarms.body.alarms.filter((a) => a.kind === 'locker_offline')).toEqual([
      expect.objectContaining({ lockerId: system.lockerIds.school }),
    ]);

    agent.setNetwork(true);
    await eventually(titles, { timeout: 10_000 }).toEqual(['Casier hors ligne', 'Casier de nouveau en ligne']);
    const after = await admin.json<{ alarms: { kind: string }[] }>('GET', '/api/admin/alarms');
    expect(after.body.alarms.map((a) => a.kind)).not.toContain('locker_offline');
  });
});
