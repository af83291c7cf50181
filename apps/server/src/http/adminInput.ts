import { LOCKER_ID_PATTERN } from '@smartlocker/protocol';
import { z } from 'zod';
import { AppError } from '../services/AppError';
import { isTimeZone } from '../services/FleetService';
import { parseJsonBody } from './requestBody';

/**
 * Input of the administrators' API (docs/admin-api.md): a body or a query the schema refuses is
 * 400 `invalid_request` with every failing field in `details.fields`, so the panel can point at
 * them. Text never carries control characters (PostgreSQL refuses NUL in text and JSON).
 */
export function parseAdminInput<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    throw new AppError(400, 'invalid_request', fields.map((f) => `${f.path}: ${f.message}`).join('; '), { fields });
  }
  return parsed.data;
}

/** A JSON body; an empty one counts as `{}` with `optional` (every field of the schema optional). */
export async function readAdminBody<T>(
  request: Request,
  schema: z.ZodType<T>,
  options: { optional?: boolean } = {},
): Promise<T> {
  const body = await parseJsonBody(request, options.optional ?? false);
  if (!body) {
    throw new AppError(400, 'invalid_request', 'The request body must be JSON.', {
      fields: [{ path: '(body)', message: 'not JSON' }],
    });
  }
  return parseAdminInput(schema, body.value);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Trimmed text of `min`–`max` characters, without control characters. */
export const cleanText = (min: number, max: number) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => !CONTROL.test(v), 'no control characters');

/** Why an administrator did something: kept in the audit trail (1–500 characters). */
export const Reason = cleanText(1, 500);

export const TimeZone = z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Brussels');

export const LockerIdParam = z.string().regex(LOCKER_ID_PATTERN);
/** better-auth's ids, and the ones tests insert: letters, digits, `_` and `-`. */
export const UserIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

/** An absent query parameter and an empty one (`?q=`) mean the same. */
export const queryParam = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const pageParam = (max: number) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.coerce.number().int().min(1).max(max).optional());

export function lockerIdFrom(raw: string): string {
  const id = LockerIdParam.safeParse(raw);
  if (!id.success) throw new AppError(404, 'unknown_locker', 'No locker has this id.');
  return id.data;
}
