import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error a person can act on: a stable `code` for programs and tests, a `message` for people,
 * the HTTP status it maps to, and optional `details` a client may show (e.g. when a lockdown
 * ends). Anything else that escapes a handler is a bug (logged, 500).
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * SPEC §8: while a locker reports a lockdown, the server refuses opens itself, with the reason and
 * when the lockdown ends by itself (the device refuses them too).
 */
export function lockdownRefusal(until: Date | null): AppError {
  return new AppError(
    409,
    'lockdown',
    until
      ? `The locker is in lockdown after repeated intrusions, until ${until.toISOString()}.`
      : 'The locker is in lockdown after repeated intrusions.',
    { until: until?.toISOString() ?? null },
  );
}

/** Issue 11: an administrator put the locker out of service; pairing, bookings and opens wait. */
export const OUT_OF_SERVICE = new AppError(
  409,
  'locker_out_of_service',
  'This locker is out of service for maintenance; try another one or come back later.',
);
