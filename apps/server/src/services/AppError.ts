import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error a person can act on: a stable `code` for programs and tests, a `message` for people,
 * and the HTTP status it maps to. Anything else that escapes a handler is a bug (logged, 500).
 */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
