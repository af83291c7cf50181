/**
 * A child process holding many browsers' event streams (`GET /api/events`), so that reading
 * 1,000 streams does not compete with the server for the bench's event loop. Started by
 * scenarios/stateToBrowser.ts with `node --import tsx`; talks to it over the IPC channel:
 *   ← { type: 'open', url, cookies }   opens one stream per cookie
 *   → { type: 'ready', opened }        every stream has delivered its first `locker` event
 *   ← { type: 'collect' }              → { type: 'events', events: [client, wallMs, door][] }
 *   ← { type: 'close' }                closes the streams and exits
 * Times are wall-clock milliseconds with sub-millisecond precision (performance.timeOrigin +
 * performance.now()), comparable between processes of one machine.
 */
import { type ClientRequest, request } from 'node:http';

type Inbound = { type: 'open'; url: string; cookies: string[] } | { type: 'collect' } | { type: 'close' };

const wallNow = () => performance.timeOrigin + performance.now();
const received: [number, number, string][] = [];
const requests: ClientRequest[] = [];
let firstEvents = 0;
let expected = 0;

function openStream(url: URL, cookie: string, client: number): void {
  let seenFirst = false;
  let buffer = '';
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: '/api/events',
      method: 'GET',
      headers: { cookie, origin: url.origin, accept: 'text/event-stream' },
    },
    (response) => {
      if (response.statusCode !== 200) {
        send({ type: 'error', message: `stream ${client} answered ${response.statusCode}` });
        response.resume();
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const at = wallNow();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (!block.includes('event: locker')) continue;
          const data = block.split('\n').find((line) => line.startsWith('data:'));
          const door = data ? (JSON.parse(data.slice(5)) as { door?: string } | null)?.door : undefined;
          received.push([client, at, door ?? 'none']);
          if (!seenFirst) {
            seenFirst = true;
            firstEvents += 1;
            if (firstEvents === expected) send({ type: 'ready', opened: firstEvents });
          }
        }
      });
    },
  );
  req.on('error', (error) => send({ type: 'error', message: `stream ${client}: ${error.message}` }));
  req.end();
  requests.push(req);
}

function send(message: unknown): void {
  process.send?.(message);
}

process.on('message', (message: Inbound) => {
  switch (message.type) {
    case 'open': {
      expected = message.cookies.length;
      const url = new URL(message.url);
      // Opened a few at a time, as browsers arriving, so the accept queue never overflows.
      let index = 0;
      const batch = () => {
        for (const end = Math.min(index + 50, expected); index < end; index++) {
          openStream(url, message.cookies[index] ?? '', index);
        }
        if (index < expected) setTimeout(batch, 5);
      };
      batch();
      return;
    }
    case 'collect':
      send({ type: 'events', events: received });
      return;
    case 'close':
      for (const req of requests) req.destroy();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 50).unref();
      return;
  }
});
