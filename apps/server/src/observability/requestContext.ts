import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/** What every log line written while serving one request carries (the logger's mixin reads it). */
export interface RequestContext {
  requestId: string;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * An id a proxy or a client may hand us: short, and nothing a log reader or a header could
 * mistake for something else (no spaces, quotes, control characters or newlines).
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}$/;

const storage = new AsyncLocalStorage<RequestContext>();

/** The request being served by the code running now, if any. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/** The incoming `x-request-id` when it is a sane token, or a new one. */
export function requestIdFrom(header: string | undefined): string {
  return header && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * First middleware of the app: gives the request its id, returns it in the response header, and
 * runs the rest of the request inside that context, so every log line written on its behalf —
 * by a route, a service or a repository's caller — names it, with no logger passed around.
 */
export function requestIds(): MiddlewareHandler {
  return async (c, next) => {
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    c.header(REQUEST_ID_HEADER, requestId);
    await storage.run({ requestId }, next);
    // A response built whole by a handler (a file, an error page) may lack it: set it again.
    if (c.res.headers.get(REQUEST_ID_HEADER) === requestId) return;
    try {
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    } catch {
      // Immutable headers (Response.redirect): the same response, with headers of its own.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    }
  };
}
