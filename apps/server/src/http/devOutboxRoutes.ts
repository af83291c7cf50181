import { Hono } from 'hono';
import type { DevOutbox } from '../mail/DevOutbox';

/**
 * `GET /api/dev/outbox`: the development outbox, for the web app's /boite-mail. It exists only
 * when there is an outbox (no SMTP_URL, and outside production or in demo mode: createMailer);
 * it is readable without signing in because a password reset is done signed out.
 */
export function createDevOutboxRoutes(outbox: DevOutbox) {
  const routes = new Hono();
  routes.get('/outbox', (c) => {
    c.header('cache-control', 'no-store');
    return c.json({ messages: outbox.list() });
  });
  return routes;
}
