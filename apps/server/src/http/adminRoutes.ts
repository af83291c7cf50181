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
import { Reason, readAdminBody } from './adminInput';
import { readJsonBody, requireAdmin } from './requestBody';

export interface AdminRouteDeps {
  lockers: LockerRepository;
  badges: AdminBadgeRepository;
  audit: AuditRepository;
  gateway: LockerGateway;
  lockerConfig: LockerConfigService;
}

const LockerId = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);
const ResetBody = z.object({ reason: Reason.optional() });
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
  // The answer waits for the locker's acknowledgement, which is also what ends the lockdown on
  // the server: once this says `reset`, an open is accepted at once (SPEC §11.2, seed bug 2).
  admin.post('/lockers/:id/reset-lockdown', async (c) => {
    const id = LockerId.safeParse(c.req.param('id'));
    if (!id.success || !(await deps.lockers.exists(id.data))) {
      throw new AppError(404, 'unknown_locker', 'No locker has this id.');
    }
    const admin = c.get('user');
    // Issue 11: the panel gives a reason (optional here: older clients send no body).
    const { reason: adminReason } = await readAdminBody(c.req.raw, ResetBody, { optional: true });
    let sent: Awaited<ReturnType<LockerGateway['sendCommandAndWait']>>;
    try {
      sent = await deps.gateway.sendCommandAndWait(
        id.data,
        'reset_lockdown',
        { kind: 'admin', ref: admin.id },
        admin.id,
      );
    } catch (error) {
      if (error instanceof BrokerUnavailableError) throw new AppError(503, error.code, error.message);
      throw error;
    }
    await deps.audit.record({
      actorKind: 'admin',
      actorId: admin.id,
      action: 'locker.reset_lockdown',
      lockerId: id.data,
      data: {
        commandId: sent.commandId,
        outcome: sent.answer?.outcome ?? 'no_answer',
        reason: sent.answer?.reason ?? null,
        adminReason: adminReason ?? null,
      },
    });
    if (!sent.answer) {
      throw new AppError(
        504,
        'locker_no_answer',
        'The locker did not answer in time; the lockdown may still be in force.',
        {
          commandId: sent.commandId,
        },
      );
    }
    if (sent.answer.outcome === 'refused') {
      throw new AppError(409, 'reset_refused', `The locker refused the reset (${sent.answer.reason ?? 'no reason'}).`, {
        commandId: sent.commandId,
        reason: sent.answer.reason ?? null,
      });
    }
    return c.json({ commandId: sent.commandId, reset: true });
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
