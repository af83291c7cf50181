import { Hono } from 'hono';
import { z } from 'zod';
import type { AccountRepository } from '../accounts/AccountRepository';
import type { AccountService } from '../accounts/AccountService';
import { photoTooLarge } from '../accounts/AccountService';
import { LOCALES } from '../accounts/locale';
import { PHOTO_MAX_BYTES } from '../accounts/profilePhoto';
import { LIMITS, type RateLimiter } from '../accounts/RateLimiter';
import type { Auth } from '../auth/auth';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { readJsonBody } from './requestBody';

export interface AccountRouteDeps {
  auth: Auth;
  service: AccountService;
  accounts: AccountRepository;
  limiter: RateLimiter;
}

/** PATCH /me: the pseudo, the language (issue 12), or both. */
const ProfileBody = z
  .object({ name: z.string().optional(), locale: z.enum(LOCALES).optional() })
  .refine((body) => body.name !== undefined || body.locale !== undefined, { message: 'name or locale is required' });
const DeleteBody = z.object({ password: z.string().max(1024).optional() });

/** Without a password, erasing the account needs a sign-in of the last 24 hours (better-auth's freshAge). */
const FRESH_SESSION_MS = 24 * 60 * 60 * 1000;

/** Reads at most `max` bytes of the body, refusing larger ones without reading them whole. */
async function readLimited(request: Request, max: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > max) throw photoTooLarge();
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw photoTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The settings of one's own account (issue 4), mounted under the authenticated `/api`. Every route
 * acts on the signed-in user: none takes a user id, so none can reach someone else's data.
 */
export function createAccountRoutes(deps: AccountRouteDeps) {
  const routes = new Hono<{ Variables: { user: UserRow } }>();
  const view = async (user: UserRow) => ({ user: await deps.service.publicUser(user) });

  routes.patch('/me', async (c) => {
    const body = await readJsonBody(c.req.raw, ProfileBody);
    let user = c.get('user');
    if (body.name !== undefined) user = await deps.service.rename(user.id, body.name);
    if (body.locale !== undefined) user = await deps.service.setLocale(user.id, body.locale);
    return c.json(await view(user));
  });

  // The raw image is the body; its Content-Type is ignored, the bytes say what it is.
  routes.put('/me/photo', async (c) => {
    const bytes = await readLimited(c.req.raw, PHOTO_MAX_BYTES);
    return c.json(await view(await deps.service.setPhoto(c.get('user').id, bytes)));
  });

  routes.get('/me/photo', async (c) => {
    const photo = await deps.service.photo(c.get('user').id);
    if (!photo) throw new AppError(404, 'no_photo', 'This account has no profile photo.');
    const etag = `"${photo.updatedAt.getTime().toString(36)}"`;
    const headers = {
      etag,
      // Same URL, a different photo for each person: only the browser may keep it, and it asks again.
      'cache-control': 'private, no-cache',
      vary: 'Cookie',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
    };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(photo.webp), 200, { ...headers, 'content-type': 'image/webp' });
  });

  routes.delete('/me/photo', async (c) => c.json(await view(await deps.service.removePhoto(c.get('user').id))));

  /**
   * Erases the account (issue 4). With a password the current one is required (and wrong ones are
   * rate limited like sign-in); a Google-only account needs a recent sign-in instead.
   */
  routes.delete('/me', async (c) => {
    const user = c.get('user');
    const body = await readJsonBody(c.req.raw, DeleteBody, { optional: true });
    const hash = await deps.accounts.passwordHash(user.id);
    if (hash) {
      if (!body.password) throw new AppError(400, 'password_required', 'Confirm with your current password.');
      const acquired = await deps.limiter.acquire(LIMITS.passwordCheckAccount, user.id);
      if (!acquired.ok) {
        const error = { code: 'rate_limited', message: 'Too many wrong passwords. Try again later.' };
        return c.json({ error }, 429, { 'retry-after': String(acquired.retryAfterS) });
      }
      const context = await deps.auth.$context;
      if (!(await context.password.verify({ hash, password: body.password }))) {
        throw new AppError(403, 'invalid_password', 'The password is not right.');
      }
      await deps.limiter.release(acquired.hit);
    } else {
      const session = await deps.auth.api.getSession({ headers: c.req.raw.headers });
      const createdAt = session ? new Date(session.session.createdAt).getTime() : 0;
      if (Date.now() - createdAt > FRESH_SESSION_MS) {
        throw new AppError(403, 'session_not_fresh', 'Sign in again, then delete the account.');
      }
    }
    await deps.service.erase(user.id, { kind: 'user', id: user.id });
    // The session rows are gone; the cookie goes too.
    const context = await deps.auth.$context;
    const cookie = context.authCookies.sessionToken;
    const secure = cookie.attributes.secure ? '; Secure' : '';
    c.header('set-cookie', `${cookie.name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${secure}`);
    return c.body(null, 204);
  });

  return routes;
}
