/**
 * The fleet overview of the admin panel (GET /api/admin/overview and the SSE `overview` event,
 * docs/admin-api.md). Apart from the admin API so the live layer, which every screen loads, can
 * read the event without pulling the panel's code into the first page.
 */
export interface FleetCounts {
  total: number;
  online: number;
  offline: number;
  lockdown: number;
  inUse: number;
  outOfService: number;
}

/** GET /api/admin/overview, and the SSE `overview` event. */
export interface AdminOverview {
  lockers: FleetCounts;
  activeAlarms: number;
  revenue: { todayCents: number; monthCents: number; currency: string; timeZone: string };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Reads an overview from the server (SSE payloads are untrusted input): undefined when malformed. */
export function readOverview(value: unknown): AdminOverview | undefined {
  if (!isRecord(value) || !isRecord(value.lockers) || !isRecord(value.revenue)) return undefined;
  const { lockers, revenue } = value;
  const keys = ['total', 'online', 'offline', 'lockdown', 'inUse', 'outOfService'] as const;
  if (!keys.every((key) => isCount(lockers[key])) || !isCount(value.activeAlarms)) return undefined;
  if (!isCount(revenue.todayCents) || !isCount(revenue.monthCents)) return undefined;
  return {
    lockers: {
      total: lockers.total as number,
      online: lockers.online as number,
      offline: lockers.offline as number,
      lockdown: lockers.lockdown as number,
      inUse: lockers.inUse as number,
      outOfService: lockers.outOfService as number,
    },
    activeAlarms: value.activeAlarms,
    revenue: {
      todayCents: revenue.todayCents,
      monthCents: revenue.monthCents,
      currency: typeof revenue.currency === 'string' ? revenue.currency : 'EUR',
      timeZone: typeof revenue.timeZone === 'string' ? revenue.timeZone : 'Europe/Brussels',
    },
  };
}
