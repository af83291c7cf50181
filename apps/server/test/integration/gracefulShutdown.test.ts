import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSse, TestBrowser } from '../../../../test-support/http';
import { spawnStart } from '../../../../test-support/serverProcess';

/**
 * Issue 14, graceful shutdown (docs/deploy.md): on SIGTERM the real server process stops
 * accepting connections, ends its SSE streams cleanly (a browser's EventSource then reconnects,
 * to the other instance behind the proxy), lets a request already in flight finish, closes the
 * broker and the database, and exits 0 — within a bounded time.
 */
const EXIT_WITHIN_MS = 8_000;

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawnStart(dataDir, { logLevel: 'warn', stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 60 s:\n${output}`)), 60_000);
    const onData = () => {
      const match = /running on (http:\/\/localhost:\d+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({ child, url: match[1], output: () => output });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before its banner:\n${output}`));
    });
  });
}

/**
 * A sign-in whose body arrives in two parts: the request is in flight (headers read, body
 * pending) until `finish()` sends the rest. On its own connection, as a slow client's would be.
 */
function slowSignIn(url: string, email: string, password: string) {
  const body = JSON.stringify({ email, password });
  const half = Math.floor(body.length / 2);
  const target = new URL('/api/auth/sign-in/email', url);
  const req = request(target, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', origin: target.origin, 'content-length': String(body.length) },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  req.write(body.slice(0, half));
  return { answered, finish: () => req.end(body.slice(half)) };
}

describe('graceful shutdown of the server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-shutdown-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('finishes the request in flight, ends the SSE streams and exits 0 on SIGTERM', async () => {
    const { child, url, output } = await startServer(dataDir);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const [, email, password] = /admin\s+(\S+@\S+)\s+(demo-\S+)/.exec(output()) ?? [];
      if (!email || !password) throw new Error(`no demo administrator in the banner:\n${output()}`);
      const browser = new TestBrowser(url);
      expect(await browser.signIn(email, password)).toBe(200);

      // A live stream, as the app keeps open in every tab.
      const stream = await fetch(`${url}/api/events`, { headers: { cookie: browser.cookieHeader } });
      expect(stream.status).toBe(200);
      const events = readSse(stream);
      expect((await events.next()).value).toMatchObject({ event: 'session' });

      const slow = slowSignIn(url, email, password);
      // Let the server read the headers before it is told to stop.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const signalledAt = Date.now();
      child.kill('SIGTERM');

      // The SSE stream ends cleanly (not cut): the rest of it is read to its end without an error.
      const rest: string[] = [];
      for await (const event of events) rest.push(event.event);
      // Whatever the stream still carried is one of its events: an administrator's stream also
      // follows the fleet (`fleet-locker`, `overview`, `alarm`), which the demo lockers move.
      const known = ['locker', 'session', 'ping', 'fleet-locker', 'overview', 'alarm', 'command', 'alert'];
      expect(rest.filter((name) => !known.includes(name))).toEqual([]);

      // No new connection is accepted while the request in flight finishes.
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
      slow.finish();
      const answer = await slow.answered;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ user: { email } });

      expect(await exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(EXIT_WITHIN_MS);
      expect(output()).not.toMatch(/shutdown took too long|shutdown step failed|requests still running/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
