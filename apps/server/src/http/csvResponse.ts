import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import { connectionAborter, streamedBody } from './streamedBody';

export interface CsvResponseContext {
  /** The route as registered, for the metric and the log (`/api/history.csv`). */
  route: string;
  logger: Logger;
  metrics: Metrics;
  /** The Hono context's `env`: on @hono/node-server it holds the Node response to reset on failure. */
  env: unknown;
}

/**
 * A CSV download streamed from its chunks, pulled one at a time as the socket drains: the
 * database is read only as fast as the client downloads, so memory stays flat however long the
 * export is. A failure midway resets the connection, so the download fails instead of looking
 * complete (streamedBody.ts, issue 14).
 */
export function csvResponse(
  chunks: AsyncGenerator<string, void, undefined>,
  fileName: string,
  context: CsvResponseContext,
): Response {
  const body = streamedBody(chunks, {
    route: context.route,
    logger: context.logger,
    metrics: context.metrics,
    abortConnection: connectionAborter(context.env),
  });
  return new Response(body, {
    headers: {
      // RFC 4180 §3 registers text/csv with `header=present`.
      'content-type': 'text/csv; charset=utf-8; header=present',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
