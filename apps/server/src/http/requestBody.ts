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
  const body = await parseJsonBody(request, options.optional ?? false);
  if (!body) throw new AppError(400, 'invalid_json', 'The request body must be JSON.');
  const raw = body.value;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new AppError(400, 'invalid_body', detail);
  }
  return parsed.data;
}

/**
 * The body parsed as JSON, before any schema: `{}` for an empty body when `optional`, null when
 * it is not JSON. Each API says in its own codes what a refusal is (readJsonBody, readAdminBody).
 */
export async function parseJsonBody(request: Request, optional: boolean): Promise<{ value: unknown } | null> {
  const text = await request.text();
  if (optional && text.trim() === '') return { value: {} };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return null;
  }
}

/** Administrators only (SPEC §9); mounted after the session middleware has set `user`. */
export const requireAdmin: MiddlewareHandler<{ Variables: { user: UserRow } }> = async (c, next) => {
  if (c.get('user').role !== 'admin') throw new AppError(403, 'admin_only', 'This needs an administrator account.');
  await next();
};
