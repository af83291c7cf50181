import { Hono } from 'hono';
import { z } from 'zod';
import type { PushRepository } from '../push/PushRepository';
import type { PushService } from '../push/PushService';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { readJsonBody } from './requestBody';

type Env = { Variables: { user: UserRow } };

const base64url = z.string().regex(/^[A-Za-z0-9_-]+=*$/, 'expected base64url');
// Push services are reached over https only (RFC 8030); anything else is not a subscription.
const Endpoint = z.url({ protocol: /^https$/, message: 'expected an https:// push service endpoint' }).max(2048);
const SubscribeBody = z.object({
  endpoint: Endpoint,
  expirationTime: z.number().nullable().optional(),
  keys: z.object({ p256dh: base64url.min(80).max(100), auth: base64url.min(16).max(32) }),
});
const UnsubscribeBody = z.object({ endpoint: Endpoint });

/** `/api/push/*`: the VAPID public key, and the browsers a person turned reminders on in. */
export function createPushRoutes(deps: { service: PushService; repository: PushRepository }) {
  const routes = new Hono<Env>();

  routes.get('/config', (c) => c.json({ enabled: deps.service.enabled, publicKey: deps.service.publicKey }));

  routes.post('/subscriptions', async (c) => {
    if (!deps.service.enabled) throw new AppError(409, 'push_disabled', 'Push notifications are not set up here.');
    const body = await readJsonBody(c.req.raw, SubscribeBody);
    const id = await deps.repository.save(c.get('user').id, body.endpoint, body.keys);
    return c.json({ id }, 201);
  });

  routes.delete('/subscriptions', async (c) => {
    const body = await readJsonBody(c.req.raw, UnsubscribeBody);
    await deps.repository.remove(c.get('user').id, body.endpoint);
    return c.body(null, 204);
  });

  return routes;
}
