import { Hono } from 'hono';
import { z } from 'zod';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import type { BookingService } from '../services/BookingService';
import { readJsonBody, requireAdmin } from './requestBody';

type Env = { Variables: { user: UserRow } };

const BookBody = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  startHour: z.number().int(),
  durationHours: z.number().int(),
});
const ConfirmBody = z.object({ sessionId: z.string().min(1).max(255) });
const BookingId = z.uuid();
const LockerId = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);

/** School bookings and their payment (issue 5, docs/payments.md); mounted behind the session check. */
export function createBookingRoutes(service: BookingService, clockNow: () => Date) {
  const routes = new Hono<Env>();
  const bookingId = (raw: string | undefined): string => {
    const parsed = BookingId.safeParse(raw);
    if (!parsed.success) throw new AppError(404, 'not_found', 'No such booking.');
    return parsed.data;
  };

  routes.get('/bookings/calendar', async (c) => c.json(await service.calendar(c.get('user'))));

  routes.get('/bookings', async (c) =>
    c.json({ now: clockNow().toISOString(), bookings: await service.current(c.get('user')) }),
  );

  routes.post('/bookings', async (c) => {
    const body = await readJsonBody(c.req.raw, BookBody);
    return c.json(await service.book(c.get('user'), body), 201);
  });

  routes.get('/bookings/:id', async (c) =>
    c.json({ now: clockNow().toISOString(), booking: await service.get(c.get('user'), bookingId(c.req.param('id'))) }),
  );

  routes.post('/bookings/:id/cancel', async (c) =>
    c.json({ booking: await service.cancel(c.get('user'), bookingId(c.req.param('id'))) }),
  );

  routes.post('/bookings/:id/extend', async (c) =>
    c.json(await service.extend(c.get('user'), bookingId(c.req.param('id'))), 201),
  );

  // The success page: applies the Checkout Session through the same idempotent path as the webhook.
  routes.post('/payments/confirm', async (c) => {
    const body = await readJsonBody(c.req.raw, ConfirmBody);
    return c.json(await service.confirmReturn(c.get('user'), body.sessionId));
  });

  return routes;
}

/**
 * An administrator takes a school locker out of service (`/api/admin/lockers/:id/release-bookings`):
 * every paid booking of it not yet ended is refunded and its owner told, unpaid holds are let go.
 */
export function createBookingAdminRoutes(service: BookingService) {
  const admin = new Hono<Env>();
  admin.post('/:id/release-bookings', requireAdmin, async (c) => {
    const id = LockerId.safeParse(c.req.param('id'));
    if (!id.success) throw new AppError(404, 'unknown_locker', 'No locker has this id.');
    const refunded = await service.releaseLocker(id.data, c.get('user').id);
    return c.json({ refunded });
  });
  return admin;
}
