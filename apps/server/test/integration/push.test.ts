import { execFileSync } from 'node:child_process';
import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/**
 * The booking reminder as a Web Push message (issue 5): a local push service over HTTPS (a
 * self-signed certificate, as web-push speaks nothing else) receives what the server sends, and
 * the test decrypts it as a browser would (RFC 8291, aes128gcm) to read the message.
 */

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A browser's push keys: a P-256 key pair and a 16-byte auth secret. */
function browserKeys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return { ecdh, auth, p256dh: ecdh.getPublicKey().toString('base64url'), authB64: auth.toString('base64url') };
}

/** RFC 8291 §3.4 / RFC 8188: what the user agent does with an aes128gcm push message. */
function decrypt(body: Buffer, keys: ReturnType<typeof browserKeys>): string {
  const salt = body.subarray(0, 16);
  const idLength = body.readUInt8(20);
  const serverPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const shared = keys.ecdh.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), keys.ecdh.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, keys.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 0x02, then zero padding.
  const end = padded.lastIndexOf(2);
  return padded.subarray(0, end).toString('utf8');
}

describe.each(databaseBackends())('booking reminders by Web Push on $name', (db) => {
  let system: TestSystem;
  let clock: ManualClock;
  let server: Server;
  let pushUrl: string;
  let certDir: string;
  const received: Received[] = [];
  /** Paths the local push service answers 410 Gone for (an unsubscribed browser). */
  const gone = new Set<string>();

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'smartlocker-push-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(certDir, 'cert.pem'));
    server = createServer({ key: readFileSync(join(certDir, 'key.pem')), cert }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '';
        received.push({ path, headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(gone.has(path) ? 410 : 201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pushUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clock = new ManualClock(new Date('2026-12-01T06:30:00Z'));
    system = await startTestSystem(
      db,
      EMBEDDED_BROKER,
      { BOOKING_TICK_S: '60' },
      {
        clock,
        pushAgent: new Agent({ ca: cert }),
      },
    );
  });
  afterAll(async () => {
    await system?.dispose();
    await new Promise((resolve) => server?.close(resolve));
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('sends the 10-minute reminder, encrypted for each browser, and forgets a browser that is gone', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`push-${Date.now()}@example.org`);
    expect((await browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);

    const config = await browser.json<{ enabled: boolean; publicKey: string }>('GET', '/api/push/config');
    expect(config.body.enabled).toBe(true);
    expect(Buffer.from(config.body.publicKey, 'base64url')).toHaveLength(65);

    const phone = browserKeys();
    const laptop = browserKeys();
    for (const [name, keys] of [
      ['phone', phone],
      ['laptop', laptop],
    ] as const) {
      const saved = await browser.json('POST', '/api/push/subscriptions', {
        endpoint: `${pushUrl}/push/${name}`,
        expirationTime: null,
        keys: { p256dh: keys.p256dh, auth: keys.authB64 },
      });
      expect(saved.status).toBe(201);
    }
    gone.add('/push/laptop');

    const booked = await browser.json<{ booking: { id: string }; checkoutUrl: string }>('POST', '/api/bookings', {
      date: '2026-12-01',
      startHour: 10,
      durationHours: 1,
    });
    expect(booked.status).toBe(201);
    await system.stripeEmulator?.pay(booked.body.checkoutUrl.split('/').at(-1) ?? '', '4242424242424242');
    await system.stripeEmulator?.idle();
    clock.set(new Date('2026-12-01T09:50:00Z'));
    await system.bookings.tick();

    await expect.poll(() => received.filter((r) => r.path.startsWith('/push/')).length).toBe(2);
    const toPhone = received.find((r) => r.path === '/push/phone');
    if (!toPhone) throw new Error('nothing reached the phone');
    expect(toPhone.headers['content-encoding']).toBe('aes128gcm');
    expect(toPhone.headers.ttl).toBe('600');
    expect(toPhone.headers.urgency).toBe('high');
    // VAPID (RFC 8292): a JWT signed by the server's key, and that key.
    expect(toPhone.headers.authorization).toMatch(
      new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${config.body.publicKey}$`),
    );
    const message = JSON.parse(decrypt(toPhone.body, phone)) as Record<string, string>;
    expect(message).toEqual({
      title: 'Plus que 10 minutes',
      body: "Votre réservation du Casier école test se termine à 11:00. Prolonger d'une heure ?",
      url: '/',
      tag: `booking-reminder-${booked.body.booking.id}`,
    });

    // The push service said 410 for the laptop: its subscription is gone, the phone's is kept.
    await expect
      .poll(async () => (await system.database.db.query.pushSubscriptions.findMany()).map((s) => s.endpoint))
      .toEqual([`${pushUrl}/push/phone`]);

    // Unsubscribing removes the phone too.
    expect(
      (await browser.json('DELETE', '/api/push/subscriptions', { endpoint: `${pushUrl}/push/phone` })).status,
    ).toBe(204);
    expect(await system.database.db.query.pushSubscriptions.findMany()).toEqual([]);
  });

  it('refuses subscriptions that are not https push endpoints with usable keys', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(`push-bad-${Date.now()}@example.org`);
    const keys = browserKeys();
    for (const body of [
      { endpoint: 'http://127.0.0.1/push', keys: { p256dh: keys.p256dh, auth: keys.authB64 } },
      { endpoint: `${pushUrl}/push/x`, keys: { p256dh: 'short', auth: keys.authB64 } },
      { endpoint: `${pushUrl}/push/x` },
    ]) {
      const answer = await browser.json<{ error: { code: string } }>('POST', '/api/push/subscriptions', body);
      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    }
  });
});
