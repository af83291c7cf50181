import { afterEach, describe, expect, it } from 'vitest';
import {
  auditCsvUrl,
  auditQueryString,
  DEFAULT_AUDIT_QUERY,
  DEFAULT_LOCKER_QUERY,
  DEFAULT_USER_QUERY,
  type FleetLocker,
  lockersQueryString,
  queryString,
  revenueQueryString,
  usersQueryString,
} from '../../src/api/admin';
import { ApiError } from '../../src/api/client';
import type { LockerView } from '../../src/api/types';
import { adminMessageFor } from '../../src/components/admin/adminErrors';
import { auditDataSummary, auditQueryFrom, dayEndIso, dayStartIso } from '../../src/components/admin/auditFilters';
import {
  applyLiveViews,
  applyLockerView,
  fleetStatus,
  patchFleetLocker,
  upsertFleetLocker,
} from '../../src/components/admin/fleetLockers';
import { centsFromEuros, eurosFromCents } from '../../src/components/admin/priceInput';
import { bundleFile } from '../../src/components/admin/provisioningBundle';
import { isIanaTimeZone, readLockerForm, siteProblems } from '../../src/components/admin/provisioningForms';
import {
  calendarDateIn,
  chartSeries,
  daysBetween,
  monthToDate,
  periodDate,
  periodLabel,
  seriesAddsUp,
  sparseLabels,
} from '../../src/components/admin/revenueSeries';
import { setLocale } from '../../src/i18n/locale';
import { parseLockerEvent, parseOverviewEvent } from '../../src/live/eventParsing';

afterEach(() => setLocale('fr'));

describe('admin query strings', () => {
  it('leaves out what says nothing, and encodes the rest', () => {
    expect(queryString({ a: '', b: undefined, c: null, d: '  ' })).toBe('');
    expect(queryString({ q: 'léa & co', page: 2 })).toBe('?q=l%C3%A9a+%26+co&page=2');
  });

  it('builds the users list query: search, filters, sort and page', () => {
    expect(usersQueryString(DEFAULT_USER_QUERY)).toBe('?sort=created&dir=desc&page=1&pageSize=25');
    expect(
      usersQueryString({ ...DEFAULT_USER_QUERY, q: 'lea', role: 'admin', premium: 'false', sort: 'revenue', page: 3 }),
    ).toBe('?q=lea&role=admin&premium=false&sort=revenue&dir=desc&page=3&pageSize=25');
  });

  it('builds the lockers, revenue and audit queries', () => {
    expect(lockersQueryString(DEFAULT_LOCKER_QUERY)).toBe('?page=1&pageSize=50');
    expect(lockersQueryString({ ...DEFAULT_LOCKER_QUERY, siteId: 's1', type: 'sport', state: 'in_use' })).toBe(
      '?siteId=s1&type=sport&state=in_use&page=1&pageSize=50',
    );
    expect(
      revenueQueryString({ from: '2026-11-01', to: '2026-11-30', granularity: 'week', siteId: '', type: 'school' }),
    ).toBe('?from=2026-11-01&to=2026-11-30&granularity=week&type=school');
    const audit = { ...DEFAULT_AUDIT_QUERY, action: 'alert.', lockerId: 'ECOLE_01' };
    expect(auditQueryString(audit, 120)).toBe('?action=alert.&lockerId=ECOLE_01&before=120&limit=50');
    // The export takes the filter, never the page.
    expect(auditCsvUrl(audit)).toBe('/api/admin/audit.csv?action=alert.&lockerId=ECOLE_01');
  });

  it('turns the audit form into instants: a day runs to the next midnight', () => {
    const query = auditQueryFrom({
      action: ' Locker. ',
      actorKind: 'admin',
      lockerId: 'ecole_01',
      fromDay: '2026-03-01',
      toDay: '2026-03-01',
    });
    expect(query.action).toBe('locker.');
    expect(query.lockerId).toBe('ECOLE_01');
    expect(query.actorKind).toBe('admin');
    expect(Date.parse(query.to) - Date.parse(query.from)).toBe(24 * 3600_000);
    expect(dayStartIso('not a day')).toBe('');
    expect(dayEndIso('')).toBe('');
    expect(auditQueryFrom({ action: '', actorKind: 'hacker', lockerId: '', fromDay: '', toDay: '' }).actorKind).toBe(
      '',
    );
    expect(auditDataSummary({ reason: 'porte forcée', seq: 3 })).toBe('reason: porte forcée · seq: 3');
    expect(auditDataSummary({ note: 'x'.repeat(300) }, 20)).toHaveLength(20);
  });
});

const overview = {
  lockers: { total: 12, online: 10, offline: 2, lockdown: 1, inUse: 4, outOfService: 1 },
  activeAlarms: 3,
  revenue: { todayCents: 1500, monthCents: 48000, currency: 'EUR', timeZone: 'Europe/Brussels' },
};

describe('admin SSE events', () => {
  it('reads `overview` and refuses a malformed one', () => {
    expect(parseOverviewEvent(JSON.stringify(overview))).toEqual(overview);
    expect(parseOverviewEvent('{')).toBeUndefined();
    expect(parseOverviewEvent(JSON.stringify({ ...overview, activeAlarms: '3' }))).toBeUndefined();
    expect(
      parseOverviewEvent(JSON.stringify({ ...overview, lockers: { ...overview.lockers, inUse: 1.5 } })),
    ).toBeUndefined();
  });

  it('reads `fleet-locker` as a locker view', () => {
    const view = parseLockerEvent(JSON.stringify(liveView({ online: false })));
    expect(view?.online).toBe(false);
    expect(view?.outOfService).toBeNull();
  });
});

function fleetLocker(overrides: Partial<FleetLocker> = {}): FleetLocker {
  return {
    id: 'ECOLE_01',
    name: 'Casier école 1',
    type: 'school',
    location: 'Hall B',
    pairingCode: 'SL-ECOLE-01',
    hourlyPriceCents: 500,
    site: { id: 's1', name: 'École', timeZone: 'Europe/Brussels' },
    online: true,
    lastSeenAt: '2026-11-01T09:00:00.000Z',
    door: 'closed',
    lock: 'locked',
    objectPresent: false,
    lockdownUntil: null,
    outOfService: null,
    firmwareVersion: '0.1.0',
    relayCycles: 42,
    opensCount: 40,
    occupancy: null,
    pairedCount: 2,
    decommissionedAt: null,
    ...overrides,
  };
}

function liveView(overrides: Partial<LockerView> = {}): LockerView {
  return {
    id: 'ECOLE_01',
    name: 'Casier école 1',
    type: 'school',
    siteName: 'École',
    online: true,
    door: 'closed',
    lock: 'locked',
    lockdown: false,
    lockdownUntil: null,
    outOfService: null,
    objectPresent: false,
    updatedAt: '2026-11-01T09:00:00.000Z',
    ...overrides,
  };
}

describe('patching a locker row from `fleet-locker`', () => {
  it('changes the facts in place and keeps the rest of the row', () => {
    const rows = [fleetLocker({ id: 'A' }), fleetLocker(), fleetLocker({ id: 'C' })];
    const { rows: next, found } = patchFleetLocker(
      rows,
      liveView({ door: 'open', lock: 'unlocked', updatedAt: '2026-11-01T09:05:00.000Z' }),
    );
    expect(found).toBe(true);
    expect(next.map((r) => r.id)).toEqual(['A', 'ECOLE_01', 'C']);
    expect(next[1]).toMatchObject({
      door: 'open',
      lock: 'unlocked',
      relayCycles: 42,
      lastSeenAt: '2026-11-01T09:05:00.000Z',
    });
    expect(next[0]).toBe(rows[0]);
    expect(rows[1]?.door).toBe('closed');
  });

  it('returns the same list when nothing changed or the locker is not shown', () => {
    const rows = [fleetLocker()];
    expect(patchFleetLocker(rows, liveView()).rows).toBe(rows);
    expect(patchFleetLocker(rows, liveView({ id: 'OTHER' }))).toEqual({ rows, found: false });
  });

  it('takes the lockdown, out-of-service and offline facts; going offline is no sign of life', () => {
    const until = '2026-11-01T09:10:00.000Z';
    const locked = applyLockerView(fleetLocker(), liveView({ lockdown: true, lockdownUntil: until }));
    expect(locked.lockdownUntil).toBe(until);
    expect(fleetStatus(locked, Date.parse('2026-11-01T09:06:00Z'))).toBe('lockdown');
    // Past its end, a lockdown is over even before the next event.
    expect(fleetStatus(locked, Date.parse('2026-11-01T09:11:00Z'))).toBe('free');
    const offline = applyLockerView(fleetLocker(), liveView({ online: false, updatedAt: '2026-11-01T10:00:00.000Z' }));
    expect(offline.lastSeenAt).toBe('2026-11-01T09:00:00.000Z');
    expect(fleetStatus(offline, 0)).toBe('offline');
    const closed = applyLockerView(fleetLocker(), liveView({ outOfService: { since: until, reason: 'serrure' } }));
    expect(fleetStatus(closed, 0)).toBe('out_of_service');
  });

  it('applies the views that arrived while a page was on its way, and upserts an answer', () => {
    const page = [fleetLocker({ online: false })];
    expect(applyLiveViews(page, [liveView({ online: true, updatedAt: '2026-11-01T09:30:00.000Z' })])[0]?.online).toBe(
      true,
    );
    const added = upsertFleetLocker(page, fleetLocker({ id: 'NEW_1' }));
    expect(added.map((r) => r.id)).toEqual(['NEW_1', 'ECOLE_01']);
    expect(upsertFleetLocker(added, fleetLocker({ id: 'NEW_1', name: 'Renamed' }))[0]?.name).toBe('Renamed');
  });
});

describe('revenue series', () => {
  const series = [
    { period: '2026-11-01', paidCents: 1500, refundedCents: 0, netCents: 1500 },
    { period: '2026-11-02', paidCents: 1000, refundedCents: 500, netCents: 500 },
  ];

  it('gives the chart euros per period slot, refunds below zero, labels in the language', () => {
    const chart = chartSeries(series, 'day');
    expect(chart.x).toEqual([0, 1]);
    expect(chart.net).toEqual([15, 5]);
    expect(chart.refunded).toEqual([-0, -5]);
    expect(chart.labels[0]).toMatch(/^1 nov/);
    setLocale('en');
    expect(periodLabel('2026-11', 'month')).toBe('Nov 2026');
  });

  it('reads every way a period is written, and checks the totals to the cent', () => {
    expect(periodDate('2026-11')).toBe('2026-11-01');
    expect(periodDate('2026-W01')).toBe('2025-12-29');
    expect(periodDate('2026-11-02T00:00:00Z')).toBe('2026-11-02');
    expect(seriesAddsUp(series, { paidCents: 2500, refundedCents: 500, netCents: 2000 })).toBe(true);
    expect(seriesAddsUp(series, { paidCents: 2500, refundedCents: 500, netCents: 2001 })).toBe(false);
  });

  it('starts on the first of the month in the site’s zone and counts days inclusively', () => {
    // 23:30 UTC on 31 October is already 1 November in Brussels.
    const now = new Date('2026-10-31T23:30:00Z');
    expect(calendarDateIn('Europe/Brussels', now)).toBe('2026-11-01');
    expect(monthToDate('Europe/Brussels', now)).toEqual({ from: '2026-11-01', to: '2026-11-01' });
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(365);
    expect(daysBetween('2026-02-02', '2026-02-01')).toBe(0);
    expect(sparseLabels(['a', 'b', 'c', 'd', 'e'], 2)).toEqual(['a', '', '', 'd', '']);
  });
});

describe('provisioning', () => {
  it('checks a new locker before sending it, with the price in cents', () => {
    const read = readLockerForm({
      id: 'ecole_02',
      siteId: 's1',
      type: 'school',
      name: ' Casier 2 ',
      location: '',
      pairingCode: '',
      price: '4,50',
    });
    expect(read).toEqual({
      ok: true,
      input: {
        id: 'ECOLE_02',
        siteId: 's1',
        type: 'school',
        name: 'Casier 2',
        location: '',
        pairingCode: 'SL-ECOLE-02',
        hourlyPriceCents: 450,
      },
    });
    const bad = readLockerForm({
      id: '-x',
      siteId: '',
      type: 'school',
      name: '',
      location: '',
      pairingCode: '',
      price: 'abc',
    });
    expect(bad).toEqual({ ok: false, problems: ['id', 'siteId', 'name', 'price'] });
  });

  it('knows an IANA zone, and reads prices as typed', () => {
    expect(isIanaTimeZone('Europe/Brussels')).toBe(true);
    expect(isIanaTimeZone('Mars/Olympus')).toBe(false);
    expect(siteProblems({ name: '', address: '', timeZone: 'CET+1' })).toEqual(['name', 'timeZone']);
    expect(centsFromEuros('5')).toBe(500);
    expect(centsFromEuros('12.5 €')).toBe(1250);
    expect(centsFromEuros('1,234')).toBeNull();
    expect(eurosFromCents(450)).toBe('4.50');
    expect(eurosFromCents(null)).toBe('');
  });

  it('builds the bundle file the agent reads, from the answer that issued the secret', () => {
    const bundle = { lockerId: 'ECOLE_02', mqtt: { url: 'mqtt://x', username: 'ECOLE_02', password: 's3cret' } };
    const file = bundleFile('ECOLE_02', bundle);
    expect(file.fileName).toBe('smartlocker-agent-ECOLE_02.json');
    expect(file.text.endsWith('\n')).toBe(true);
    expect(JSON.parse(file.text)).toEqual(bundle);
  });
});

describe('admin errors in words', () => {
  it('says what the admin API refused, in both languages', () => {
    expect(adminMessageFor(new ApiError('last_admin', 'x', 409))).toMatch(/dernier administrateur/);
    setLocale('en');
    expect(adminMessageFor(new ApiError('session_active', 'x', 409))).toMatch(/Force-free/);
    // Anything else goes through the app's shared table.
    expect(adminMessageFor(new ApiError('network_error', 'x', 0))).toMatch(/cannot be reached/);
  });
});
