import { request as httpRequest } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { GOOD_PASSWORD, uniqueEmail } from './support/accounts';

/**
 * Property-based bad input over every route of the server (issue 14), taken from its route table
 * so a new route is fuzzed without anyone writing a line: wrong types, invalid JSON and UTF-8,
 * huge bodies, unicode oddities, SQL and path-traversal strings, in the path, the query and the
 * body. Whatever arrives, the answer is never a 5xx, and a refusal is JSON with a stable code.
 */
const HOSTILE_STRINGS = [
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(10)',
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '..\\..\\windows\\win.ini',
  '%00',
  '\u0000',
  '\u202eevil\u202c',
  '\ufeff',
  '\u200b\u200d',
  '👩‍👩‍👧‍👦',
  'ﬃ',
  'İ',
  '\ud800',
  '\udfff\ud800',
  '<script>alert(1)</script>',
  '{{7*7}}%{7*7}#{7*7}',
  '__proto__',
  'constructor',
  'NaN',
  '-0',
  '1e309',
  '9007199254740993',
  ' ',
  '',
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Any JSON value, with hostile strings and prototype keys among the leaves and keys. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'email', 'id')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string; contentType: string }
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string };

const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant<Body>({ kind: 'none' }),
  hostileJson.map<Body>((value) => ({ kind: 'json', value })),
  // Objects shaped like ours, with every field of the wrong type or hostile.
  fc
    .record({
      email: fc.oneof(hostileString, fc.integer(), fc.constant(null)),
      password: fc.oneof(hostileString, fc.array(fc.integer())),
      name: fc.oneof(hostileString, fc.object()),
      code: fc.oneof(hostileString, fc.integer()),
      lockerId: fc.oneof(hostileString, fc.boolean()),
      date: fc.oneof(hostileString, fc.integer()),
      startHour: fc.oneof(fc.double(), hostileString),
      durationHours: fc.oneof(fc.integer({ min: -1000, max: 1000 }), hostileString),
      sessionId: hostileString,
      premium: fc.oneof(hostileString, fc.integer()),
      endpoint: hostileString,
      uid: hostileString,
      state: hostileString,
      present: hostileString,
      connected: hostileString,
    })
    .map<Body>((value) => ({ kind: 'json', value })),
  fc
    .constantFrom('{"a":', '{"a":1}}', 'nul', '[1,2', "{'a':1}", '\u0000')
    .map<Body>((text) => ({ kind: 'text', text, contentType: 'application/json' })),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map<Body>((bytes) => ({ kind: 'bytes', bytes, contentType: 'application/json; charset=utf-8' })),
  hostileString.map<Body>((text) => ({ kind: 'text', text, contentType: 'text/plain' })),
  fc
    .constantFrom('application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml')
    .map<Body>((contentType) => ({ kind: 'text', text: 'a=1&b=%ZZ', contentType })),
);

/** What fills a `:param` of the route or a query parameter. */
const pathValue = fc.oneof(hostileString, fc.uuid(), fc.constantFrom('ECOLE_01', 'NO_SUCH', '0', '-1'));

const query = fc.dictionary(
  fc.constantFrom('from', 'to', 'type', 'page', 'pageSize', 'id', 'user', 'callbackURL', 'token', 'q'),
  hostileString,
  { maxKeys: 3 },
);

/** The routes whose success would end the fuzzing session; they are fuzzed anonymously. */
const ENDS_THE_SESSION = new Set([
  'POST /api/auth/sign-out',
  'POST /api/auth/revoke-sessions',
  'POST /api/auth/revoke-other-sessions',
  'DELETE /api/me',
]);

interface ErrorShape {
  error?: { code?: unknown };
  code?: unknown;
}

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate becomes U+FFFD, as a browser sends it). */
function encodeSegment(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/**
 * A request written with node:http, so that an answer given before the body is fully sent (a 413
 * while the client is still uploading) is read rather than lost to the reset that follows.
 */
function rawRequest(
  url: URL,
  method: string,
  headers: Record<string, string>,
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ status: number; text: string; type: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const request = httpRequest(url, { method, headers, agent: false }, (response) => {
      answered = true;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (d: string) => {
        text += d;
      });
      const done = () =>
        resolve({
          status: response.statusCode ?? 0,
          text,
          type: String(response.headers['content-type'] ?? ''),
          sentBytes,
        });
      response.on('end', done);
      response.on('error', done);
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      for await (const chunk of chunks) {
        if (answered || request.destroyed) break;
        sentBytes += chunk.byteLength;
        if (!request.write(chunk)) await new Promise((r) => request.once('drain', r));
      }
      if (!request.destroyed) request.end();
    })().catch(() => {});
  });
}

function isStableCode(value: unknown): boolean {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_]{1,63}$/.test(value);
}

describe('hostile HTTP input on every route', () => {
  let system: TestSystem;
  let member: TestBrowser;
  let admin: TestBrowser;

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    member = new TestBrowser(system.url);
    await member.signUp(uniqueEmail('fuzz'), GOOD_PASSWORD, 'Fuzz');
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    if (!account) throw new Error('no demo administrator');
    admin = new TestBrowser(system.url);
    expect(await admin.signIn(account.email, account.password)).toBe(200);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  async function send(
    method: string,
    path: string,
    sent: Body,
    as: TestBrowser | null,
  ): Promise<{ status: number; text: string; type: string }> {
    const headers: Record<string, string> = { origin: new URL(system.url).origin };
    if (as) headers.cookie = as.cookieHeader;
    let payload: string | Uint8Array | undefined;
    const withBody = method !== 'GET' && method !== 'HEAD';
    if (withBody && sent.kind === 'json') {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(sent.value);
    } else if (withBody && (sent.kind === 'text' || sent.kind === 'bytes')) {
      headers['content-type'] = sent.contentType;
      payload = sent.kind === 'text' ? sent.text : sent.bytes;
    }
    const response = await fetch(new URL(path, system.url), {
      method,
      headers,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
    const type = response.headers.get('content-type') ?? '';
    // An event stream never ends by itself: its status and type are what is checked.
    if (type.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, text: '', type };
    }
    return { status: response.status, text: await response.text(), type };
  }

  function check(route: string, request: string, answer: { status: number; text: string; type: string }) {
    const where = `${route} ← ${request} → ${answer.status} ${answer.text.slice(0, 300)}`;
    expect(answer.status, where).toBeLessThan(500);
    if (answer.status >= 400) {
      expect(answer.type, where).toContain('application/json');
      const parsed = JSON.parse(answer.text) as ErrorShape;
      expect(isStableCode(parsed.error?.code ?? parsed.code), where).toBe(true);
    }
  }

  it('answers every route with a 4xx and a stable code, never a 5xx', { timeout: 600_000 }, async () => {
    const routes = system.httpRoutes.filter((r) => r.method !== 'ALL' && !r.path.endsWith('*'));
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const name = `${route.method} ${route.path}`;
      const actor = ENDS_THE_SESSION.has(name) ? null : route.path.includes('/admin/') ? admin : member;
      await fc.assert(
        fc.asyncProperty(pathValue, query, body, async (param, params, sent) => {
          const path = route.path.replace(/:[a-zA-Z]+/g, encodeSegment(param));
          const search = new URLSearchParams(params).toString();
          const target = search ? `${path}?${search}` : path;
          const answer = await send(route.method, target, sent, actor);
          check(name, `${target} ${JSON.stringify(sent).slice(0, 200)}`, answer);
        }),
        { numRuns: 25, seed: 1414 },
      );
    }
  });

  it('refuses a body far above the limit on every state-changing route with 413, before reading it', async () => {
    for (const route of system.httpRoutes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))) {
      if (!route.path.startsWith('/api/') && !route.path.startsWith('/webhooks/')) continue;
      const path = route.path.replace(/:[a-zA-Z]+/g, 'X');
      // 8 MB announced and sent 64 KiB at a time: the answer must come long before the end.
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      async function* eightMegabytes() {
        for (let i = 0; i < 128; i++) yield chunk;
      }
      const answer = await rawRequest(
        new URL(path, system.url),
        route.method,
        {
          origin: new URL(system.url).origin,
          cookie: (route.path.includes('/admin/') ? admin : member).cookieHeader,
          'content-type': 'application/json',
          'content-length': String(128 * chunk.byteLength),
        },
        eightMegabytes(),
      );
      const name = `${route.method} ${route.path}`;
      check(name, 'an 8 MB body', answer);
      expect(answer.status, name).toBe(413);
      expect(answer.sentBytes, name).toBeLessThan(4 * 1024 * 1024);
    }
  });

  it('serves nothing outside the web app whatever the path, and never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            hostileString,
            fc.constantFrom('..', '%2e%2e', '%252e%252e', '%c0%ae%c0%ae', '%ff', 'etc', 'passwd', '.git', 'index.html'),
          ),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        async (segments) => {
          const path = `/${segments.map((s) => (/^[%.a-z0-9]+$/i.test(s) ? s : encodeSegment(s))).join('/')}`;
          // A leading `//` would be read as another host by the URL parser, not as a path.
          const answer = await send('GET', path.replace(/^\/\//, '/%2F'), { kind: 'none' }, null);
          expect(answer.status, path).toBeLessThan(500);
          expect(answer.text, path).not.toMatch(/root:x:0:0|\[core\]|BEGIN PRIVATE KEY/);
        },
      ),
      { numRuns: 150, seed: 1415 },
    );
  });

  describe('uploads', () => {
    const photoUrl = () => new URL('/api/me/photo', system.url);
    const headers = () => ({ origin: new URL(system.url).origin, cookie: member.cookieHeader });

    async function* bytes(total: number, piece = 64 * 1024) {
      const chunk = new Uint8Array(piece).fill(0x42);
      for (let sent = 0; sent < total; sent += piece) yield chunk;
    }

    it('refuses a file named .png that is no image, whatever its Content-Type', async () => {
      for (const contentType of ['image/png', 'application/octet-stream']) {
        const answer = await rawRequest(
          photoUrl(),
          'PUT',
          { ...headers(), 'content-type': contentType, 'content-disposition': 'attachment; filename="cat.png"' },
          (async function* () {
            yield new TextEncoder().encode('#!/bin/sh\necho pwned\n');
          })(),
        );
        expect(answer.status).toBe(415);
        expect(JSON.parse(answer.text).error.code).toBe('unsupported_photo_type');
      }
    });

    it('refuses a decompression bomb from its header, before decoding it', async () => {
      // A real PNG that declares 60,000 × 60,000 pixels (3.6 gigapixels, 10 GB decoded) in 100 bytes.
      const chunk = (type: string, data: Buffer) => {
        const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(data.length);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(body));
        return Buffer.concat([length, body, crc]);
      };
      const header = Buffer.alloc(13);
      header.writeUInt32BE(60_000, 0);
      header.writeUInt32BE(60_000, 4);
      header.set([8, 2, 0, 0, 0], 8);
      const bomb = Buffer.concat([
        Buffer.from('89504e470d0a1a0a', 'hex'),
        chunk('IHDR', header),
        chunk('IDAT', deflateSync(Buffer.alloc(180_001))),
        chunk('IEND', Buffer.alloc(0)),
      ]);
      expect(bomb.length).toBeLessThan(2_000);
      const started = performance.now();
      const answer = await rawRequest(
        photoUrl(),
        'PUT',
        { ...headers(), 'content-type': 'image/png' },
        (async function* () {
          yield bomb;
        })(),
      );
      expect(answer.status).toBe(422);
      expect(JSON.parse(answer.text).error.code).toBe('invalid_photo');
      expect(performance.now() - started).toBeLessThan(5_000);
    });

    it('refuses a 50 MB body early, announced or not, with memory bounded', async () => {
      const before = process.memoryUsage();
      // Announced: refused from the header alone.
      const announced = await rawRequest(
        photoUrl(),
        'PUT',
        { ...headers(), 'content-type': 'image/png', 'content-length': String(50 * 1024 * 1024) },
        bytes(50 * 1024 * 1024),
      );
      expect(announced.status).toBe(413);
      expect(announced.sentBytes).toBeLessThan(4 * 1024 * 1024);
      // Chunked, with no length: refused once 2 MB have arrived, the rest never read.
      const chunked = await rawRequest(
        photoUrl(),
        'PUT',
        { ...headers(), 'content-type': 'image/png', 'transfer-encoding': 'chunked' },
        bytes(50 * 1024 * 1024),
      );
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.text).error.code).toBe('photo_too_large');
      expect(chunked.sentBytes).toBeLessThan(8 * 1024 * 1024);
      const after = process.memoryUsage();
      // The server (in this process) held at most the 2 MB it read, not the 50 MB sent at it.
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 1024 * 1024);
      expect((await member.json<{ user: { image: string | null } }>('GET', '/api/me')).body.user.image).toBeNull();
    });
  });
});
