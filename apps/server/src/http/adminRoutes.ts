import { Hono } from 'hono';
import { z } from 'zod';
import type { LockerGateway } from '../broker/LockerGateway';
import { BrokerUnavailableError } from '../broker/LockerGateway';
import type { AdminBadgeRepository } from '../repositories/AdminBadgeRepository';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import type { LockerConfigService } from '../services/LockerConfigService';
import { readJsonBody, requireAdmin } from './requestBody';

export interface AdminRouteDeps {
  lockers: LockerRepository;
  badges: AdminBadgeRepository;
  audit: AuditRepository;
  gateway: LockerGateway;
  lockerConfig: LockerConfigService;
}

const LockerId = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);
const BadgeBody = z.object({
  uid: z
    .string()
    .transform((v) => v.replace(/[^0-9a-fA-F]/g, '').toUpperCase())
    .pipe(z.string().regex(/^[0-9A-F]{8,20}$/, 'a card UID: 4 to 10 bytes in hex')),
  label: z.string().trim().min(1).max(80),
});

/** Administrator actions on lockers (SPEC §9); mounted under /api/admin after authentication. */
export function createAdminRoutes(deps: AdminRouteDeps) {
  const admin = new Hono<{ Variables: { user: UserRow } }>();

  admin.use('*', requireAdmin);

  // SPEC §8: a lockdown ends after 5 min, by admin badge, or by an administrator from the web.
  admin.post('/lockers/:id/reset-lockdown', async (c) => {
    const id = LockerId.safeParse(c.req.param('id'));
    if (!id.success || !(await deps.lockers.exists(id.data))) {
      throw new AppError(404, 'unknown_locker', 'No locker has this id.');
    }
    const admin = c.get('user');
    try {
      const sent = await deps.gateway.sendCommand(
        id.data,
        'reset_lockdown',
        { kind: 'admin', ref: admin.id },
        admin.id,
      );
      await deps.audit.record({
        actorKind: 'admin',
        actorId: admin.id,
        action: 'locker.reset_lockdown_requested',
        lockerId: id.data,
        data: { commandId: sent.commandId },
      });
      return c.json({ commandId: sent.commandId }, 202);
    } catch (error) {
      if (error instanceof BrokerUnavailableError) throw new AppError(503, error.code, error.message);
      throw error;
    }
  });

  admin.get('/badges', async (c) => {
    const badges = await deps.badges.list();
    return c.json({ badges: badges.map((b) => ({ id: b.id, uid: b.uid, label: b.label })) });
  });

  admin.post('/badges', async (c) => {
    const body = await readJsonBody(c.req.raw, BadgeBody);
    const badge = await deps.badges.add(body.uid, body.label);
    if (!badge) throw new AppError(409, 'badge_exists', 'This badge is already registered.');
    await deps.audit.record({
      actorKind: 'admin',
      actorId: c.get('user').id,
      action: 'badge.added',
      data: { badgeId: badge.id, label: badge.label },
    });
    await deps.lockerConfig.pushToAll();
    return c.json({ badge: { id: badge.id, uid: badge.uid, label: badge.label } }, 201);
  });

  admin.delete('/badges/:id', async (c) => {
    const id = z.uuid().safeParse(c.req.param('id'));
    if (!id.success || !(await deps.badges.remove(id.data))) {
      throw new AppError(404, 'unknown_badge', 'No badge has this id.');
    }
    await deps.audit.record({
      actorKind: 'admin',
      actorId: c.get('user').id,
      action: 'badge.removed',
      data: { badgeId: id.data },
    });
    await deps.lockerConfig.pushToAll();
    return c.body(null, 204);
  });

  return admin;
}
