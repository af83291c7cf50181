import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type StripeEmulator, signWebhookPayload, startStripeEmulator } from '@smartlocker/stripe-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../apps/server/src/index';
import { EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { captureLogs } from '../../../../test-support/logs';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../src/broker/embeddedBroker';

/**
 * Issue 14, "secrets never logged": the whole system with every secret configured runs a
 * realistic day — sign-up, sign-in, a failed sign-in, pairing, a booking paid on the Stripe
 * emulator and its webhook, a forged webhook, a password reset whose mail cannot be sent, a
 * Google sign-in whose provider is down — with every log line captured at `trace`. No secret may
 * appear in them, in clear or in the encodings a careless log line would use (base64, base64url,
 * hex), nor any person's password or session token.
 */
const MORNING = new Date('2026-12-01T06:30:00Z');
const alnum = (bytes: number) => randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');

/** A port nothing listens on: SMTP and the Google issuer are "down" there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every form of a secret worth looking for: as written, and its bytes in the usual encodings. */
function formsOf(secret: string | Buffer): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const forms = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
  if (typeof secret === 'string') forms.push(secret);
  // Searching for very short strings would find them by chance in unrelated text.
  return forms.filter((form) => form.length >= 12);
}

describe('secrets in the logs of a full run', () => {
  const logs = captureLogs('trace');
  const work = mkdtempSync(join(tmpdir(), 'smartlocker-secrets-'));
  const secrets = new Map<string, string[]>();
  let emulator: StripeEmulator;
  let broker: EmbeddedBroker;
  let system: TestSystem;

  const stripeSecretKey = `sk_test_${alnum(24)}`;
  const stripeWebhookSecret = `whsec_${alnum(24)}`;
  const authSecret = alnum(48);
  const smtpPassword = `smtp${alnum(18)}`;
  const mqttPassword = `mqtt${alnum(18)}`;
  const googleClientSecret = `GOCSPX-${alnum(21)}`;
  const userPassword = 'correct horse battery staple 42';

  beforeAll(async () => {
    const clock = new ManualClock(MORNING);
    // The command-signing key, as a PEM file, and the raw private scalar inside it.
    const signing = generateKeyPairSync('ed25519');
    const signingPem = signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signingFile = join(work, 'command-signing.pem');
    writeFileSync(signingFile, signingPem, { mode: 0o600 });
    const signingJwk = createPrivateKey(signingPem).export({ format: 'jwk' });
    // VAPID: a P-256 key pair, base64url as web-push expects it.
    const vapid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' });
    const vapidPublic = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(vapid.x ?? '', 'base64url'),
      Buffer.from(vapid.y ?? '', 'base64url'),
    ]).toString('base64url');
    const vapidPrivate = vapid.d ?? '';

    secrets.set('AUTH_SECRET', formsOf(authSecret));
    secrets.set('STRIPE_SECRET_KEY', formsOf(stripeSecretKey));
    secrets.set('STRIPE_WEBHOOK_SECRET', formsOf(stripeWebhookSecret));
    secrets.set('VAPID_PRIVATE_KEY', [...formsOf(vapidPrivate), ...formsOf(Buffer.from(vapidPrivate, 'base64url'))]);
    secrets.set('SMTP password', formsOf(smtpPassword));
    secrets.set('MQTT_PASSWORD', formsOf(mqttPassword));
    secrets.set('GOOGLE_CLIENT_SECRET', formsOf(googleClientSecret));
    const pemBody = signingPem.split('\n').filter((line) => line && !line.startsWith('-----'));
    secrets.set('command signing key', [
      ...pemBody.filter((line) => line.length >= 12),
      ...formsOf(Buffer.from(signingJwk.d ?? '', 'base64url')),
    ]);
    secrets.set('a person’s password', formsOf(userPassword));

    emulator = await startStripeEmulator({
      host: '127.0.0.1',
      secretKey: stripeSecretKey,
      webhookSecret: stripeWebhookSecret,
      now: () => clock.now(),
      logger: logs.logger.child({ part: 'stripe-emulator' }),
    });
    // An external broker (MQTT_URL) the server signs in to with MQTT_USERNAME / MQTT_PASSWORD.
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const down = await closedPort();
    system = await startTestSystem(
      EMBEDDED_DATABASE,
      { name: 'mosquitto', url: broker.url },
      {
        AUTH_SECRET: authSecret,
        COMMAND_SIGNING_KEY_FILE: signingFile,
        STRIPE_SECRET_KEY: stripeSecretKey,
        STRIPE_WEBHOOK_SECRET: stripeWebhookSecret,
        STRIPE_API_URL: emulator.url,
        VAPID_PUBLIC_KEY: vapidPublic,
        VAPID_PRIVATE_KEY: vapidPrivate,
        SMTP_URL: `smtp://mailer:${smtpPassword}@127.0.0.1:${down}`,
        MQTT_USERNAME: 'smartlocker-server',
        MQTT_PASSWORD: mqttPassword,
        GOOGLE_CLIENT_ID: 'smartlocker-test.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: googleClientSecret,
        GOOGLE_ISSUER: `http://127.0.0.1:${down}`,
        TRUST_PROXY: 'true',
        BOOKING_TICK_S: '60',
      },
      { clock, logger: logs.logger },
    );
    emulator.setWebhookUrl(`${system.url}/webhooks/stripe`);
  });
  afterAll(async () => {
    await system?.dispose();
    await emulator?.stop();
    await broker?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('never writes a configured secret, a password or a session token to the logs', async () => {
    const email = `secret-${Date.now()}@example.org`;
    const browser = new TestBrowser(system.url);
    const from = { 'x-forwarded-for': '10.7.0.1' };
    expect(
      (await browser.request('POST', '/api/auth/sign-up/email', { email, password: userPassword, name: 'Ada' }, from))
        .status,
    ).toBe(200);
    expect((await browser.request('POST', '/api/auth/sign-out', {}, from)).status).toBe(200);
    // A failed sign-in, then the right one.
    expect(
      (await browser.request('POST', '/api/auth/sign-in/email', { email, password: `${userPassword}!` }, from)).status,
    ).toBe(401);
    expect(
      (await browser.request('POST', '/api/auth/sign-in/email', { email, password: userPassword }, from)).status,
    ).toBe(200);
    for (const token of browser.cookieHeader.split('; ').map((pair) => pair.slice(pair.indexOf('=') + 1))) {
      secrets.set(
        `session cookie ${token.slice(0, 4)}…`,
        [decodeURIComponent(token), decodeURIComponent(token).split('.')[0] ?? ''].filter((t) => t.length >= 12),
      );
    }

    // Pairing, then a booking paid on the emulator: Stripe's webhook reaches the server, signed.
    expect((await browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
    const booked = await browser.json<{ checkoutUrl: string; booking: { id: string } }>('POST', '/api/bookings', {
      date: '2026-12-02',
      startHour: 10,
      durationHours: 2,
    });
    expect(booked.status).toBe(201);
    const sessionId = booked.body.checkoutUrl.split('/').at(-1) ?? '';
    expect(await emulator.pay(sessionId, '4242424242424242')).toEqual({ ok: true });
    await emulator.idle();
    const booking = await browser.json<{ booking: { status: string } }>(
      'GET',
      `/api/bookings/${booked.body.booking.id}`,
    );
    expect(booking.body.booking.status).toBe('confirmed');

    // A forged webhook (signed with another secret) and an unsigned one.
    const forged = JSON.stringify({ id: 'evt_forged', type: 'checkout.session.completed', data: { object: {} } });
    const wrongSecret = `whsec_${alnum(24)}`;
    const forgedAnswer = await fetch(`${system.url}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signWebhookPayload(forged, wrongSecret, Math.floor(Date.now() / 1000)),
      },
      body: forged,
    });
    expect(forgedAnswer.status).toBe(400);
    expect((await fetch(`${system.url}/webhooks/stripe`, { method: 'POST', body: forged })).status).toBe(400);

    // A password reset whose mail cannot be delivered (SMTP is down), and Google being down.
    const reset = await browser.request(
      'POST',
      '/api/auth/request-password-reset',
      { email, redirectTo: '/reinitialiser' },
      from,
    );
    expect(reset.status).toBe(200);
    const google = await browser.request(
      'POST',
      '/api/auth/sign-in/oauth2',
      { providerId: 'google', callbackURL: '/' },
      from,
    );
    expect(google.status).toBeGreaterThanOrEqual(400);
    // An answer the server refuses, and one it has no route for.
    expect((await browser.json('POST', '/api/pairing', { code: 'SL-NOPE-99' })).status).toBeGreaterThanOrEqual(400);
    expect((await browser.json('GET', '/api/no-such-route')).status).toBe(404);

    // The mail goes out in the background: wait until its failure is logged.
    const deadline = Date.now() + 15_000;
    while (
      !/mail|smtp/i.test(
        logs
          .lines()
          .filter((l) => l.level >= 40)
          .map((l) => l.msg)
          .join('\n'),
      ) &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const text = logs.text();
    const lines = logs.lines();
    // The run was logged (or this test would prove nothing): warnings for the failures above.
    const messages = lines.map((l) => String(l.msg));
    expect(messages).toContain('better-auth: Invalid password');
    expect(messages).toContain('webhook refused: bad signature');
    expect(messages.filter((m) => m === 'request served').length).toBeGreaterThan(10);
    expect(lines.some((l) => l.level >= 40 && /mail|smtp/i.test(String(l.msg)))).toBe(true);
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    const found: string[] = [];
    for (const [name, forms] of secrets) {
      for (const form of forms) if (text.includes(form)) found.push(`${name} (${form.slice(0, 6)}…)`);
    }
    expect(found).toEqual([]);
    // Nor the person's address beside a password-shaped field.
    expect(text).not.toMatch(/"password":"(?!\[Redacted\])/);
  });
});
