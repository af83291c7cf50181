import type { AdminOverview } from './adminOverview';
import { createHttp, type FetchLike } from './client';
import type { DoorState, LockerType, LockState, UserRole } from './types';

export type { LockerType } from './types';

/**
 * The administrators' HTTP API of issue 11 (docs/admin-api.md), as the admin panel consumes it:
 * the shapes of its answers, the query strings of its lists, and one function per route. Money is
 * integer cents, instants are ISO 8601 UTC strings.
 */

// ── Overview (its shape and reader live beside the live layer, which parses the SSE `overview`) ──

export type { AdminOverview, FleetCounts } from './adminOverview';
export { readOverview } from './adminOverview';

// ── People ──────────────────────────────────────────────────────────────────────────────────────

export interface AdminUser {
  id: string;
  name: string;
  email: string;
  role: UserRole;
  premium: boolean;
  createdAt: string;
  sessions: number;
  revenueCents: number;
  locker: { id: string; name: string } | null;
}

export const USER_SORTS = ['name', 'email', 'created', 'sessions', 'revenue'] as const;
export type UserSort = (typeof USER_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

export interface UserQuery {
  q: string;
  role: UserRole | '';
  premium: 'true' | 'false' | '';
  sort: UserSort;
  dir: SortDirection;
  page: number;
  pageSize: number;
}

export const DEFAULT_USER_QUERY: UserQuery = {
  q: '',
  role: '',
  premium: '',
  sort: 'created',
  dir: 'desc',
  page: 1,
  pageSize: 25,
};

export interface UsersPage {
  users: AdminUser[];
  total: number;
  page: number;
  pageSize: number;
  totals: { revenueCents: number };
}

export type UserAction =
  | { kind: 'premium'; premium: boolean }
  | { kind: 'role'; role: UserRole }
  | { kind: 'unpair' }
  | { kind: 'erase' };

// ── Lockers and sites ───────────────────────────────────────────────────────────────────────────

export interface Occupancy {
  kind: 'school_booking' | 'sport_session';
  bookingId: string;
  /** Null when the person has since been erased (the booking stays, without them). */
  user: { id: string; name: string; email: string } | null;
  startsAt: string;
  endsAt: string | null;
}

/** A locker as the fleet views show it (GET /api/admin/lockers). */
export interface FleetLocker {
  id: string;
  name: string;
  type: LockerType;
  location: string | null;
  pairingCode: string;
  hourlyPriceCents: number | null;
  site: { id: string; name: string; timeZone: string };
  online: boolean;
  lastSeenAt: string | null;
  door: DoorState;
  lock: LockState;
  objectPresent: boolean | null;
  lockdownUntil: string | null;
  outOfService: { since: string; reason: string | null } | null;
  firmwareVersion: string | null;
  relayCycles: number;
  opensCount: number;
  occupancy: Occupancy | null;
  pairedCount: number;
  decommissionedAt: string | null;
}

export const LOCKER_STATES = ['online', 'offline', 'lockdown', 'in_use', 'free', 'out_of_service'] as const;
export type LockerStateFilter = (typeof LOCKER_STATES)[number];

export interface LockerQuery {
  siteId: string;
  type: LockerType | '';
  state: LockerStateFilter | '';
  q: string;
  page: number;
  pageSize: number;
}

export const DEFAULT_LOCKER_QUERY: LockerQuery = { siteId: '', type: '', state: '', q: '', page: 1, pageSize: 50 };

export interface LockersPage {
  lockers: FleetLocker[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Site {
  id: string;
  name: string;
  address: string | null;
  timeZone: string;
  lockers: number;
  decommissionedAt: string | null;
}

export interface SiteInput {
  name: string;
  address: string;
  timeZone: string;
}

export interface NewLockerInput {
  id: string;
  siteId: string;
  type: LockerType;
  name: string;
  location: string;
  pairingCode: string;
  hourlyPriceCents?: number;
}

export interface LockerEdit {
  name?: string;
  location?: string;
  pairingCode?: string;
  hourlyPriceCents?: number;
}

/**
 * The agent's configuration file (broker URL and credentials, the server's public key, the
 * hardware section): what `smartlocker-agent --config FILE` reads. Its secret is in it.
 */
export type ProvisioningBundle = Record<string, unknown>;

/** What creating a locker or rotating its credentials answers: the secret, shown once. */
export interface IssuedCredentials {
  locker?: FleetLocker;
  secret: string;
  bundle: ProvisioningBundle;
  /** The bundle's QR code as an SVG document, when the server adds it to the answer. */
  bundleQrSvg?: string;
}

export type ForceFreeOutcome = { ended: 'session' | 'booking' | null; refunded: boolean };

// ── Revenue ─────────────────────────────────────────────────────────────────────────────────────

export type Granularity = 'day' | 'week' | 'month';

export interface RevenueQuery {
  /** Calendar dates (`YYYY-MM-DD`) in the first site's zone, both included. */
  from: string;
  to: string;
  granularity: Granularity;
  siteId: string;
  type: LockerType | '';
}

export interface RevenuePeriod {
  period: string;
  paidCents: number;
  refundedCents: number;
  netCents: number;
}

export interface RevenueReport {
  currency: string;
  timeZone: string;
  granularity: Granularity;
  paidCents: number;
  refundedCents: number;
  netCents: number;
  series: RevenuePeriod[];
  bySite: Array<{ siteId: string; siteName: string; netCents: number }>;
  byType: Array<{ type: LockerType; netCents: number }>;
}

// ── Audit trail ─────────────────────────────────────────────────────────────────────────────────

export const ACTOR_KINDS = ['user', 'admin', 'device', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface AuditEntry {
  seq: number;
  at: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  lockerId: string | null;
  subjectUserId: string | null;
  data: Record<string, unknown>;
  hash: string | null;
}

export interface AuditQuery {
  /** An exact action (`locker.reset_lockdown`) or a family ending in a dot (`alert.`). */
  action: string;
  actorKind: ActorKind | '';
  lockerId: string;
  subjectUserId: string;
  /** ISO instants (the panel turns its date fields into them). */
  from: string;
  to: string;
  limit: number;
}

export const DEFAULT_AUDIT_QUERY: AuditQuery = {
  action: '',
  actorKind: '',
  lockerId: '',
  subjectUserId: '',
  from: '',
  to: '',
  limit: 50,
};

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; null on the last one. */
  nextBefore: number | null;
}

export interface AuditVerification {
  ok: boolean;
  rowsChecked: number;
  lastSeq: number;
  lastHash: string;
  firstBroken: { kind: string; chainSeq: number | null; rowId: number | null; detail: string } | null;
  problems: number;
  checkedAt: string;
}

// ── Query strings ───────────────────────────────────────────────────────────────────────────────

type QueryValue = string | number | undefined | null;

/**
 * `?a=1&b=x` from the parameters that say something: empty strings, null and undefined are left
 * out (the server reads a missing parameter as "any"); "" when nothing is left.
 */
export function queryString(params: Readonly<Record<string, QueryValue>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const text = String(value).trim();
    if (text !== '') search.set(key, text);
  }
  const built = search.toString();
  return built ? `?${built}` : '';
}

export function usersQueryString(query: UserQuery): string {
  return queryString({
    q: query.q,
    role: query.role,
    premium: query.premium,
    sort: query.sort,
    dir: query.dir,
    page: query.page,
    pageSize: query.pageSize,
  });
}

export function lockersQueryString(query: LockerQuery): string {
  return queryString({
    siteId: query.siteId,
    type: query.type,
    state: query.state,
    q: query.q,
    page: query.page,
    pageSize: query.pageSize,
  });
}

export function revenueQueryString(query: RevenueQuery): string {
  return queryString({
    from: query.from,
    to: query.to,
    granularity: query.granularity,
    siteId: query.siteId,
    type: query.type,
  });
}

/** The audit filter's query string; `before` pages to older rows (the CSV export ignores it). */
export function auditQueryString(query: AuditQuery, before?: number | null): string {
  return queryString({
    action: query.action,
    actorKind: query.actorKind,
    lockerId: query.lockerId,
    subjectUserId: query.subjectUserId,
    from: query.from,
    to: query.to,
    before: before ?? undefined,
    limit: query.limit,
  });
}

/** The CSV export of what the audit filter selects (every row of it, not one page). */
export function auditCsvUrl(query: AuditQuery): string {
  return `/api/admin/audit.csv${queryString({
    action: query.action,
    actorKind: query.actorKind,
    lockerId: query.lockerId,
    subjectUserId: query.subjectUserId,
    from: query.from,
    to: query.to,
  })}`;
}

const locker = (id: string) => `/api/admin/lockers/${encodeURIComponent(id)}`;
const user = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;
const site = (id: string) => `/api/admin/sites/${encodeURIComponent(id)}`;

export const stickerUrl = (id: string, format: 'svg' | 'pdf') => `${locker(id)}/sticker.${format}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ── Client ──────────────────────────────────────────────────────────────────────────────────────

export function createAdminApi(fetchImpl?: FetchLike) {
  const { json, noContent } = createHttp(fetchImpl);
  return {
    overview: () => json<AdminOverview>('GET', '/api/admin/overview'),

    users: (query: UserQuery) => json<UsersPage>('GET', `/api/admin/users${usersQueryString(query)}`),
    /** One action on one person, with the reason the audit trail keeps; `erase` answers nothing. */
    userAction: async (id: string, action: UserAction, reason: string): Promise<AdminUser | null> => {
      switch (action.kind) {
        case 'premium':
          return readUser(await json('POST', `${user(id)}/premium`, { premium: action.premium, reason }));
        case 'role':
          return readUser(await json('POST', `${user(id)}/role`, { role: action.role, reason }));
        case 'unpair':
          return readUser(await json('POST', `${user(id)}/unpair`, { reason }));
        case 'erase':
          await noContent('POST', `${user(id)}/erase`, { reason });
          return null;
      }
    },

    lockers: (query: LockerQuery) => json<LockersPage>('GET', `/api/admin/lockers${lockersQueryString(query)}`),
    createLocker: (input: NewLockerInput) => json<IssuedCredentials>('POST', '/api/admin/lockers', input),
    editLocker: async (id: string, edit: LockerEdit, reason: string) =>
      readLocker(await json('PATCH', locker(id), { ...edit, reason })),
    rotateSecret: (id: string, reason: string) =>
      json<IssuedCredentials>('POST', `${locker(id)}/rotate-secret`, { reason }),
    resetLockdown: (id: string, reason: string) => json<unknown>('POST', `${locker(id)}/reset-lockdown`, { reason }),
    forceFree: (id: string, reason: string, refund: boolean) =>
      json<ForceFreeOutcome>('POST', `${locker(id)}/force-free`, { reason, refund }),
    maintenanceOpen: (id: string, reason: string) =>
      json<{ commandId: string }>('POST', `${locker(id)}/maintenance-open`, { reason }),
    setInService: async (id: string, inService: boolean, reason: string) =>
      readLocker(await json('POST', `${locker(id)}/${inService ? 'in-service' : 'out-of-service'}`, { reason })),
    decommission: async (id: string, reason: string) =>
      readLocker(await json('POST', `${locker(id)}/decommission`, { reason })),

    sites: async () => (await json<{ sites: Site[] }>('GET', '/api/admin/sites')).sites,
    createSite: async (input: SiteInput) => readSite(await json('POST', '/api/admin/sites', input)),
    editSite: async (id: string, input: SiteInput, reason: string) =>
      readSite(await json('PATCH', site(id), { ...input, reason })),
    decommissionSite: async (id: string, reason: string) =>
      readSite(await json('POST', `${site(id)}/decommission`, { reason })),

    revenue: (query: RevenueQuery) => json<RevenueReport>('GET', `/api/admin/revenue${revenueQueryString(query)}`),

    audit: (query: AuditQuery, before?: number | null) =>
      json<AuditPage>('GET', `/api/admin/audit${auditQueryString(query, before)}`),
    verifyAudit: () => json<AuditVerification>('GET', '/api/admin/audit/verify'),
  };
}

/**
 * "Answers with the changed object" (docs/admin-api.md): the object itself or wrapped in a key
 * named after it (`{ user }`, `{ locker }`, `{ site }`); both read the same here.
 */
function unwrap<T>(answer: unknown, key: string, looksRight: (value: Record<string, unknown>) => boolean): T | null {
  if (!isRecord(answer)) return null;
  const inner = answer[key];
  if (isRecord(inner) && looksRight(inner)) return inner as T;
  return looksRight(answer) ? (answer as T) : null;
}

const readUser = (answer: unknown) =>
  unwrap<AdminUser>(answer, 'user', (v) => typeof v.id === 'string' && typeof v.email === 'string');
const readLocker = (answer: unknown) =>
  unwrap<FleetLocker>(answer, 'locker', (v) => typeof v.id === 'string' && typeof v.type === 'string');
const readSite = (answer: unknown) =>
  unwrap<Site>(answer, 'site', (v) => typeof v.id === 'string' && typeof v.timeZone === 'string');

export type AdminApi = ReturnType<typeof createAdminApi>;

export const adminApi: AdminApi = createAdminApi();
