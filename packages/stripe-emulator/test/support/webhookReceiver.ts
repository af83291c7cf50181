import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The raw body, byte for byte, as signature checks need it. */
  body: string;
  event: {
    id: string;
    type: string;
    data: { object: Record<string, unknown> };
    request: { id: string | null; idempotency_key: string | null };
  };
  receivedAt: number;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves once `count` webhooks matching `predicate` have arrived. */
  waitFor(
    count: number,
    predicate?: (hook: ReceivedWebhook) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  stop(): Promise<void>;
}

/**
 * A local endpoint standing in for the SmartLocker server's webhook route. `statusFor` picks the answer
 * for the n-th request (0-based), to play a failing endpoint.
 */
export async function startWebhookReceiver(statusFor: (n: number) => number = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let listeners: Array<() => void> = [];
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = statusFor(count++);
      received.push({ headers: req.headers, body, event: JSON.parse(body), receivedAt: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      const current = listeners;
      listeners = [];
      for (const listener of current) listener();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    waitFor(wanted, predicate = () => true, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`waited ${timeoutMs} ms for ${wanted} webhooks, got ${received.filter(predicate).length}`),
            ),
          timeoutMs,
        );
        const check = () => {
          const matching = received.filter(predicate);
          if (matching.length >= wanted) {
            clearTimeout(timer);
            resolve(matching);
          } else {
            listeners.push(check);
          }
        };
        check();
      });
    },
    async stop() {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
