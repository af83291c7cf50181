import { randomUUID } from 'node:crypto';
import { topicFor } from '@smartlocker/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brokerBackends,
  databaseBackends,
  EMBEDDED_BROKER,
  EMBEDDED_DATABASE,
} from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * The HTTP surface around the happy path: health and metrics, the API's error contract (401 for
 * strangers, 403 for cross-site writes, 400 for bad bodies, a stable `code` for each pairing
 * refusal) and the degraded health once the broker connection is gone. Runs on every database
 * backend (with the embedded broker) and on every broker backend (with PGlite).
 */
const combos = [
  ...databaseBackends().map((db) => ({ db, broker: EMBEDDED_BROKER })),
  ...brokerBackends()
    .slice(1)
    .map((broker) => ({ db: EMBEDDED_DATABASE, broker })),
];

type ErrorBody = { error: { code: string; message: string } };

describe.each(combos)('http on $db.name + $broker.name', ({ db, broker }) => {
  let system: TestSystem;

  async function member(prefix: string): Promise<TestBrowser> {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`${prefix}-${randomUUID()}@example.org`);
    return browser;
  }

  /** A same-origin POST with the session cookie and a body sent exactly as given. */
  async function rawPost(browser: TestBrowser, path: string, body: string) {
    const response = await fetch(new URL(path, system.url), {
      method: 'POST',
      headers: { origin: new URL(system.url).origin, cookie: browser.cookieHeader, 'content-type': 'application/json' },
      body,
    });
    return { status: response.status, body: (await response.json()) as ErrorBody };
  }

  beforeAll(async () => {
    system = await startTestSystem(db, broker);
  });
  afterAll(async () => {
    if (!system) return;
    await system.dispose();
    if (!broker.url) return;
    // The agents' status and state are retained on the shared external broker: clear them.
    const client = await mqtt.connectAsync(broker.url, { clientId: `cleanup-${randomUUID()}`, reconnectPeriod: 0 });
    try {
      for (const id of [system.lockerIds.school, system.lockerIds.sport]) {
        for (const channel of ['status', 'state'] as const) {
          await client.publishAsync(topicFor(id, channel), '', { qos: 1, retain: true });
        }
      }
    } finally {
      await client.endAsync();
    }
  });

  it('reports healthy once both simulated lockers are online', async () => {
    let status = 0;
    let report: unknown = null;
    const deadline = Date.now() + 10_000;
    do {
      const response = await fetch(`${system.url}/healthz`);
      status = response.status;
      report = await response.json();
      if ((report as { lockersOnline?: number }).lockersOnline === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    expect(status).toBe(200);
    expect(report).toEqual({ status: 'ok', db: 'ok', broker: 'ok', lockersOnline: 2 });
  });

  it('serves Prometheus metrics', async () => {
    const response = await fetch(`${system.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('smartlocker_http_requests_total');
    expect(text).toContain('smartlocker_lockers_online');
    // The health check of the previous test was counted, and refreshed the gauge.
    expect(text).toMatch(/^smartlocker_http_requests_total\{[^}]*route="\/healthz"[^}]*status="2xx"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^smartlocker_lockers_online 2$/m);
  });

  it('gzips the JSON a screen reads, and leaves actions and the metrics as they are', async () => {
    const read = await fetch(`${system.url}/api/public-config`, { headers: { 'accept-encoding': 'gzip' } });
    expect(read.headers.get('content-encoding')).toBe('gzip');
    expect(read.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await read.json()).toHaveProperty('googleEnabled');
    // Without asking for it, plain.
    const plain = await fetch(`${system.url}/api/public-config`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    // An action's answer (here a refusal) is small and wanted at once: not compressed.
    const action = await fetch(`${system.url}/api/pairing`, {
      method: 'POST',
      headers: { origin: new URL(system.url).origin, 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: '{}',
    });
    expect(action.status).toBe(401);
    expect(action.headers.get('content-encoding')).toBeNull();
    const metrics = await fetch(`${system.url}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
    expect(metrics.headers.get('content-encoding')).toBeNull();
  });

  it('answers 401 with an error code to anonymous API calls, known route or not', async () => {
    for (const path of ['/api/whatever', '/api/me']) {
      const response = await fetch(`${system.url}${path}`);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/json');
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe('unauthenticated');
      expect(body.error.message).toEqual(expect.any(String));
    }
    const signedIn = await member('lost');
    const unknown = await signedIn.json<ErrorBody>('GET', '/api/whatever');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('rejects a cross-site POST even with a valid session cookie', async () => {
    const browser = await member('csrf');
    const response = await browser.request(
      'POST',
      '/api/pairing',
      { code: system.codes.school },
      {
        origin: 'https://evil.example',
      },
    );
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.code).toBe('csrf_rejected');

    // A browser that sends no Origin still says where the request came from.
    const noOrigin = await fetch(new URL('/api/pairing', system.url), {
      method: 'POST',
      headers: { cookie: browser.cookieHeader, 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ code: system.codes.school }),
    });
    expect(noOrigin.status).toBe(403);
    expect(((await noOrigin.json()) as ErrorBody).error.code).toBe('csrf_rejected');

    const me = await browser.json<{ locker: unknown }>('GET', '/api/me');
    expect(me.status).toBe(200);
    expect(me.body.locker).toBeNull();
  });

  it('answers 400 invalid_json and invalid_body to bad pairing bodies', async () => {
    const browser = await member('body');
    const malformed = await rawPost(browser, '/api/pairing', '{"code":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const wrongType = await rawPost(browser, '/api/pairing', JSON.stringify({ code: 42 }));
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.code).toBe('invalid_body');
    const missing = await browser.json<ErrorBody>('POST', '/api/pairing', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_body');
  });

  it('gives each pairing refusal its own code', async () => {
    const student = await member('student');
    const invalid = await student.json<ErrorBody>('POST', '/api/pairing', { code: 'hello' });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'invalid_code' } } });
    const unknown = await student.json<ErrorBody>('POST', '/api/pairing', { code: 'SL-NOPE-99' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'unknown_code' } } });

    expect((await student.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    const twice = await student.json<ErrorBody>('POST', '/api/pairing', { code: system.codes.sport });
    expect(twice).toMatchObject({ status: 409, body: { error: { code: 'already_paired' } } });

    const first = await member('sport-a');
    const second = await member('sport-b');
    expect((await first.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);
    const taken = await second.json<ErrorBody>('POST', '/api/pairing', { code: system.codes.sport });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'locker_taken' } } });
    expect((await second.json<{ locker: unknown }>('GET', '/api/me')).body.locker).toBeNull();

    // Opening a locker paired to someone else, or one that does not exist, answers the same.
    for (const id of [system.lockerIds.sport, 'NO_SUCH_LOCKER', 'not-an-id']) {
      const open = await second.json<ErrorBody>('POST', `/api/lockers/${id}/open`);
      expect(open).toMatchObject({ status: 403, body: { error: { code: 'not_paired' } } });
    }
    const schoolMember = await student.json<ErrorBody>('POST', `/api/lockers/${system.lockerIds.sport}/open`);
    expect(schoolMember).toMatchObject({ status: 403, body: { error: { code: 'not_paired' } } });

    // Free the sport locker for anyone else.
    expect((await first.request('DELETE', '/api/pairing')).status).toBe(204);
  });

  it('reports degraded with broker down once the broker connection is gone', async () => {
    await system.gateway.stop();
    expect(system.gateway.connected).toBe(false);
    const response = await fetch(`${system.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'degraded',
      db: 'ok',
      broker: 'down',
      lockersOnline: expect.any(Number),
    });
  });
});
