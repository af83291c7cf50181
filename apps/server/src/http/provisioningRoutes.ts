import { LOCKER_ID_PATTERN } from '@smartlocker/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import type { LockerProvisioning } from '../provisioning/LockerProvisioning';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { readJsonBody, requireAdmin } from './requestBody';

/**
 * Provisioning for administrators (SPEC §12), mounted under /api/admin/lockers:
 *   POST /                    creates a locker → 201 { locker, agentConfig }
 *   POST /:id/rotate-secret   issues a new broker secret → 200 { locker, agentConfig }
 * The agent config carries the locker's broker password: it is shown in this answer only.
 */
const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'an IANA time zone such as Europe/Brussels');

const AgentSettingsBody = z.object({
  mqttUrl: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|ssl):\/\/\S+$/, 'an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  stateDir: z.string().min(1).max(1024).optional(),
  hal: z.record(z.string(), z.unknown()).optional(),
});

const ProvisionBody = z.object({
  id: z.string().regex(LOCKER_ID_PATTERN, 'A-Z, 0-9, _ and -, at most 64, starting with a letter or digit'),
  name: z.string().trim().min(1).max(80),
  type: z.enum(['school', 'sport']),
  pairingCode: z.string().max(64).optional(),
  siteId: z.uuid().optional(),
  siteName: z.string().trim().min(1).max(120).optional(),
  siteTimeZone: timeZone.optional(),
  hourlyPriceCents: z.number().int().min(0).max(1_000_000).optional(),
  agent: AgentSettingsBody.optional(),
});

const RotateBody = z.object({ agent: AgentSettingsBody.optional() });
const LockerIdParam = z.string().regex(LOCKER_ID_PATTERN);

export function createProvisioningRoutes(provisioning: LockerProvisioning) {
  const routes = new Hono<{ Variables: { user: UserRow } }>();

  routes.use('*', async (c, next) => {
    await requireAdmin(c, next);
    // The answers carry a broker password: never kept by a browser or a proxy.
    c.header('cache-control', 'no-store');
  });

  routes.post('/', async (c) => {
    const body = await readJsonBody(c.req.raw, ProvisionBody);
    const provisioned = await provisioning.provision(body, { kind: 'admin', id: c.get('user').id });
    return c.json(provisioned, 201);
  });

  routes.post('/:id/rotate-secret', async (c) => {
    const id = LockerIdParam.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError(404, 'locker_not_found', 'No locker has this id.');
    const body = await readJsonBody(c.req.raw, RotateBody, { optional: true });
    const rotated = await provisioning.rotateSecret(id.data, { kind: 'admin', id: c.get('user').id }, body.agent);
    return c.json(rotated, 200);
  });

  return routes;
}
