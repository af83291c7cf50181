import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';

/**
 * Reads and validates a JSON body: malformed JSON is 400 `invalid_json`, a body the schema
 * refuses is 400 `invalid_body` naming every faulty field. With `optional`, an empty body
 * counts as `{}` (for routes whose every field is optional).
 */
export async function readJsonBody<T>(
  request: Request,
  schema: z.ZodType<T>,
  options: { optional?: boolean } = {},
): Promise<T> {
  const text = await request.text();
  let raw: unknown = {};
  if (text.trim() !== '' || !options.optional) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AppError(400, 'invalid_json', 'The request body must be JSON.');
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AppError(400, 'invalid_body', detail);
  }
  return parsed.data;
}

/** Administrators only (SPEC §9); mounted after the session middleware has set `user`. */
export const requireAdmin: MiddlewareHandler<{ Variables: { user: UserRow } }> = async (c, next) => {
  if (c.get('user').role !== 'admin') throw new AppError(403, 'admin_only', 'This needs an administrator account.');
  await next();
};
