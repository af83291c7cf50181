import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { captureLogs } from '../../../../test-support/logs';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * Issue 13, observability: what /metrics tells an operator (command latency and outcomes,
 * lockers online, SSE clients, webhook outcomes, broker traffic, event-loop lag) and the request
 * id that ties every log line of one request together.
 */

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The value of one sample of the exposition text, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('observability', () => {
  let system: TestSystem;
  const logs = captureLogs('debug');
  const scrape = async () => (await fetch(`${system.url}/metrics`)).text();

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, {}, { logger: logs.logger });
    await Promise.all(system.agents.map((agent) => agent.waitUntilConnected(10_000)));
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('exposes the process figures, the event-loop lag among them', async () => {
    const text = await scrape();
    expect(sample(text, 'smartlocker_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'smartlocker_nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'smartlocker_process_resident_memory_bytes')).toBeGreaterThan(0);
    // The configs published to both lockers at start.
    expect(sample(text, 'smartlocker_mqtt_published_total', { channel: 'config' })).toBeGreaterThanOrEqual(2);
  });

  it('counts the lockers online at each scrape, without a health check first', async () => {
    await until('both lockers online', async () => sample(await scrape(), 'smartlocker_lockers_online') === 2);
  });

  it('measures a command from its publication to the locker’s answer, and counts its outcome', async () => {
    const member = new TestBrowser(system.url);
    await member.signUp(`observed-${randomUUID()}@example.org`);
    expect((await member.json('POST', '/api/me/premium', { premium: true })).status).toBe(200);
    expect((await member.json('POST', '/api/pairing', { code: system.codes.sport })).status).toBe(201);

    const stream = await member.request('GET', '/api/events');
    const events = readSse(stream);
    await waitForEvent(events, (e) => e.event === 'locker');
    expect(sample(await scrape(), 'smartlocker_sse_clients')).toBe(1);

    const started = await member.json<{ commandId: string }>('POST', '/api/sessions', {
      lockerId: system.lockerIds.sport,
    });
    expect(started.status).toBe(201);
    await waitForEvent(events, (e) => e.event === 'command' && e.data.includes(started.body.commandId));
    const text = await scrape();
    expect(sample(text, 'smartlocker_commands_total', { type: 'open', outcome: 'accepted' })).toBe(1);
    expect(sample(text, 'smartlocker_command_latency_seconds_count', { type: 'open' })).toBe(1);
    expect(sample(text, 'smartlocker_command_latency_seconds_sum', { type: 'open' })).toBeGreaterThan(0);
    expect(sample(text, 'smartlocker_mqtt_published_total', { channel: 'cmd' })).toBe(1);
    expect(sample(text, 'smartlocker_mqtt_messages_total', { channel: 'ack', outcome: 'applied' })).toBe(1);
    await events.return(undefined);
    await stream.body?.cancel().catch(() => {});
    await until('the stream counted as closed', async () => sample(await scrape(), 'smartlocker_sse_clients') === 0);
  });

  it('counts webhook outcomes, and logs a refusal under the id the caller gave', async () => {
    const requestId = `hook-${randomUUID()}`;
    const response = await fetch(`${system.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00', 'x-request-id': requestId },
      body: '{"id":"evt_forged","type":"checkout.session.completed"}',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(sample(await scrape(), 'smartlocker_webhook_events_total', { outcome: 'bad_signature' })).toBe(1);

    const lines = logs.lines().filter((line) => line.requestId === requestId);
    expect(lines.map((line) => line.msg)).toEqual(['webhook refused: bad signature', 'request served']);
  });

  it('gives a request without a usable id one of its own, in the header and in every line', async () => {
    for (const offered of [undefined, 'has spaces in it', 'x'.repeat(200), '"quoted"']) {
      const response = await fetch(`${system.url}/healthz`, offered ? { headers: { 'x-request-id': offered } } : {});
      const given = response.headers.get('x-request-id');
      expect(given).toMatch(/^[0-9a-f-]{36}$/);
      const served = logs.lines().filter((line) => line.msg === 'request served' && line.requestId === given);
      expect(served).toHaveLength(1);
    }
    // Every access line, of every request so far, names its request.
    const access = logs.lines().filter((line) => line.msg === 'request served');
    expect(access.length).toBeGreaterThan(5);
    expect(access.every((line) => typeof line.requestId === 'string')).toBe(true);
    // Lines written outside any request (start-up, the broker) carry none.
    expect(logs.lines().some((line) => line.requestId === undefined)).toBe(true);
  });
});
