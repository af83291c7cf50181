import { Hono } from 'hono';
import { z } from 'zod';
import { USER_SORTS } from '../repositories/AdminUserRepository';
import { LOCKER_STATE_FILTERS } from '../repositories/FleetRepository';
import type { UserRow } from '../repositories/UserRepository';
import type { AdminOverview } from '../services/AdminOverview';
import type { AdminUserService } from '../services/AdminUserService';
import { AppError } from '../services/AppError';
import type { FleetService } from '../services/FleetService';
import type { LockerInterventionService } from '../services/LockerInterventionService';
import type { RevenueService } from '../services/RevenueService';
import {
  cleanText,
  lockerIdFrom,
  pageParam,
  parseAdminInput,
  queryParam,
  Reason,
  readAdminBody,
  TimeZone,
  UserIdParam,
} from './adminInput';
import { requireAdmin } from './requestBody';

export interface FleetAdminRouteDeps {
  users: AdminUserService;
  fleet: FleetService;
  interventions: LockerInterventionService;
  revenue: RevenueService;
  overview: AdminOverview;
}

type Env = { Variables: { user: UserRow } };

const UsersQuery = z.object({
  q: queryParam(cleanText(0, 100)),
  role: queryParam(z.enum(['user', 'admin'])),
  premium: queryParam(z.enum(['true', 'false']).transform((v) => v === 'true')),
  sort: queryParam(z.enum(USER_SORTS)),
  dir: queryParam(z.enum(['asc', 'desc'])),
  page: pageParam(1_000_000),
  pageSize: pageParam(100),
});

const LockersQuery = z.object({
  siteId: queryParam(z.uuid()),
  type: queryParam(z.enum(['school', 'sport'])),
  state: queryParam(z.enum(LOCKER_STATE_FILTERS)),
  q: queryParam(cleanText(0, 80)),
  page: pageParam(1_000_000),
  pageSize: pageParam(200),
});

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const RevenueQuery = z.object({
  from: Day,
  to: Day,
  granularity: queryParam(z.enum(['day', 'week', 'month'])),
  siteId: queryParam(z.uuid()),
  type: queryParam(z.enum(['school', 'sport'])),
});

const ReasonBody = z.object({ reason: Reason });
const PremiumBody = z.object({ premium: z.boolean(), reason: Reason });
const RoleBody = z.object({ role: z.enum(['user', 'admin']), reason: Reason });
const Address = cleanText(0, 300)
  .nullable()
  .transform((v) => (v === '' ? null : v));
const SiteBody = z.object({
  name: cleanText(1, 120),
  address: Address.optional(),
  timeZone: TimeZone,
  reason: Reason.optional(),
});
const SitePatchBody = z.object({
  name: cleanText(1, 120).optional(),
  address: Address.optional(),
  timeZone: TimeZone.optional(),
  reason: Reason.optional(),
});
const LockerPatchBody = z.object({
  name: cleanText(1, 80).optional(),
  location: cleanText(0, 200)
    .nullable()
    .transform((v) => (v === '' ? null : v))
    .optional(),
  pairingCode: cleanText(1, 64).optional(),
  hourlyPriceCents: z.number().int().min(0).max(1_000_000).optional(),
  reason: Reason,
});
const ForceFreeBody = z.object({ reason: Reason, refund: z.boolean().optional() });

const siteIdFrom = (raw: string) => {
  const id = z.uuid().safeParse(raw);
  if (!id.success) throw new AppError(404, 'unknown_site', 'No site has this id.');
  return id.data;
};
const userIdFrom = (raw: string) => {
  const id = UserIdParam.safeParse(raw);
  if (!id.success) throw new AppError(404, 'unknown_user', 'No account has this id.');
  return id.data;
};

/**
 * The administrators' panel API of issue 11 (docs/admin-api.md), under /api/admin: the overview,
 * people, sites, the fleet's lockers and their actions, revenue. Locker creation, credentials,
 * bundles and stickers are in provisioningRoutes.ts.
 */
export function createFleetAdminRoutes(deps: FleetAdminRouteDeps) {
  const admin = new Hono<Env>();
  admin.use('*', requireAdmin);
  const actor = (user: UserRow) => ({ kind: 'admin' as const, id: user.id });

  admin.get('/overview', async (c) => c.json(await deps.overview.read()));

  // ── People ──
  admin.get('/users', async (c) => {
    const query = parseAdminInput(UsersQuery, c.req.query());
    return c.json(
      await deps.users.list({
        ...(query.q ? { q: query.q } : {}),
        ...(query.role ? { role: query.role } : {}),
        ...(query.premium === undefined ? {} : { premium: query.premium }),
        sort: query.sort ?? 'created',
        dir: query.dir ?? (query.sort === 'name' || query.sort === 'email' ? 'asc' : 'desc'),
        page: query.page ?? 1,
        pageSize: query.pageSize ?? 25,
      }),
    );
  });

  admin.post('/users/:id/premium', async (c) => {
    const id = userIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, PremiumBody);
    return c.json({ user: await deps.users.setPremium(id, body.premium, actor(c.get('user')), body.reason) });
  });

  admin.post('/users/:id/role', async (c) => {
    const id = userIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, RoleBody);
    return c.json({ user: await deps.users.setRole(id, body.role, actor(c.get('user')), body.reason) });
  });

  admin.post('/users/:id/unpair', async (c) => {
    const id = userIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    return c.json({ user: await deps.users.forceUnpair(id, actor(c.get('user')), body.reason) });
  });

  admin.post('/users/:id/erase', async (c) => {
    const id = userIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    await deps.users.erase(id, c.get('user'), body.reason);
    return c.body(null, 204);
  });

  // ── Sites ──
  admin.get('/sites', async (c) => c.json({ sites: await deps.fleet.listSites() }));

  admin.post('/sites', async (c) => {
    const body = await readAdminBody(c.req.raw, SiteBody);
    const site = await deps.fleet.createSite(
      { name: body.name, address: body.address ?? null, timeZone: body.timeZone },
      actor(c.get('user')),
      body.reason ?? null,
    );
    return c.json({ site }, 201);
  });

  admin.patch('/sites/:id', async (c) => {
    const id = siteIdFrom(c.req.param('id'));
    const { reason, ...changes } = await readAdminBody(c.req.raw, SitePatchBody);
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    return c.json({ site: await deps.fleet.editSite(id, defined, actor(c.get('user')), reason ?? null) });
  });

  admin.post('/sites/:id/decommission', async (c) => {
    const id = siteIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    return c.json({ site: await deps.fleet.decommissionSite(id, actor(c.get('user')), body.reason) });
  });

  // ── Lockers ──
  admin.get('/lockers', async (c) => {
    const query = parseAdminInput(LockersQuery, c.req.query());
    return c.json(
      await deps.fleet.listLockers(
        {
          ...(query.siteId ? { siteId: query.siteId } : {}),
          ...(query.type ? { type: query.type } : {}),
          ...(query.state ? { state: query.state } : {}),
          ...(query.q ? { q: query.q } : {}),
        },
        { page: query.page ?? 1, pageSize: query.pageSize ?? 50 },
      ),
    );
  });

  admin.patch('/lockers/:id', async (c) => {
    const id = lockerIdFrom(c.req.param('id'));
    const { reason, ...edit } = await readAdminBody(c.req.raw, LockerPatchBody);
    const defined = Object.fromEntries(Object.entries(edit).filter(([, v]) => v !== undefined));
    return c.json({ locker: await deps.fleet.editLocker(id, defined, actor(c.get('user')), reason) });
  });

  admin.post('/lockers/:id/force-free', async (c) => {
    const id = lockerIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ForceFreeBody);
    return c.json(
      await deps.interventions.forceFree(c.get('user'), id, { reason: body.reason, refund: body.refund === true }),
    );
  });

  admin.post('/lockers/:id/maintenance-open', async (c) => {
    const id = lockerIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    return c.json(await deps.interventions.maintenanceOpen(c.get('user'), id, body.reason), 202);
  });

  admin.post('/lockers/:id/out-of-service', async (c) => {
    const id = lockerIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    return c.json({ locker: await deps.fleet.setOutOfService(id, actor(c.get('user')), body.reason) });
  });

  admin.post('/lockers/:id/in-service', async (c) => {
    const id = lockerIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    return c.json({ locker: await deps.fleet.setInService(id, actor(c.get('user')), body.reason) });
  });

  admin.post('/lockers/:id/decommission', async (c) => {
    const id = lockerIdFrom(c.req.param('id'));
    const body = await readAdminBody(c.req.raw, ReasonBody);
    return c.json({ locker: await deps.interventions.decommission(c.get('user'), id, body.reason) });
  });

  // ── Revenue ──
  admin.get('/revenue', async (c) => {
    const query = parseAdminInput(RevenueQuery, c.req.query());
    return c.json(
      await deps.revenue.report({
        from: query.from,
        to: query.to,
        granularity: query.granularity ?? 'day',
        ...(query.siteId ? { siteId: query.siteId } : {}),
        ...(query.type ? { type: query.type } : {}),
      }),
    );
  });

  return admin;
}
