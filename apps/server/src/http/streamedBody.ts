import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';

export interface StreamedBodyOptions {
  /** The route as registered (`/api/history.csv`): the metric's label and the log's. */
  route: string;
  logger: Logger;
  metrics: Metrics;
  /**
   * Resets the connection the response is written to (Node's `ServerResponse.destroy`), or null
   * where there is none (`app.request()` in tests).
   */
  abortConnection: ((error: Error) => void) | null;
}

/** The Node response behind a Hono context on @hono/node-server, to reset its connection. */
export function connectionAborter(env: unknown): StreamedBodyOptions['abortConnection'] {
  const outgoing = (env as { outgoing?: { destroy(error?: Error): void } } | undefined)?.outgoing;
  return outgoing ? (error) => outgoing.destroy(error) : null;
}

/**
 * A response body pulled from `chunks` one at a time, as the socket drains, so a long export is
 * read from its source only as fast as the client downloads it.
 *
 * A stream that fails once the status line is out cannot become an error status any more. It must
 * then never *end*: a chunked body ended cleanly after a failure is a truncated file that looks
 * complete. That is what an errored body stream gets from @hono/node-server 1.19: it writes
 * `Error: <message>` into the body (here the failed SQL and its parameters) and ends the chunked
 * response properly, status 200 (issue 14). So on a failure the connection itself is reset, with
 * no final zero-length chunk (RFC 9112 §7.1): the browser's download fails, `fetch` rejects.
 * Every stream's outcome is counted (`smartlocker_http_streams_total`), so an operator can alert
 * on `outcome="server_error"`, and a failure is logged with its route.
 */
export function streamedBody(chunks: AsyncGenerator<string>, options: StreamedBodyOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const { route, logger, metrics, abortConnection } = options;
  let bytes = 0;
  let settled = false;
  let failed = false;
  const settle = (outcome: 'completed' | 'server_error' | 'client_gone') => {
    if (settled) return;
    settled = true;
    metrics.httpStreams.inc({ route, outcome });
  };
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      // After a reset nothing more is read; the socket's close cancels the stream.
      if (failed) return new Promise<void>(() => {});
      try {
        const next = await chunks.next();
        if (next.done) {
          settle('completed');
          controller.close();
          return;
        }
        const encoded = encoder.encode(next.value);
        bytes += encoded.byteLength;
        controller.enqueue(encoded);
      } catch (error) {
        failed = true;
        settle('server_error');
        logger.error(
          { err: error, route, bytesSent: bytes },
          'streamed response failed midway; the download is cut off',
        );
        const reason = error instanceof Error ? error : new Error(String(error));
        if (abortConnection) abortConnection(reason);
        else controller.error(reason);
      }
    },
    cancel: async () => {
      // The client went away (closed the tab, lost the network): not our fault, but worth a line.
      settle('client_gone');
      logger.info({ route, bytesSent: bytes }, 'client left before the end of a streamed response');
      await chunks.return(undefined);
    },
  });
}
