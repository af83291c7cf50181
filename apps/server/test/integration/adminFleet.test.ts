import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig, type RunningAgent, SimulatedHal, startAgent } from '@smartlocker/agent';
import { encodeMessage, topicFor } from '@smartlocker/protocol';
import { and, eq } from 'drizzle-orm';
import mqtt from 'mqtt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { readSse, type SseEvent, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { decodeQrCodes, svgToPng } from '../../../../test-support/qrDecode';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { auditEvents, payments } from '../../src/db/schema';
import type { FleetLocker } from '../../src/services/fleetView';
import { GOOD_PASSWORD, uniqueEmail } from './support/accounts';
import { lockersOnline, signedInAdmin } from './support/admin';

/**
 * Issue 11, "Lockers and sites" (docs/admin-api.md) through the HTTP API, against the real stack:
 * the two simulated lockers of the test system, and a locker provisioned here whose agent is
 * started from the bundle the server handed out. Sites are created, edited and decommissioned;
 * lockers provisioned, edited, listed, put out of service, opened for maintenance, freed and
 * decommissioned — each action checked in its effect (the relay, the broker, the payment, the
 * history) and in its audit row with the reason.
 *
 * One system per backend; the scenarios run in order on it and each leaves the fleet as the
 * next one expects it (written at the top of each).
 */
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type FieldsError = { error: { code: string; details: { fields: { path: string; message: string }[] } } };

interface Site {
  id: string;
  name: string;
  address: string | null;
  timeZone: string;
  lockers: number;
  decommissionedAt: string | null;
}
interface LockersPage {
  lockers: FleetLocker[];
  total: number;
  page: number;
  pageSize: number;
}
interface Overview {
  lockers: { total: number; online: number; offline: number; lockdown: number; inUse: number; outOfService: number };
  activeAlarms: number;
  revenue: { todayCents: number; monthCents: number; currency: string; timeZone: string };
}
interface Issued {
  locker: FleetLocker;
  secret: string;
  bundle: { lockerId: string; mqtt: { url: string; username: string; password?: string }; stateDir: string };
  bundleQrSvg?: string;
}
interface HistoryEntry {
  id: string;
  endedAt: string | null;
  endReason: string | null;
  refunded: boolean;
  amountCents: number;
}

/** 2027-03-10, a Wednesday; Brussels is UTC+1 until the 28th. */
const BOOKING_DAY = '2027-03-10';
const at = (iso: string) => new Date(iso);

/** The CONNACK the embedded broker answers to these credentials: 0 accepted, 4/5 refused. */
async function brokerAnswer(url: string, username: string, password: string): Promise<number> {
  try {
    const client = await mqtt.connectAsync(url, {
      username,
      password,
      clientId: `probe-${username}-${randomBytes(2).toString('hex')}`,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    await client.endAsync();
    return 0;
  } catch (error) {
    return Number((error as { code?: number }).code ?? -1);
  }
}

describe.each(databaseBackends())('the administrators’ fleet on $name', (db: DatabaseBackend) => {
  let system: TestSystem;
  let clock: ManualClock;
  let admin: TestBrowser;
  let adminId: string;
  let stateRoot: string;
  const agents: RunningAgent[] = [];
  const suffix = randomBytes(3).toString('hex').toUpperCase();
  /** A: school, its agent started from the bundle; B: sport, never connected; C: school, default code. */
  const ids = { a: `FLT_${suffix}_A`, b: `FLT_${suffix}_B`, c: `FLT_${suffix}_C` };
  let site: Site;
  let issuedA: Issued;
  /** C's secret after its rotation. */
  let secretC = '';
  let agentA: RunningAgent<SimulatedHal>;

  beforeAll(async () => {
    // Business time is the test's (bookings); the devices and the broker keep the wall clock.
    clock = new ManualClock(Date.now());
    system = await startTestSystem(db, EMBEDDED_BROKER, { BOOKING_TICK_S: '60', TRUST_PROXY: 'true' }, { clock });
    ({ browser: admin, id: adminId } = await signedInAdmin(system));
    await lockersOnline(system.url);
    // Nobody stands at the demo lockers: doors move only when a scenario moves them.
    for (const agent of system.agents) if (agent.hal instanceof SimulatedHal) agent.hal.setAutoPerson(false);
    stateRoot = mkdtempSync(join(tmpdir(), 'smartlocker-fleet-'));
  });
  afterAll(async () => {
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });
  beforeEach(() => {
    // A lockdown reported by a device is compared with business time: keep them together.
    clock.set(Date.now());
  });

  let signUps = 0;
  async function person(prefix: string): Promise<{ browser: TestBrowser; id: string; email: string }> {
    const browser = new TestBrowser(system.url);
    const email = uniqueEmail(prefix);
    signUps++;
    // A client address of its own (TRUST_PROXY), so the sign-up rate limit stays out of the way.
    const response = await browser.request(
      'POST',
      '/api/auth/sign-up/email',
      { email, password: GOOD_PASSWORD, name: `Personne ${prefix}` },
      { 'x-forwarded-for': `10.11.${signUps >> 8}.${signUps & 255}` },
    );
    expect(response.status).toBe(200);
    const id = (await browser.json<{ user: { id: string } }>('GET', '/api/me')).body.user.id;
    return { browser, id, email };
  }

  const hal = (lockerId: string): SimulatedHal => {
    const agent = system.agents.find((a) => a.lockerId === lockerId);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error(`no simulated locker ${lockerId}`);
    return agent.hal;
  };

  async function audited(action: string, where: { lockerId?: string; siteId?: string; userId?: string } = {}) {
    const rows = await system.database.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.action, action))
      .orderBy(auditEvents.id);
    return rows.filter(
      (r) =>
        (where.lockerId === undefined || r.lockerId === where.lockerId) &&
        (where.userId === undefined || r.subjectUserId === where.userId) &&
        (where.siteId === undefined || (r.data as { siteId?: string } | null)?.siteId === where.siteId),
    );
  }

  async function lockersPage(query: string): Promise<LockersPage> {
    const answer = await admin.json<LockersPage>('GET', `/api/admin/lockers?${query}`);
    expect(answer.status, query).toBe(200);
    return answer.body;
  }

  async function fleetLocker(id: string): Promise<FleetLocker> {
    const found = (await lockersPage(`q=${encodeURIComponent(id)}`)).lockers.find((l) => l.id === id);
    if (!found) throw new Error(`${id} is not in the fleet list`);
    return found;
  }

  async function overview(): Promise<Overview> {
    const answer = await admin.json<Overview>('GET', '/api/admin/overview');
    expect(answer.status).toBe(200);
    return answer.body;
  }

  /** Waits (bounded) until `read` gives `expected`, then returns it. */
  const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

  it('shows the fleet at rest in the overview, agreeing with the list’s filters', async () => {
    const view = await overview();
    expect(view.lockers).toEqual({ total: 2, online: 2, offline: 0, lockdown: 0, inUse: 0, outOfService: 0 });
    expect(view.revenue).toMatchObject({ todayCents: 0, monthCents: 0, currency: 'EUR', timeZone: 'Europe/Brussels' });
    expect(view.activeAlarms).toBeGreaterThanOrEqual(0);
    expect((await lockersPage('')).total).toBe(view.lockers.total);
    expect((await lockersPage('state=online')).total).toBe(view.lockers.online);
    expect((await lockersPage('state=free')).total).toBe(2);
  });

  it('creates and edits sites, refusing a zone that is not IANA, each audited with its reason', async () => {
    const bad = await admin.json<FieldsError>('POST', '/api/admin/sites', {
      name: 'Nulle part',
      timeZone: 'Mars/Olympus_Mons',
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
    expect(bad.body.error.details.fields.map((f) => f.path)).toContain('timeZone');
    for (const body of [{ timeZone: 'Europe/Paris' }, { name: '', timeZone: 'Europe/Paris' }, { name: 'X' }]) {
      const refused = await admin.json<FieldsError>('POST', '/api/admin/sites', body);
      expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([400, 'invalid_request']);
    }

    const created = await admin.json<{ site: Site }>('POST', '/api/admin/sites', {
      name: `Site Nord ${suffix}`,
      address: 'Rue du Casier 1, 1000 Bruxelles',
      timeZone: 'Europe/Paris',
      reason: 'new campus',
    });
    expect(created.status).toBe(201);
    site = created.body.site;
    expect(site).toMatchObject({
      name: `Site Nord ${suffix}`,
      address: 'Rue du Casier 1, 1000 Bruxelles',
      timeZone: 'Europe/Paris',
      lockers: 0,
      decommissionedAt: null,
    });
    const [createdAudit] = await audited('site.created', { siteId: site.id });
    expect(createdAudit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'new campus' } });

    const edited = await admin.json<{ site: Site }>('PATCH', `/api/admin/sites/${site.id}`, {
      address: '',
      timeZone: 'Europe/Brussels',
      reason: 'moved',
    });
    expect(edited.status).toBe(200);
    expect(edited.body.site).toMatchObject({ id: site.id, address: null, timeZone: 'Europe/Brussels' });
    const [editAudit] = await audited('site.edited', { siteId: site.id });
    expect(editAudit?.data).toMatchObject({ changes: { address: null, timeZone: 'Europe/Brussels' }, reason: 'moved' });
    const badEdit = await admin.json<ErrorBody>('PATCH', `/api/admin/sites/${site.id}`, { timeZone: 'UTC+1' });
    expect([badEdit.status, badEdit.body.error.code]).toEqual([400, 'invalid_request']);

    const listed = await admin.json<{ sites: Site[] }>('GET', '/api/admin/sites');
    expect(listed.body.sites.find((s) => s.id === site.id)).toMatchObject({ address: null, lockers: 0 });
    for (const path of ['/api/admin/sites/8d5e1a7c-0000-4000-8000-000000000000', '/api/admin/sites/not-a-uuid']) {
      const unknown = await admin.json<ErrorBody>('PATCH', path, { name: 'Ghost' });
      expect([unknown.status, unknown.body.error.code], path).toEqual([404, 'unknown_site']);
    }
  });

  it('provisions lockers: the secret once, the bundle with it and its QR code; the site then keeps them', async () => {
    const provision = (body: Record<string, unknown>) => admin.request('POST', '/api/admin/lockers', body);
    const answer = await provision({
      id: ids.a,
      siteId: site.id,
      type: 'school',
      name: 'Casier Nord A',
      location: 'Hall B',
      pairingCode: `SL-NORD-${suffix}-A`,
      hourlyPriceCents: 350,
      reason: 'first of the row',
      agent: { stateDir: join(stateRoot, ids.a), hal: { driver: 'simulator' } },
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    issuedA = (await answer.json()) as Issued;
    expect(issuedA.locker).toMatchObject({
      id: ids.a,
      name: 'Casier Nord A',
      type: 'school',
      location: 'Hall B',
      pairingCode: `SL-NORD-${suffix}-A`,
      hourlyPriceCents: 350,
      site: { id: site.id },
      online: false,
      relayCycles: 0,
      opensCount: 0,
      occupancy: null,
      outOfService: null,
      decommissionedAt: null,
    });
    expect(issuedA.secret.length).toBeGreaterThanOrEqual(32);
    expect(issuedA.bundle).toMatchObject({
      lockerId: ids.a,
      mqtt: { url: system.brokerUrl, username: ids.a, password: issuedA.secret },
    });
    expect(issuedA.bundleQrSvg).toMatch(/^<svg[\s>]/);
    const [provisioned] = await audited('locker.provisioned', { lockerId: ids.a });
    expect(provisioned).toMatchObject({
      actorKind: 'admin',
      actorId: adminId,
      data: { siteId: site.id, reason: 'first of the row' },
    });
    // The secret is kept hashed only: nothing the panel can read again carries it.
    const again = await admin.request('GET', `/api/admin/lockers/${ids.a}/bundle.json`);
    expect(await again.text()).not.toContain(issuedA.secret);
    expect(JSON.stringify(await fleetLocker(ids.a))).not.toContain(issuedA.secret);

    const b = await provision({ id: ids.b, siteId: site.id, type: 'sport', name: 'Casier Nord B' });
    expect(b.status).toBe(201);
    // An empty pairing code means SL- and the id.
    const c = await admin.json<Issued>('POST', '/api/admin/lockers', {
      id: ids.c,
      siteId: site.id,
      type: 'school',
      name: 'Casier Nord C',
      pairingCode: '',
    });
    expect(c.status).toBe(201);
    expect(c.body.locker.pairingCode).toBe(`SL-FLT-${suffix}-C`);
    // A new secret for C: shown once, the old one refused by the broker from now on.
    const rotation = await admin.request('POST', `/api/admin/lockers/${ids.c}/rotate-secret`, {
      reason: 'label leaked',
    });
    expect([rotation.status, rotation.headers.get('cache-control')]).toEqual([200, 'no-store']);
    const rotated = (await rotation.json()) as Issued;
    expect(rotated.secret).not.toBe(c.body.secret);
    expect(rotated.bundle.mqtt.password).toBe(rotated.secret);
    expect(rotated.bundleQrSvg).toMatch(/^<svg[\s>]/);
    expect(rotated.locker.id).toBe(ids.c);
    secretC = rotated.secret;
    expect(await brokerAnswer(system.brokerUrl, ids.c, c.body.secret)).not.toBe(0);
    expect(await brokerAnswer(system.brokerUrl, ids.c, rotated.secret)).toBe(0);
    const [rotatedAudit] = await audited('locker.secret_rotated', { lockerId: ids.c });
    expect(rotatedAudit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'label leaked' } });

    const refusals: [Record<string, unknown>, number, string][] = [
      [{ id: ids.a, siteId: site.id, type: 'school', name: 'Twice' }, 409, 'locker_exists'],
      [
        {
          id: `FLT_${suffix}_D`,
          siteId: site.id,
          type: 'school',
          name: 'Same code',
          pairingCode: `SL-NORD-${suffix}-A`,
        },
        409,
        'pairing_code_taken',
      ],
      [{ id: 'lower_case', siteId: site.id, type: 'school', name: 'x' }, 400, 'invalid_request'],
      [{ id: `FLT_${suffix}_E`, siteId: site.id, type: 'locker', name: 'x' }, 400, 'invalid_request'],
      [
        { id: `FLT_${suffix}_F`, siteId: site.id, type: 'school', name: 'x', hourlyPriceCents: -1 },
        400,
        'invalid_request',
      ],
    ];
    for (const [body, status, code] of refusals) {
      const refused = await admin.json<ErrorBody>('POST', '/api/admin/lockers', body);
      expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([status, code]);
    }

    // A site with lockers in the fleet is not decommissioned.
    const busy = await admin.json<ErrorBody>('POST', `/api/admin/sites/${site.id}/decommission`, {
      reason: 'too early',
    });
    expect([busy.status, busy.body.error.code]).toEqual([409, 'site_has_lockers']);
    expect(busy.body.error.details).toMatchObject({ lockers: 3 });
    const sites = await admin.json<{ sites: Site[] }>('GET', '/api/admin/sites');
    expect(sites.body.sites.find((s) => s.id === site.id)).toMatchObject({ lockers: 3, decommissionedAt: null });
    expect(await audited('site.decommissioned', { siteId: site.id })).toEqual([]);
  });

  it('edits a locker, auditing what changed and why', async () => {
    const edited = await admin.json<{ locker: FleetLocker }>('PATCH', `/api/admin/lockers/${ids.c}`, {
      name: 'Casier Nord C (fenêtre)',
      location: 'Near the window',
      pairingCode: `sl-nord-${suffix.toLowerCase()}-c`,
      hourlyPriceCents: 420,
      reason: 'relabelled',
    });
    expect(edited.status).toBe(200);
    expect(edited.body.locker).toMatchObject({
      id: ids.c,
      name: 'Casier Nord C (fenêtre)',
      location: 'Near the window',
      pairingCode: `SL-NORD-${suffix}-C`,
      hourlyPriceCents: 420,
    });
    const [audit] = await audited('locker.edited', { lockerId: ids.c });
    expect(audit).toMatchObject({
      actorKind: 'admin',
      actorId: adminId,
      data: {
        reason: 'relabelled',
        changes: { name: 'Casier Nord C (fenêtre)', pairingCode: `SL-NORD-${suffix}-C`, hourlyPriceCents: 420 },
      },
    });

    const refusals: [string, Record<string, unknown>, number, string][] = [
      [ids.c, { name: 'No reason' }, 400, 'invalid_request'],
      [ids.c, { pairingCode: `SL-NORD-${suffix}-A`, reason: 'clash' }, 409, 'pairing_code_taken'],
      [ids.c, { pairingCode: 'not a code!', reason: 'typo' }, 400, 'invalid_code'],
      [ids.c, { hourlyPriceCents: 1.5, reason: 'cents' }, 400, 'invalid_request'],
      ['NO_SUCH_LOCKER', { name: 'x', reason: 'x' }, 404, 'unknown_locker'],
      ['lower-case', { name: 'x', reason: 'x' }, 404, 'unknown_locker'],
    ];
    for (const [id, body, status, code] of refusals) {
      const refused = await admin.json<ErrorBody>('PATCH', `/api/admin/lockers/${id}`, body);
      expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await fleetLocker(ids.c)).pairingCode).toBe(`SL-NORD-${suffix}-C`);
  });

  it('serves stickers (SVG, PDF, sheets) and the bundle without its secret', async () => {
    const download = async (path: string) => {
      const response = await admin.request('GET', path);
      expect(response.status, path).toBe(200);
      return { type: response.headers.get('content-type') ?? '', response };
    };
    const svg = await download(`/api/admin/lockers/${ids.a}/sticker.svg`);
    expect(svg.type).toMatch(/^image\/svg\+xml/);
    const stickerSvg = await svg.response.text();
    expect(stickerSvg).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s>]/);
    expect(stickerSvg).toContain(`SL-NORD-${suffix}-A`);
    // Its QR code opens the pairing page with the code filled in.
    const [qr] = await decodeQrCodes(await svgToPng(stickerSvg, 200));
    expect(qr?.text).toMatch(new RegExp(`^https?://[^/]+/p/SL-NORD-${suffix}-A$`));

    for (const path of [
      `/api/admin/lockers/${ids.a}/sticker.pdf`,
      `/api/admin/lockers/${ids.a}/sticker.pdf?layout=3x7`,
      `/api/admin/stickers.pdf?ids=${ids.a},${ids.b},${ids.c}`,
      `/api/admin/stickers.pdf?siteId=${site.id}&layout=3x7`,
    ]) {
      const pdf = await download(path);
      expect(pdf.type, path).toBe('application/pdf');
      const bytes = Buffer.from(await pdf.response.arrayBuffer());
      expect(bytes.subarray(0, 5).toString('latin1'), path).toBe('%PDF-');
      expect(bytes.subarray(-8).toString('latin1'), path).toContain('%%EOF');
    }

    const bundle = await download(`/api/admin/lockers/${ids.a}/bundle.json`);
    expect(bundle.type).toMatch(/^application\/json/);
    expect(bundle.response.headers.get('content-disposition')).toContain(`smartlocker-agent-${ids.a}.json`);
    expect(bundle.response.headers.get('cache-control')).toBe('no-store');
    const file = (await bundle.response.json()) as Issued['bundle'];
    expect(file).toMatchObject({ lockerId: ids.a, mqtt: { url: system.brokerUrl, username: ids.a } });
    expect(file.mqtt).not.toHaveProperty('password');
    const bundleSvg = await download(`/api/admin/lockers/${ids.a}/bundle.svg`);
    expect(bundleSvg.type).toMatch(/^image\/svg\+xml/);
    const [scanned] = await decodeQrCodes(await svgToPng(await bundleSvg.response.text(), 200));
    expect(JSON.parse(scanned?.text ?? 'null')).toMatchObject({ lockerId: ids.a, mqtt: { username: ids.a } });
    expect(scanned?.text).not.toContain(issuedA.secret);

    const refusals: [string, number, string][] = [
      [`/api/admin/lockers/NO_SUCH_LOCKER/sticker.svg`, 404, 'unknown_locker'],
      [`/api/admin/lockers/NO_SUCH_LOCKER/bundle.json`, 404, 'unknown_locker'],
      [`/api/admin/lockers/${ids.a}/sticker.pdf?layout=9x9`, 400, 'invalid_request'],
      ['/api/admin/stickers.pdf', 400, 'invalid_request'],
      ['/api/admin/stickers.pdf?ids=NO_SUCH_LOCKER', 404, 'unknown_locker'],
      ['/api/admin/stickers.pdf?siteId=8d5e1a7c-0000-4000-8000-000000000000', 404, 'no_lockers'],
    ];
    for (const [path, status, code] of refusals) {
      const refused = await admin.json<ErrorBody>('GET', path);
      expect([refused.status, refused.body.error.code], path).toEqual([status, code]);
    }
  });

  it('brings the bundle’s agent online and lists the fleet by site, type, state and text, in pages', async () => {
    const config = parseAgentConfig(issuedA.bundle);
    // A heartbeat every half second instead of 30 s: the device's counters arrive in the test's time.
    agentA = (await startAgent({
      ...config,
      timings: { ...config.timings, heartbeatMs: 500 },
      logLevel: 'silent',
    })) as RunningAgent<SimulatedHal>;
    agents.push(agentA);
    await agentA.waitUntilConnected(15_000);
    expect(agentA.hal).toBeInstanceOf(SimulatedHal);
    await lockersOnline(system.url, 3);
    await eventually(async () => (await fleetLocker(ids.a)).door).toBe('closed');

    const onSite = await lockersPage(`siteId=${site.id}`);
    expect(onSite.lockers.map((l) => l.id)).toEqual([ids.a, ids.b, ids.c]);
    expect(onSite.total).toBe(3);
    expect(onSite.lockers[0]).toMatchObject({
      online: true,
      firmwareVersion: expect.any(String),
      lastSeenAt: expect.any(String),
    });
    const ids_ = (page: LockersPage) => page.lockers.map((l) => l.id);
    expect(ids_(await lockersPage(`siteId=${site.id}&type=sport`))).toEqual([ids.b]);
    expect(ids_(await lockersPage(`siteId=${site.id}&type=school`))).toEqual([ids.a, ids.c]);
    expect(ids_(await lockersPage(`siteId=${site.id}&state=online`))).toEqual([ids.a]);
    expect(ids_(await lockersPage(`siteId=${site.id}&state=offline`))).toEqual([ids.b, ids.c]);
    expect(ids_(await lockersPage(`siteId=${site.id}&state=free`))).toEqual([ids.a, ids.b, ids.c]);
    expect(ids_(await lockersPage(`siteId=${site.id}&state=in_use`))).toEqual([]);
    // Text: part of the id, of the name (any case) or of the pairing code.
    expect(ids_(await lockersPage(`q=${encodeURIComponent('nord c (FEN')}`))).toEqual([ids.c]);
    expect(ids_(await lockersPage(`q=NORD-${suffix}-A`))).toEqual([ids.a]);
    expect(ids_(await lockersPage(`q=${suffix}_B`))).toEqual([ids.b]);
    expect(ids_(await lockersPage(`q=${encodeURIComponent('FENÊTRE')}`))).toEqual([ids.c]);
    expect((await lockersPage('q=100%25')).total).toBe(0);
    // Across sites, types and states together.
    expect(ids_(await lockersPage('type=school&state=online'))).toEqual([ids.a, system.lockerIds.school].sort());

    const first = await lockersPage(`siteId=${site.id}&pageSize=2`);
    const second = await lockersPage(`siteId=${site.id}&pageSize=2&page=2`);
    expect([first.total, first.page, first.pageSize, ids_(first)]).toEqual([3, 1, 2, [ids.a, ids.b]]);
    expect([second.total, second.page, ids_(second)]).toEqual([3, 2, [ids.c]]);
    expect((await lockersPage(`siteId=${site.id}&pageSize=2&page=3`)).lockers).toEqual([]);

    for (const bad of ['state=broken', 'type=boat', 'siteId=nope', 'pageSize=0', 'pageSize=201', 'page=0', 'page=x']) {
      const refused = await admin.json<ErrorBody>('GET', `/api/admin/lockers?${bad}`);
      expect([refused.status, refused.body.error.code], bad).toEqual([400, 'invalid_request']);
    }
    const view = await overview();
    expect(view.lockers).toMatchObject({ total: 5, online: 3, offline: 2, inUse: 0, outOfService: 0 });
  });

  it('sees a lockdown from three intrusions and resets it, with the reason in the audit trail', async () => {
    const doorSeen = (door: 'open' | 'closed') => eventually(() => agentA.snapshot().door).toBe(door);
    for (let i = 0; i < 3; i++) {
      agentA.hal.setDoor('open');
      await doorSeen('open');
      agentA.hal.setDoor('closed');
      await doorSeen('closed');
    }
    await eventually(() => agentA.snapshot().lockdown.active).toBe(true);
    await eventually(async () => (await lockersPage('state=lockdown')).lockers.map((l) => l.id)).toEqual([ids.a]);
    const during = await overview();
    expect(during.lockers.lockdown).toBe(1);
    // The intrusions and the lockdown are alarms nobody has cleared yet.
    expect(during.activeAlarms).toBeGreaterThanOrEqual(1);
    const reset = await admin.json<{ reset: boolean; commandId: string }>(
      'POST',
      `/api/admin/lockers/${ids.a}/reset-lockdown`,
      { reason: 'tested the door sensor' },
    );
    expect(reset.status).toBe(200);
    expect(reset.body.reset).toBe(true);
    expect(agentA.snapshot().lockdown.active).toBe(false);
    expect((await fleetLocker(ids.a)).lockdownUntil).toBeNull();
    expect((await lockersPage('state=lockdown')).total).toBe(0);
    expect((await overview()).lockers.lockdown).toBe(0);
    const [audit] = await audited('locker.reset_lockdown', { lockerId: ids.a });
    expect(audit).toMatchObject({
      actorKind: 'admin',
      actorId: adminId,
      data: { commandId: reset.body.commandId, outcome: 'accepted', adminReason: 'tested the door sensor' },
    });
    const unknown = await admin.json<ErrorBody>('POST', '/api/admin/lockers/NO_SUCH_LOCKER/reset-lockdown');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_locker']);
  });

  it('opens for maintenance: the relay pulses, and the device’s counters reach the fleet list', async () => {
    // Relay cycles and opens are the device's own totals (its heartbeat), not counted by the server.
    const before = agentA.snapshot().counters;
    await eventually(async () => {
      const locker = await fleetLocker(ids.a);
      return [locker.relayCycles, locker.opensCount];
    }).toEqual([before.relayCycles, before.opens]);
    const pulses = agentA.hal.relayActivations;

    const events = readSse(await admin.request('GET', '/api/events'));
    const opened = await admin.json<{ commandId: string }>('POST', `/api/admin/lockers/${ids.a}/maintenance-open`, {
      reason: 'replace the strike',
    });
    expect(opened.status).toBe(202);
    expect(opened.body.commandId).toMatch(/^[0-9a-f-]{36}$/);
    const ack = await waitForEvent(
      events,
      (e: SseEvent) => e.event === 'command' && JSON.parse(e.data).commandId === opened.body.commandId,
    );
    expect(JSON.parse(ack.data)).toMatchObject({ outcome: 'accepted' });
    await events.return(undefined);
    await eventually(() => agentA.hal.relayActivations).toBe(pulses + 1);
    await eventually(() => agentA.hal.relayEnergised, 10_000).toBe(false);
    await eventually(async () => {
      const locker = await fleetLocker(ids.a);
      return [locker.relayCycles, locker.opensCount];
    }).toEqual([before.relayCycles + 1, before.opens + 1]);
    expect(agentA.snapshot().counters).toMatchObject({ relayCycles: before.relayCycles + 1, opens: before.opens + 1 });

    const [audit] = await audited('locker.maintenance_open', { lockerId: ids.a }).then((rows) =>
      rows.filter((r) => (r.data as { commandId?: string }).commandId === opened.body.commandId),
    );
    expect(audit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'replace the strike' } });

    // The server keeps what the device says, at most what its integer column holds: a heartbeat
    // claiming more is still applied (the locker is alive), its counter kept at the maximum.
    const device = await mqtt.connectAsync(system.brokerUrl, {
      username: ids.c,
      password: secretC,
      clientId: `probe-${ids.c}`,
      reconnectPeriod: 0,
    });
    const heartbeat = encodeMessage('heartbeat', {
      v: 1,
      id: randomUUID(),
      lockerId: ids.c,
      ts: Date.now(),
      seq: 1,
      uptimeS: 12,
      firmware: 'bench-9.9',
      counters: { opens: 3_000_000_000, relayCycles: 42, alerts: 0 },
    });
    await device.publishAsync(topicFor(ids.c, 'heartbeat'), heartbeat, { qos: 1 });
    await eventually(async () => {
      const locker = await fleetLocker(ids.c);
      return [locker.online, locker.firmwareVersion, locker.relayCycles, locker.opensCount];
    }).toEqual([true, 'bench-9.9', 42, 2_147_483_647]);
    await device.endAsync();

    const offline = await admin.json<ErrorBody>('POST', `/api/admin/lockers/${ids.b}/maintenance-open`, {
      reason: 'x',
    });
    expect([offline.status, offline.body.error.code]).toEqual([409, 'locker_offline']);
    const noReason = await admin.json<ErrorBody>('POST', `/api/admin/lockers/${ids.a}/maintenance-open`, {});
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'invalid_request']);
    const unknown = await admin.json<ErrorBody>('POST', '/api/admin/lockers/NO_SUCH_LOCKER/maintenance-open', {
      reason: 'x',
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'unknown_locker']);
  });

  // The sport locker's member: paired and in a session from here to the force-free below.
  let pia: Awaited<ReturnType<typeof person>>;

  it('puts a locker out of service: pairing, sessions and opens refused; back in service works; the overview streams', async () => {
    const sport = system.lockerIds.sport;
    const sportHal = hal(sport);
    pia = await person('pia');
    expect(
      (await admin.json('POST', `/api/admin/users/${pia.id}/premium`, { premium: true, reason: 'club' })).status,
    ).toBe(200);

    const events = readSse(await admin.request('GET', '/api/events'));
    const out = await admin.json<{ locker: FleetLocker }>('POST', `/api/admin/lockers/${sport}/out-of-service`, {
      reason: 'hinge broken',
    });
    expect(out.status).toBe(200);
    expect(out.body.locker.outOfService).toEqual({ since: expect.any(String), reason: 'hinge broken' });
    // The administrator's stream carries the new counters (coalesced, at most one a second).
    const streamed = await waitForEvent(
      events,
      (e) => e.event === 'overview' && (JSON.parse(e.data) as Overview).lockers.outOfService === 1,
    );
    expect(JSON.parse(streamed.data)).toMatchObject({ lockers: { total: 5 }, revenue: { currency: 'EUR' } });
    await events.return(undefined);
    expect((await lockersPage('state=out_of_service')).lockers.map((l) => l.id)).toEqual([sport]);
    expect((await lockersPage('state=free')).lockers.map((l) => l.id)).not.toContain(sport);

    const pairing = await pia.browser.json<ErrorBody>('POST', '/api/pairing', { code: system.codes.sport });
    expect([pairing.status, pairing.body.error.code]).toEqual([409, 'locker_out_of_service']);
    const back = await admin.json<{ locker: FleetLocker }>('POST', `/api/admin/lockers/${sport}/in-service`, {
      reason: 'hinge fixed',
    });
    expect(back.body.locker.outOfService).toBeNull();
    expect((await pia.browser.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);

    // Out of service with Pia paired: a session does not start.
    await admin.json('POST', `/api/admin/lockers/${sport}/out-of-service`, { reason: 'second look' });
    const start = await pia.browser.json<ErrorBody>('POST', '/api/sessions', { lockerId: sport });
    expect([start.status, start.body.error.code]).toEqual([409, 'locker_out_of_service']);
    await admin.json('POST', `/api/admin/lockers/${sport}/in-service`, { reason: 'all good' });
    const pulses = sportHal.relayActivations;
    expect((await pia.browser.json('POST', '/api/sessions', { lockerId: sport })).status).toBe(201);
    await eventually(() => sportHal.relayActivations).toBe(pulses + 1);
    await eventually(() => sportHal.relayEnergised, 10_000).toBe(false);

    // In a session: an open waits too.
    await admin.json('POST', `/api/admin/lockers/${sport}/out-of-service`, { reason: 'third look' });
    const open = await pia.browser.json<ErrorBody>('POST', '/api/sessions/current/open');
    expect([open.status, open.body.error.code]).toEqual([409, 'locker_out_of_service']);
    expect(sportHal.relayActivations).toBe(pulses + 1);
    await admin.json('POST', `/api/admin/lockers/${sport}/in-service`, { reason: 'done' });
    expect((await pia.browser.json('POST', '/api/sessions/current/open')).status).toBe(202);
    await eventually(() => sportHal.relayActivations).toBe(pulses + 2);
    await eventually(() => sportHal.relayEnergised, 10_000).toBe(false);

    const outs = await audited('locker.out_of_service', { lockerId: sport });
    const ins = await audited('locker.in_service', { lockerId: sport });
    expect(outs.map((a) => (a.data as { reason: string }).reason)).toEqual([
      'hinge broken',
      'second look',
      'third look',
    ]);
    expect(ins.map((a) => (a.data as { reason: string }).reason)).toEqual(['hinge fixed', 'all good', 'done']);
    expect(outs.every((a) => a.actorKind === 'admin' && a.actorId === adminId)).toBe(true);
    const noReason = await admin.json<ErrorBody>('POST', `/api/admin/lockers/${sport}/out-of-service`, { reason: ' ' });
    expect([noReason.status, noReason.body.error.code]).toEqual([400, 'invalid_request']);
    expect((await fleetLocker(sport)).outOfService).toBeNull();
  });

  it('force-frees a sport session once the door is shut; a locker in use is not decommissioned', async () => {
    const sport = system.lockerIds.sport;
    const sportHal = hal(sport);
    const inUse = await lockersPage('state=in_use');
    expect(inUse.lockers.map((l) => l.id)).toEqual([sport]);
    expect(inUse.lockers[0]?.occupancy).toMatchObject({
      kind: 'sport_session',
      user: { id: pia.id, email: pia.email },
      endsAt: null,
    });
    expect((await overview()).lockers.inUse).toBe(1);

    const refused = await admin.json<ErrorBody>('POST', `/api/admin/lockers/${sport}/decommission`, {
      reason: 'too early',
    });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'locker_in_use']);
    expect((await fleetLocker(sport)).decommissionedAt).toBeNull();

    // The door is open: ending the session would leave the locker open.
    sportHal.setDoor('open');
    await eventually(async () => (await fleetLocker(sport)).door).toBe('open');
    const doorOpen = await admin.json<ErrorBody>('POST', `/api/admin/lockers/${sport}/force-free`, {
      reason: 'member gone',
    });
    expect([doorOpen.status, doorOpen.body.error.code]).toEqual([409, 'door_open']);
    sportHal.setDoor('closed');
    await eventually(async () => (await fleetLocker(sport)).door).toBe('closed');

    const freed = await admin.json<{ ended: string | null; refunded: boolean }>(
      'POST',
      `/api/admin/lockers/${sport}/force-free`,
      { reason: 'member gone', refund: true },
    );
    expect(freed.status).toBe(200);
    // Sessions are part of Premium: nothing to give back.
    expect(freed.body).toEqual({ ended: 'session', refunded: false });
    const me = await pia.browser.json<{ session: unknown; locker: unknown }>('GET', '/api/me');
    expect([me.body.session, me.body.locker]).toEqual([null, null]);
    const history = await pia.browser.json<{ entries: HistoryEntry[] }>('GET', '/api/history');
    expect(history.body.entries.map((e) => e.endReason)).toEqual(['admin']);
    const [audit] = await audited('session.force_freed', { lockerId: sport, userId: pia.id });
    expect(audit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'member gone' } });
    const locker = await fleetLocker(sport);
    expect([locker.occupancy, locker.pairedCount]).toEqual([null, 0]);
    expect((await overview()).lockers.inUse).toBe(0);

    const nothing = await admin.json('POST', `/api/admin/lockers/${sport}/force-free`, { reason: 'again' });
    expect([nothing.status, nothing.body]).toEqual([200, { ended: null, refunded: false }]);
  });

  it('force-frees running school bookings, without and with a refund, into the history', async () => {
    const school = system.lockerIds.school;
    const schoolHal = hal(school);
    const emulator = system.stripeEmulator;
    if (!emulator) throw new Error('the test system runs the Stripe emulator');
    const pay = async (checkoutUrl: string) => {
      expect(await emulator.pay(checkoutUrl.split('/').at(-1) ?? '', '4242424242424242')).toEqual({ ok: true });
      await emulator.idle();
    };
    const max = await person('max');
    const zoe = await person('zoe');
    for (const p of [max, zoe]) {
      expect((await p.browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    }

    // 07:30 in Brussels: a booking is refused while the locker is out of service.
    clock.set(at(`${BOOKING_DAY}T06:30:00Z`));
    await admin.json('POST', `/api/admin/lockers/${school}/out-of-service`, { reason: 'cleaning' });
    const refused = await max.browser.json<ErrorBody>('POST', '/api/bookings', {
      date: BOOKING_DAY,
      startHour: 10,
      durationHours: 2,
    });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'locker_out_of_service']);
    await admin.json('POST', `/api/admin/lockers/${school}/in-service`, { reason: 'clean' });

    type Booked = { booking: { id: string; amountCents: number }; checkoutUrl: string };
    const maxBooking = await max.browser.json<Booked>('POST', '/api/bookings', {
      date: BOOKING_DAY,
      startHour: 10,
      durationHours: 2,
    });
    expect(maxBooking.status).toBe(201);
    await pay(maxBooking.body.checkoutUrl);
    const zoeBooking = await zoe.browser.json<Booked>('POST', '/api/bookings', {
      date: BOOKING_DAY,
      startHour: 12,
      durationHours: 1,
    });
    expect(zoeBooking.status).toBe(201);
    await pay(zoeBooking.body.checkoutUrl);

    // 10:30: Max's booking runs.
    clock.set(at(`${BOOKING_DAY}T09:30:00Z`));
    const running = await fleetLocker(school);
    expect(running.occupancy).toMatchObject({
      kind: 'school_booking',
      bookingId: maxBooking.body.booking.id,
      user: { id: max.id, email: max.email },
      startsAt: `${BOOKING_DAY}T09:00:00.000Z`,
      endsAt: `${BOOKING_DAY}T11:00:00.000Z`,
    });
    await admin.json('POST', `/api/admin/lockers/${school}/out-of-service`, { reason: 'jammed' });
    const pulses = schoolHal.relayActivations;
    const openRefused = await max.browser.json<ErrorBody>('POST', `/api/lockers/${school}/open`);
    expect([openRefused.status, openRefused.body.error.code]).toEqual([409, 'locker_out_of_service']);
    await admin.json('POST', `/api/admin/lockers/${school}/in-service`, { reason: 'unjammed' });
    expect((await max.browser.json('POST', `/api/lockers/${school}/open`)).status).toBe(202);
    await eventually(() => schoolHal.relayActivations).toBe(pulses + 1);

    const kept = await admin.json<{ ended: string | null; refunded: boolean }>(
      'POST',
      `/api/admin/lockers/${school}/force-free`,
      { reason: 'exam hall needs it' },
    );
    expect([kept.status, kept.body]).toEqual([200, { ended: 'booking', refunded: false }]);
    const maxView = await max.browser.json<{ booking: { status: string } }>(
      'GET',
      `/api/bookings/${maxBooking.body.booking.id}`,
    );
    expect(maxView.body.booking.status).toBe('completed');
    const maxHistory = await max.browser.json<{ entries: HistoryEntry[] }>('GET', '/api/history');
    expect(maxHistory.body.entries).toEqual([
      expect.objectContaining({
        id: maxBooking.body.booking.id,
        endedAt: `${BOOKING_DAY}T09:30:00.000Z`,
        endReason: 'admin',
        refunded: false,
        amountCents: 1000,
      }),
    ]);
    const [maxPayment] = await system.database.db
      .select()
      .from(payments)
      .where(eq(payments.bookingId, maxBooking.body.booking.id));
    expect([maxPayment?.status, maxPayment?.refundedAt]).toEqual(['paid', null]);
    // Nothing ahead for Max: his pairing ended with the booking, as at any end.
    expect((await max.browser.json<{ locker: unknown }>('GET', '/api/me')).body.locker).toBeNull();
    expect((await fleetLocker(school)).occupancy).toBeNull();
    const [keptAudit] = await audited('booking.freed_by_admin', { lockerId: school, userId: max.id });
    expect(keptAudit).toMatchObject({
      actorKind: 'admin',
      actorId: adminId,
      data: { bookingId: maxBooking.body.booking.id, refund: false, reason: 'exam hall needs it' },
    });

    // 12:15: Zoé's booking runs; freed with her money back.
    clock.set(at(`${BOOKING_DAY}T11:15:00Z`));
    expect((await fleetLocker(school)).occupancy?.bookingId).toBe(zoeBooking.body.booking.id);
    const refunded = await admin.json<{ ended: string | null; refunded: boolean }>(
      'POST',
      `/api/admin/lockers/${school}/force-free`,
      { reason: 'water leak', refund: true },
    );
    expect([refunded.status, refunded.body]).toEqual([200, { ended: 'booking', refunded: true }]);
    const [zoePayment] = await system.database.db
      .select()
      .from(payments)
      .where(and(eq(payments.bookingId, zoeBooking.body.booking.id), eq(payments.purpose, 'booking')));
    expect(zoePayment?.status).toBe('refunded');
    expect(zoePayment?.refundedAt?.toISOString()).toBe(`${BOOKING_DAY}T11:15:00.000Z`);
    const zoeView = await zoe.browser.json<{ booking: { status: string } }>(
      'GET',
      `/api/bookings/${zoeBooking.body.booking.id}`,
    );
    expect(zoeView.body.booking.status).toBe('refunded');
    const zoeHistory = await zoe.browser.json<{ entries: HistoryEntry[] }>('GET', '/api/history');
    expect(zoeHistory.body.entries).toEqual([
      expect.objectContaining({
        id: zoeBooking.body.booking.id,
        endedAt: `${BOOKING_DAY}T11:15:00.000Z`,
        endReason: 'admin',
        refunded: true,
      }),
    ]);
    expect((await zoe.browser.json<{ locker: unknown }>('GET', '/api/me')).body.locker).toBeNull();
    const [refundAudit] = await audited('booking.freed_by_admin', { lockerId: school, userId: zoe.id });
    expect(refundAudit?.data).toMatchObject({ refund: true, reason: 'water leak' });
    expect(await audited('payment.refunded', { userId: zoe.id })).toHaveLength(1);
    expect((await fleetLocker(school)).occupancy).toBeNull();
    // Revenue counts Max's payment, and Zoé's refund the day it moved: here the same day.
    const revenue = await admin.json<{ netCents: number; paidCents: number; refundedCents: number }>(
      'GET',
      `/api/admin/revenue?from=${BOOKING_DAY}&to=${BOOKING_DAY}`,
    );
    expect(revenue.body).toMatchObject({ paidCents: 1500, refundedCents: 500, netCents: 1000 });
  });

  it('decommissions lockers: their credential is refused by the broker; then the emptied site', async () => {
    expect(await brokerAnswer(system.brokerUrl, ids.a, issuedA.secret)).toBe(0);
    const before = (await overview()).lockers.total;
    const gone = await admin.json<{ locker: FleetLocker }>('POST', `/api/admin/lockers/${ids.a}/decommission`, {
      reason: 'end of lease',
    });
    expect(gone.status).toBe(200);
    expect(gone.body.locker).toMatchObject({ id: ids.a, decommissionedAt: expect.any(String) });
    // Its session is ended and its secret no longer opens one.
    await eventually(() => agentA.connected).toBe(false);
    expect(await brokerAnswer(system.brokerUrl, ids.a, issuedA.secret)).not.toBe(0);
    const [audit] = await audited('locker.decommissioned', { lockerId: ids.a });
    expect(audit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'end of lease' } });

    // Out of the fleet's list and counts; kept for history, refusing changes.
    expect((await lockersPage(`siteId=${site.id}`)).lockers.map((l) => l.id)).toEqual([ids.b, ids.c]);
    expect((await overview()).lockers.total).toBe(before - 1);
    const twice = await admin.json<{ locker: FleetLocker }>('POST', `/api/admin/lockers/${ids.a}/decommission`, {
      reason: 'again',
    });
    expect([twice.status, twice.body.locker.decommissionedAt]).toEqual([200, gone.body.locker.decommissionedAt]);
    for (const [path, body] of [
      [`/api/admin/lockers/${ids.a}`, { name: 'Back', reason: 'x' }],
      [`/api/admin/lockers/${ids.a}/out-of-service`, { reason: 'x' }],
      [`/api/admin/lockers/${ids.a}/maintenance-open`, { reason: 'x' }],
    ] as const) {
      const method = path.endsWith(ids.a) ? 'PATCH' : 'POST';
      const refused = await admin.json<ErrorBody>(method, path, body);
      expect([refused.status, refused.body.error.code], path).toEqual([409, 'locker_decommissioned']);
    }
    const rotate = await admin.json<ErrorBody>('POST', `/api/admin/lockers/${ids.a}/rotate-secret`, {});
    expect([rotate.status, rotate.body.error.code]).toEqual([409, 'locker_decommissioned']);

    for (const id of [ids.b, ids.c]) {
      expect(
        (await admin.json('POST', `/api/admin/lockers/${id}/decommission`, { reason: 'site closes' })).status,
      ).toBe(200);
    }
    // Its sticker no longer pairs anyone: the code is as good as unknown.
    const latecomer = await person('late');
    const pairing = await latecomer.browser.json<ErrorBody>('POST', '/api/pairing', { code: `SL-FLT-${suffix}-B` });
    expect([pairing.status, pairing.body.error.code]).toEqual([404, 'unknown_code']);
    const closed = await admin.json<{ site: Site }>('POST', `/api/admin/sites/${site.id}/decommission`, {
      reason: 'campus sold',
    });
    expect(closed.status).toBe(200);
    expect(closed.body.site).toMatchObject({ id: site.id, lockers: 0, decommissionedAt: expect.any(String) });
    const [siteAudit] = await audited('site.decommissioned', { siteId: site.id });
    expect(siteAudit).toMatchObject({ actorKind: 'admin', actorId: adminId, data: { reason: 'campus sold' } });
    const late = await admin.json<ErrorBody>('POST', '/api/admin/lockers', {
      id: `FLT_${suffix}_G`,
      siteId: site.id,
      type: 'school',
      name: 'Too late',
    });
    expect([late.status, late.body.error.code]).toEqual([409, 'site_decommissioned']);
    const edit = await admin.json<ErrorBody>('PATCH', `/api/admin/sites/${site.id}`, { name: 'Reopened' });
    expect([edit.status, edit.body.error.code]).toEqual([409, 'site_decommissioned']);
    expect((await overview()).lockers).toMatchObject({ total: 2, online: 2, outOfService: 0, inUse: 0 });
  });
});
