import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { auditEvents, bookings, pairings, payments, userPhotos, users } from '../../src/db/schema';
import { GOOD_PASSWORD, mailTo, member, outbox, uniqueEmail } from './support/accounts';

/**
 * The settings of one's own account (issue 4): /api/me and its profile fields, the pseudo, the
 * photo (checked by content, re-encoded), password and e-mail changes, erasure, and ADMIN_EMAILS.
 */
type ApiError = { error: { code: string; message: string } };
type Me = {
  user: {
    id: string;
    email: string;
    name: string;
    premium: boolean;
    role: string;
    image: string | null;
    emailLocked: boolean;
    hasPassword: boolean;
  };
};

/** A photo as a phone would send it: big, with EXIF that must not survive. */
function photo(format: 'jpeg' | 'png' | 'webp', width = 1200, height = 900) {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 20, g: 240, b: 90 } } }).withMetadata({
    exif: { IFD0: { Copyright: 'GPS-48.8566N-2.3522E', Artist: 'secret-author' } },
  });
  return image.toFormat(format).toBuffer();
}

async function putPhoto(browser: TestBrowser, bytes: Uint8Array, contentType = 'text/plain') {
  const response = await fetch(new URL('/api/me/photo', browser.baseUrl), {
    method: 'PUT',
    headers: { origin: new URL(browser.baseUrl).origin, cookie: browser.cookieHeader, 'content-type': contentType },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as Me & ApiError };
}

describe.each(databaseBackends())('account settings on $name', (db) => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem(db, EMBEDDED_BROKER);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('tells the sign-in page whether Google is on and whether this is the demo', async () => {
    const response = await fetch(new URL('/api/public-config', system.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ googleEnabled: false, demoMode: true });
  });

  it('describes the signed-in person with their photo, e-mail lock and password state', async () => {
    const { browser, email } = await member(system, 'me');
    const me = await browser.json<Me>('GET', '/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual({
      id: expect.any(String),
      email,
      name: 'Membre me',
      premium: false,
      role: 'user',
      image: null,
      emailLocked: false,
      hasPassword: true,
      locale: 'fr',
    });
  });

  it('keeps the language chosen at sign-up or in Settings, and writes e-mails in it (issue 12)', async () => {
    const email = uniqueEmail('english');
    const browser = new TestBrowser(system.url);
    const signUp = await browser.json('POST', '/api/auth/sign-up/email', {
      email,
      password: GOOD_PASSWORD,
      name: 'Emma',
      locale: 'en',
    });
    expect(signUp.status).toBe(200);
    expect((await browser.json<Me & { user: { locale: string } }>('GET', '/api/me')).body.user.locale).toBe('en');

    const reset = { email, redirectTo: '/reinitialiser' };
    await new TestBrowser(system.url).json('POST', '/api/auth/request-password-reset', reset);
    const english = await mailTo(system, email, /Reset your SmartLocker password/);
    expect(english.text).toContain('Hello Emma');

    const refused = await browser.json<ApiError>('PATCH', '/api/me', { locale: 'de' });
    expect(refused.status).toBe(400);
    const changed = await browser.json<Me & { user: { locale: string } }>('PATCH', '/api/me', { locale: 'fr' });
    expect(changed.body.user.locale).toBe('fr');
    expect(changed.body.user.name).toBe('Emma');
    await new TestBrowser(system.url).json('POST', '/api/auth/request-password-reset', reset);
    const french = await mailTo(system, email, /Réinitialisation de votre mot de passe/);
    expect(french.text).toContain('Bonjour Emma');
  });

  it('takes the language of a sign-up without one from Accept-Language', async () => {
    const email = uniqueEmail('accept');
    const response = await fetch(new URL('/api/auth/sign-up/email', system.url), {
      method: 'POST',
      headers: {
        origin: new URL(system.url).origin,
        'content-type': 'application/json',
        'accept-language': 'de-DE, en-GB;q=0.8, fr;q=0.5',
      },
      body: JSON.stringify({ email, password: GOOD_PASSWORD, name: 'Anna' }),
    });
    expect(response.status).toBe(200);
    const [row] = await system.database.db.select().from(users).where(eq(users.email, email));
    expect(row?.locale).toBe('en');
  });

  it('changes the pseudo within 2–40 characters', async () => {
    const { browser } = await member(system, 'pseudo');
    const renamed = await browser.json<Me>('PATCH', '/api/me', { name: '  Zoé   la  Rapide ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.user.name).toBe('Zoé la Rapide');
    for (const name of ['Z', ' ', 'x'.repeat(41), 'evil\u202Eeman', 42]) {
      const refused = await browser.json<ApiError>('PATCH', '/api/me', { name });
      expect(refused.status, String(name)).toBe(400);
    }
    expect((await browser.json<ApiError>('PATCH', '/api/me', { name: 'A' })).body.error.code).toBe('invalid_name');
    expect((await browser.json<Me>('GET', '/api/me')).body.user.name).toBe('Zoé la Rapide');
  });

  describe('profile photo', () => {
    it('re-encodes a JPEG to a WebP of at most 256×256 with no metadata, whatever the Content-Type says', async () => {
      const { browser } = await member(system, 'photo');
      const original = await photo('jpeg');
      expect(original.includes(Buffer.from('secret-author'))).toBe(true);
      const uploaded = await putPhoto(browser, original, 'text/plain');
      expect(uploaded.status).toBe(200);
      expect(uploaded.body.user.image).toMatch(/^\/api\/me\/photo\?v=[0-9a-z]+$/);
      expect((await browser.json<Me>('GET', '/api/me')).body.user.image).toBe(uploaded.body.user.image);

      const served = await browser.request('GET', uploaded.body.user.image ?? '');
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toBe('image/webp');
      expect(served.headers.get('cache-control')).toContain('private');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      const bytes = Buffer.from(await served.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(256);
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(bytes.includes(Buffer.from('secret-author'))).toBe(false);
      expect(bytes.includes(Buffer.from('GPS-48'))).toBe(false);

      const etag = served.headers.get('etag') ?? '';
      const again = await browser.request('GET', '/api/me/photo', undefined, { 'if-none-match': etag });
      expect(again.status).toBe(304);
    });

    it('accepts PNG and WebP too, and keeps small photos small', async () => {
      const { browser } = await member(system, 'formats');
      expect((await putPhoto(browser, await photo('png', 300, 300), 'image/jpeg')).status).toBe(200);
      expect((await putPhoto(browser, await photo('webp', 100, 80), 'application/octet-stream')).status).toBe(200);
      const meta = await sharp(
        Buffer.from(await (await browser.request('GET', '/api/me/photo')).arrayBuffer()),
      ).metadata();
      expect([meta.width, meta.height]).toEqual([100, 80]);
    });

    it('refuses other types, lies, empty and oversized bodies', async () => {
      const { browser } = await member(system, 'bad-photo');
      const gif = Buffer.from('474946383961010001000000002c00000000010001000002', 'hex');
      expect(await putPhoto(browser, gif, 'image/png')).toMatchObject({
        status: 415,
        body: { error: { code: 'unsupported_photo_type' } },
      });
      const html = Buffer.from('<svg onload="alert(1)"></svg>');
      expect((await putPhoto(browser, html, 'image/png')).status).toBe(415);
      // The right signature, then nothing an image decoder can read.
      const fakePng = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(200, 7)]);
      expect(await putPhoto(browser, fakePng, 'image/png')).toMatchObject({
        status: 422,
        body: { error: { code: 'invalid_photo' } },
      });
      // A JPEG header on a PNG body: the decoder and the signature must agree.
      const png = await photo('png', 64, 64);
      const lying = Buffer.concat([Buffer.from('ffd8ff', 'hex'), png]);
      expect((await putPhoto(browser, lying, 'image/jpeg')).status).toBe(422);
      expect((await putPhoto(browser, new Uint8Array(), 'image/png')).status).toBe(400);
      const huge = Buffer.concat([await photo('jpeg', 64, 64), Buffer.alloc(2 * 1024 * 1024)]);
      expect(await putPhoto(browser, huge, 'image/jpeg')).toMatchObject({
        status: 413,
        body: { error: { code: 'photo_too_large' } },
      });
      expect((await browser.json<Me>('GET', '/api/me')).body.user.image).toBeNull();
      expect((await browser.request('GET', '/api/me/photo')).status).toBe(404);
    });

    it('removes the photo', async () => {
      const { browser } = await member(system, 'no-photo');
      expect((await putPhoto(browser, await photo('jpeg', 50, 50))).status).toBe(200);
      const removed = await browser.json<Me>('DELETE', '/api/me/photo');
      expect(removed.status).toBe(200);
      expect(removed.body.user.image).toBeNull();
      expect((await browser.request('GET', '/api/me/photo')).status).toBe(404);
    });
  });

  describe('password', () => {
    it('changes only with the current password, refuses a common new one, and can close other sessions', async () => {
      const { browser, email } = await member(system, 'pw');
      const other = new TestBrowser(system.url);
      expect(await other.signIn(email, GOOD_PASSWORD)).toBe(200);
      const wrong = await browser.json<{ code: string }>('POST', '/api/auth/change-password', {
        currentPassword: 'not-my-password',
        newPassword: 'a-brand-new-one-8',
      });
      expect(wrong).toMatchObject({ status: 400, body: { code: 'INVALID_PASSWORD' } });
      const common = await browser.json<{ code: string }>('POST', '/api/auth/change-password', {
        currentPassword: GOOD_PASSWORD,
        newPassword: 'qwertyuiop',
      });
      expect(common).toMatchObject({ status: 400, body: { code: 'PASSWORD_TOO_COMMON' } });
      const changed = await browser.json('POST', '/api/auth/change-password', {
        currentPassword: GOOD_PASSWORD,
        newPassword: 'a-brand-new-one-8',
        revokeOtherSessions: true,
      });
      expect(changed.status).toBe(200);
      expect((await browser.json('GET', '/api/me')).status).toBe(200);
      expect((await other.json('GET', '/api/me')).status).toBe(401);
      expect(await new TestBrowser(system.url).signIn(email, GOOD_PASSWORD)).toBe(401);
      expect(await new TestBrowser(system.url).signIn(email, 'a-brand-new-one-8')).toBe(200);
    });
  });

  describe('e-mail address', () => {
    it('changes once the new address confirms by mail, and tells the old one', async () => {
      const { browser, email } = await member(system, 'mover');
      const newEmail = uniqueEmail('moved');
      const asked = await browser.json('POST', '/api/auth/change-email', { newEmail, callbackURL: '/reglages' });
      expect(asked.status).toBe(200);
      // Nothing changes before the new address answers.
      expect((await browser.json<Me>('GET', '/api/me')).body.user.email).toBe(email);
      const mail = await mailTo(system, newEmail, /Confirmez votre nouvelle adresse/);
      const confirmLink = mail.links.find((l) => l.includes('/api/auth/verify-email')) ?? '';
      const followed = await browser.request('GET', confirmLink);
      expect(followed.status).toBe(302);
      expect(followed.headers.get('location')).toBe('/reglages');
      expect((await browser.json<Me>('GET', '/api/me')).body.user.email).toBe(newEmail);
      await mailTo(system, email, /adresse e-mail SmartLocker a changé/);
      expect(await new TestBrowser(system.url).signIn(newEmail, GOOD_PASSWORD)).toBe(200);
      expect(await new TestBrowser(system.url).signIn(email, GOOD_PASSWORD)).toBe(401);
    });

    it('answers a change to a taken address like any other, without sending anything', async () => {
      const { email: taken } = await member(system, 'owner');
      const { browser } = await member(system, 'squatter');
      const before = (await outbox(system)).length;
      const asked = await browser.json('POST', '/api/auth/change-email', { newEmail: taken, callbackURL: '/reglages' });
      expect(asked.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await outbox(system)).filter((m) => m.to === taken).length).toBe(0);
      expect((await outbox(system)).length).toBe(before);
    });
  });

  describe('erasure', () => {
    it('erases the person and keeps the anonymised financial records', async () => {
      const { browser, email } = await member(system, 'leaver');
      const laptop = new TestBrowser(system.url);
      expect(await laptop.signIn(email, GOOD_PASSWORD)).toBe(200);
      const me = (await browser.json<Me>('GET', '/api/me')).body.user;
      expect((await browser.json('POST', '/api/pairing', { code: system.codes.school })).status).toBe(201);
      expect((await putPhoto(browser, await photo('png', 40, 40))).status).toBe(200);
      const dbx = system.database.db;
      const [booking] = await dbx
        .insert(bookings)
        .values({
          userId: me.id,
          lockerId: system.lockerIds.school,
          kind: 'school_booking',
          status: 'completed',
          startsAt: new Date('2026-01-05T09:00:00Z'),
          endsAt: new Date('2026-01-05T11:00:00Z'),
          amountCents: 1000,
        })
        .returning();
      if (!booking) throw new Error('no booking');
      await dbx.insert(payments).values({
        bookingId: booking.id,
        userId: me.id,
        purpose: 'booking',
        provider: 'stripe',
        providerSessionId: `cs_test_${me.id}`,
        amountCents: 1000,
        status: 'paid',
      });

      expect(await browser.json<ApiError>('DELETE', '/api/me', {})).toMatchObject({
        status: 400,
        body: { error: { code: 'password_required' } },
      });
      expect(await browser.json<ApiError>('DELETE', '/api/me', { password: 'not-it-at-all' })).toMatchObject({
        status: 403,
        body: { error: { code: 'invalid_password' } },
      });
      const erased = await browser.request('DELETE', '/api/me', { password: GOOD_PASSWORD });
      expect(erased.status).toBe(204);
      expect(erased.headers.getSetCookie().join()).toMatch(/session_token=;.*Max-Age=0/i);

      expect((await browser.json('GET', '/api/me')).status).toBe(401);
      expect((await laptop.json('GET', '/api/me')).status).toBe(401);
      expect(await new TestBrowser(system.url).signIn(email, GOOD_PASSWORD)).toBe(401);
      expect(await dbx.select().from(users).where(eq(users.id, me.id))).toEqual([]);
      expect(await dbx.select().from(userPhotos).where(eq(userPhotos.userId, me.id))).toEqual([]);
      expect(await dbx.select().from(pairings).where(eq(pairings.userId, me.id))).toEqual([]);
      const kept = await dbx.select().from(bookings).where(eq(bookings.id, booking.id));
      expect(kept).toMatchObject([{ userId: null, amountCents: 1000 }]);
      const paid = await dbx.select().from(payments).where(eq(payments.bookingId, booking.id));
      expect(paid).toMatchObject([{ userId: null, amountCents: 1000, status: 'paid' }]);
      const trail = await dbx.select().from(auditEvents).where(eq(auditEvents.subjectUserId, me.id));
      expect(trail.map((e) => e.action)).toContain('account.erased');
      expect(JSON.stringify(trail)).not.toContain(email);
      // The address is free again.
      await new TestBrowser(system.url).signUp(email, GOOD_PASSWORD);
    });
  });
});

describe('ADMIN_EMAILS and production-like settings', () => {
  let system: TestSystem;
  const boss = uniqueEmail('boss');

  beforeAll(async () => {
    system = await startTestSystem(databaseBackends()[0] as DatabaseBackend, EMBEDDED_BROKER, {
      ADMIN_EMAILS: ` ${boss.toUpperCase()} , other-admin@example.org`,
      DEMO_MODE: 'false',
      SIMULATED_LOCKERS: 'false',
    });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('promotes a listed address once it is proven by the link mailed to it', async () => {
    const browser = new TestBrowser(system.url);
    await browser.signUp(boss, GOOD_PASSWORD, 'La Patronne');
    // Anyone could sign up with this address: it is not an administrator until it is proven.
    expect((await browser.json<Me>('GET', '/api/me')).body.user.role).toBe('user');
    const mail = await mailTo(system, boss, /Confirmez/);
    const link = mail.links.find((l) => l.includes('/api/auth/verify-email')) ?? '';
    expect((await new TestBrowser(system.url).request('GET', link)).status).toBe(302);
    expect((await browser.json<Me>('GET', '/api/me')).body.user.role).toBe('admin');
    const again = new TestBrowser(system.url);
    expect(await again.signIn(boss, GOOD_PASSWORD)).toBe(200);
    expect((await again.json<Me>('GET', '/api/me')).body.user.role).toBe('admin');
    expect((await again.json('GET', '/api/admin/badges')).status).toBe(200);
  });

  it('does not promote anyone else', async () => {
    const { browser } = await member(system, 'plain');
    expect((await browser.json<Me>('GET', '/api/me')).body.user.role).toBe('user');
  });

  it('has no Premium self-toggle outside the demo', async () => {
    const { browser } = await member(system, 'no-demo');
    expect((await browser.json('POST', '/api/me/premium', { premium: true })).status).toBe(404);
    expect((await browser.json<Me>('GET', '/api/me')).body.user.premium).toBe(false);
    expect(await (await fetch(new URL('/api/public-config', system.url))).json()).toEqual({
      googleEnabled: false,
      demoMode: false,
    });
  });
});
