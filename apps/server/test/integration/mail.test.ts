import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { authVerifications } from '../../src/db/schema';
import { decodeHeader, GOOD_PASSWORD, member, startSmtpSink, uniqueEmail } from './support/accounts';

/**
 * Mail over real SMTP (issue 4): the server talks to a local `smtp-server`; the tests read what
 * it received and follow the links as the person would. Password-reset tokens are single-use and
 * expire; an e-mail change is confirmed from the new address.
 */
type AuthError = { code?: string };

describe.each(databaseBackends())('mail over SMTP on $name', (db: DatabaseBackend) => {
  let system: TestSystem;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    system = await startTestSystem(db, EMBEDDED_BROKER, {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'SmartLocker <casiers@example.org>',
    });
  });
  afterAll(async () => {
    await system?.dispose();
    await smtp?.close();
  });

  /** Asks for a reset and returns the link of the message that arrives. */
  async function resetLink(email: string): Promise<string> {
    const asked = await new TestBrowser(system.url).json('POST', '/api/auth/request-password-reset', {
      email,
      redirectTo: '/reinitialiser',
    });
    expect(asked.status).toBe(200);
    const mail = await smtp.waitFor(email, /Réinitialisation/);
    expect(decodeHeader(mail.raw, 'from')).toContain('casiers@example.org');
    const link = mail.links.find((l) => l.includes('/api/auth/reset-password/'));
    if (!link) throw new Error(`no reset link in: ${mail.text}`);
    return link;
  }

  /** Opens the mailed link like a browser: it redirects to the web app's reset page with the token. */
  async function open(link: string) {
    const response = await fetch(link, { redirect: 'manual' });
    expect(response.status).toBe(302);
    return new URL(response.headers.get('location') ?? '', system.url);
  }

  it('resets a password through the mailed link, once, and closes the open sessions', async () => {
    const { browser: signedIn, email } = await member(system, 'forgetful');
    const link = await resetLink(email);
    expect(new URL(link).origin).toBe(new URL(system.url).origin);
    const page = await open(link);
    expect(page.pathname).toBe('/reinitialiser');
    const token = page.searchParams.get('token') ?? '';
    expect(token).not.toBe('');

    const anonymous = new TestBrowser(system.url);
    // The policy applies here too, and a refused password does not spend the token.
    const common = await anonymous.json<AuthError>('POST', '/api/auth/reset-password', {
      newPassword: 'sunshine1',
      token,
    });
    expect(common).toMatchObject({ status: 400, body: { code: 'PASSWORD_TOO_COMMON' } });
    const reset = await anonymous.json('POST', '/api/auth/reset-password', { newPassword: 'nouveau-secret-77', token });
    expect(reset.status).toBe(200);

    expect((await signedIn.json('GET', '/api/me')).status).toBe(401);
    expect(await new TestBrowser(system.url).signIn(email, GOOD_PASSWORD)).toBe(401);
    expect(await new TestBrowser(system.url).signIn(email, 'nouveau-secret-77')).toBe(200);

    // Single use: the same token neither resets again nor opens the page.
    const reused = await anonymous.json<AuthError>('POST', '/api/auth/reset-password', {
      newPassword: 'encore-un-autre-88',
      token,
    });
    expect(reused).toMatchObject({ status: 400, body: { code: 'INVALID_TOKEN' } });
    expect((await open(link)).searchParams.get('error')).toBe('INVALID_TOKEN');
    expect(await new TestBrowser(system.url).signIn(email, 'nouveau-secret-77')).toBe(200);
  });

  it('lets a reset link expire after 30 minutes', async () => {
    const { email } = await member(system, 'slow');
    const link = await resetLink(email);
    const token = link.split('/api/auth/reset-password/')[1]?.split('?')[0] ?? '';
    const identifier = `reset-password:${token}`;
    const dbx = system.database.db;
    const [row] = await dbx.select().from(authVerifications).where(eq(authVerifications.identifier, identifier));
    const ttlMinutes = ((row?.expiresAt.getTime() ?? 0) - Date.now()) / 60_000;
    expect(ttlMinutes).toBeGreaterThan(28);
    expect(ttlMinutes).toBeLessThanOrEqual(30);

    // Half an hour later…
    await dbx
      .update(authVerifications)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(and(eq(authVerifications.identifier, identifier)));
    expect((await open(link)).searchParams.get('error')).toBe('INVALID_TOKEN');
    const late = await new TestBrowser(system.url).json<AuthError>('POST', '/api/auth/reset-password', {
      newPassword: 'trop-tard-pour-ca-9',
      token,
    });
    expect(late).toMatchObject({ status: 400, body: { code: 'INVALID_TOKEN' } });
    expect(await new TestBrowser(system.url).signIn(email, GOOD_PASSWORD)).toBe(200);
  });

  it('sends nothing for an unknown address', async () => {
    const unknown = uniqueEmail('ghost');
    const asked = await new TestBrowser(system.url).json('POST', '/api/auth/request-password-reset', {
      email: unknown,
      redirectTo: '/reinitialiser',
    });
    expect(asked.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.received.some((m) => m.to.includes(unknown))).toBe(false);
  });

  it('confirms an e-mail change from the new address', async () => {
    const { browser, email } = await member(system, 'relocating');
    const newEmail = uniqueEmail('relocated');
    expect((await browser.json('POST', '/api/auth/change-email', { newEmail, callbackURL: '/reglages' })).status).toBe(
      200,
    );
    const mail = await smtp.waitFor(newEmail, /Confirmez votre nouvelle adresse/);
    const link = mail.links.find((l) => l.includes('/api/auth/verify-email')) ?? '';
    const followed = await browser.request('GET', link);
    expect(followed.status).toBe(302);
    expect((await browser.json<{ user: { email: string } }>('GET', '/api/me')).body.user.email).toBe(newEmail);
    await smtp.waitFor(email, /a changé/);
  });

  it('has no development outbox when mail goes out by SMTP', async () => {
    const { browser } = await member(system, 'curious');
    expect((await browser.json('GET', '/api/dev/outbox')).status).toBe(404);
    expect((await fetch(new URL('/api/dev/outbox', system.url))).status).not.toBe(200);
  });
});
