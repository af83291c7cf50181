import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { DEFAULT_OIDC_ACCOUNT, type LocalOidcProvider, startOidcProvider } from '../test-support/oidcProvider';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { findChromium, launchPhone, type PhoneBrowser } from './browser';

const chromiumPath = findChromium() ?? '';
const SCREENSHOTS = join(process.cwd(), 'reports', 'e2e');
const PASSWORD = 'correct horse battery';

/**
 * Accounts through the UI at a phone's size (issue 4): sign up, sign out, sign in; Google sign-in
 * against a real OpenID Connect provider on loopback; pseudo and photo (cropped in the browser);
 * pairing and unpairing from the settings; a forgotten password through the demo outbox.
 */
describe.skipIf(!chromiumPath)('accounts in Chromium', () => {
  let oidc: LocalOidcProvider;
  let system: TestSystem;
  let phone: PhoneBrowser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    oidc = await startOidcProvider();
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, oidc.env);
    // better-auth's callback for a provider named "google" (generic OIDC or the built-in one).
    oidc.allowRedirectUri(`${system.url}/api/auth/oauth2/callback/google`);
    oidc.allowRedirectUri(`${system.url}/api/auth/callback/google`);
    phone = await launchPhone(chromiumPath);
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
  });

  afterAll(async () => {
    await phone?.close();
    await system?.dispose();
    await oidc?.close();
  });

  // Each scenario starts signed out, on a fresh page.
  beforeEach(async () => {
    await phone.context.clearCookies();
    await page.goto(`${system.url}/connexion`);
    await page.getByTestId('signin-form').waitFor();
  });

  function uniqueEmail(name: string): string {
    return `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
  }

  async function signUp(pseudo: string, email: string): Promise<void> {
    await page.getByTestId('toggle-mode').click();
    await page.getByTestId('signup-form').waitFor();
    await page.getByTestId('pseudo').fill(pseudo);
    await page.getByTestId('email').fill(email);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('submit').click();
    await page.getByTestId('pair-form').waitFor();
  }

  async function signIn(email: string, password: string): Promise<void> {
    await page.getByTestId('email').fill(email);
    await page.getByTestId('password').fill(password);
    await page.getByTestId('submit').click();
  }

  async function openSettings(): Promise<void> {
    await page.getByTestId('open-settings').click();
    await page.getByTestId('settings-profile').waitFor();
    // The screen renders first and the address follows it: wait for both.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/reglages');
  }

  /**
   * A 640×480 PNG drawn by the browser itself: a neon disc on a dark gradient. (The script is a
   * string: this project compiles the tests without the DOM library.)
   */
  async function generatedPng(): Promise<Buffer> {
    const dataUrl = await page.evaluate<string>(`(() => {
      const canvas = document.createElement('canvas');
      canvas.width = 640;
      canvas.height = 480;
      const g = canvas.getContext('2d');
      const gradient = g.createLinearGradient(0, 0, 640, 480);
      gradient.addColorStop(0, '#1b2a6b');
      gradient.addColorStop(1, '#0b0f0c');
      g.fillStyle = gradient;
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = '#39ff14';
      g.beginPath();
      g.arc(320, 240, 150, 0, Math.PI * 2);
      g.fill();
      g.fillStyle = '#ff3d68';
      g.fillRect(270, 190, 100, 100);
      return canvas.toDataURL('image/png');
    })()`);
    return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  }

  /** The decoded width of an <img> (0 until it has loaded an image). */
  async function naturalWidth(testId: string): Promise<number> {
    return page.getByTestId(testId).evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
  }

  it('signs up, signs out from the settings and signs in again', async () => {
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-signin.png') });
    const email = uniqueEmail('lea');
    await signUp('Léa', email);
    await expect.poll(() => page.getByTestId('user-pseudo').textContent()).toBe('Léa');

    await openSettings();
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-settings.png'), fullPage: true });
    await page.getByTestId('settings-signout').click();
    await page.getByTestId('signin-form').waitFor();
    // The screen renders first and the address follows it: wait for both.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/connexion');

    // Signing up again with the address opens no session and does not say the account exists.
    await page.getByTestId('toggle-mode').click();
    await page.getByTestId('pseudo').fill('Léa bis');
    await page.getByTestId('email').fill(email);
    await page.getByTestId('password').fill('another long passphrase');
    await page.getByTestId('submit').click();
    await expect.poll(() => page.getByTestId('signup-pending').textContent()).toContain(email);
    await page.getByTestId('toggle-mode').click();
    await page.getByTestId('signin-form').waitFor();

    // A wrong password is refused in French, without saying whether the e-mail exists.
    await signIn(email, 'not the password');
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain('incorrect');

    await signIn(email, PASSWORD);
    await page.getByTestId('pair-form').waitFor();
    await expect.poll(() => page.getByTestId('user-pseudo').textContent()).toBe('Léa');
  });

  it('signs in with Google through the local OpenID Connect provider; the e-mail is locked', async () => {
    const loginsBefore = oidc.logins;
    await page.getByTestId('google-signin').click();
    await page.getByTestId('pair-form').waitFor({ timeout: 20_000 });
    expect(oidc.errors).toEqual([]);
    expect(oidc.logins).toBe(loginsBefore + 1);
    await expect.poll(() => page.getByTestId('user-pseudo').textContent()).toBe(DEFAULT_OIDC_ACCOUNT.name);

    await openSettings();
    await page.getByTestId('email-locked').waitFor();
    expect(await page.getByTestId('email-locked').textContent()).toContain('Google — verrouillé');
    expect(await page.getByTestId('settings-email').inputValue()).toBe(DEFAULT_OIDC_ACCOUNT.email);
    expect(await page.getByTestId('settings-email').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-google-settings.png') });

    // Signing in again with the same Google account reuses the profile.
    await page.getByTestId('settings-signout').click();
    await page.getByTestId('google-signin').click();
    await page.getByTestId('pair-form').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('user-pseudo').textContent()).toBe(DEFAULT_OIDC_ACCOUNT.name);
  });

  it('changes the pseudo, and the photo cropped in the browser', async () => {
    await signUp('Nora', uniqueEmail('nora'));
    await openSettings();

    await page.getByTestId('settings-pseudo').fill('Nora la Rapide');
    await page.getByTestId('settings-pseudo-save').click();
    await page.getByTestId('pseudo-done').waitFor();

    // A new e-mail address waits for the link mailed to it.
    const newEmail = uniqueEmail('nora-new');
    await page.getByTestId('settings-email').fill(newEmail);
    await page.getByTestId('settings-email-save').click();
    await expect.poll(() => page.getByTestId('email-done').textContent()).toContain(newEmail);

    expect(await page.getByTestId('settings-avatar').getAttribute('data-has-photo')).toBe('false');
    await page.getByTestId('photo-input').setInputFiles({
      name: 'portrait.png',
      mimeType: 'image/png',
      buffer: await generatedPng(),
    });
    const cropper = page.getByTestId('photo-cropper');
    await expect.poll(() => cropper.getAttribute('data-ready')).toBe('true');

    // Crop: move the square selection up and to the left, then shrink it from its corner.
    const selection = page.locator('cropper-selection');
    const before = await selection.boundingBox();
    if (!before) throw new Error('no crop selection on screen');
    const centre = { x: before.x + before.width / 2, y: before.y + before.height / 2 };
    await page.mouse.move(centre.x, centre.y);
    await page.mouse.down();
    await page.mouse.move(centre.x - 20, centre.y - 20, { steps: 5 });
    await page.mouse.up();
    const corner = await page.locator('cropper-handle[action="se-resize"]').boundingBox();
    if (!corner) throw new Error('no resize handle on screen');
    await page.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
    await page.mouse.down();
    await page.mouse.move(corner.x - 30, corner.y - 30, { steps: 5 });
    await page.mouse.up();
    const after = await selection.boundingBox();
    expect(after?.width).toBeLessThan(before.width);
    expect(Math.abs((after?.width ?? 0) - (after?.height ?? 0))).toBeLessThan(2);
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-photo-crop.png') });

    await page.getByTestId('photo-save').click();
    await page.getByTestId('photo-done').waitFor();
    await expect.poll(() => page.getByTestId('settings-avatar').getAttribute('data-has-photo')).toBe('true');
    await expect.poll(() => naturalWidth('settings-avatar-img')).toBeGreaterThan(0);

    // The server keeps a square it re-encoded itself.
    const served = await page.evaluate<{ status: number; type: string | null; w: number; h: number }>(`(async () => {
      const response = await fetch('/api/me/photo', { credentials: 'same-origin' });
      const bitmap = await createImageBitmap(await response.blob());
      return { status: response.status, type: response.headers.get('content-type'), w: bitmap.width, h: bitmap.height };
    })()`);
    expect(served).toMatchObject({ status: 200, type: 'image/webp' });
    expect(served.w).toBe(served.h);
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-photo-saved.png') });

    // Home shows the new pseudo and the new photo in the account bar.
    await page.getByTestId('settings-back').click();
    await expect.poll(() => page.getByTestId('user-pseudo').textContent()).toBe('Nora la Rapide');
    await expect.poll(() => naturalWidth('avatar-img')).toBeGreaterThan(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-home-avatar.png') });
  });

  it('pairs a locker at home and unpairs it from the settings', async () => {
    await signUp('Sam', uniqueEmail('sam'));
    await page.getByTestId('pair-code').fill(system.codes.school);
    await page.getByTestId('pair-submit').click();
    await page.getByTestId('locker-card').waitFor();
    expect(await page.getByTestId('locker-card').getAttribute('data-locker-id')).toBe(system.lockerIds.school);

    await openSettings();
    await page.getByTestId('settings-locker').waitFor();
    expect(await page.getByTestId('settings-locker').getAttribute('data-locker-id')).toBe(system.lockerIds.school);
    await page.getByTestId('settings-locker-section').screenshot({ path: join(SCREENSHOTS, 'accounts-locker.png') });
    await page.getByTestId('settings-unpair').click();
    await page.getByTestId('settings-no-locker').waitFor();

    await page.getByTestId('settings-back').click();
    await page.getByTestId('pair-form').waitFor();
  });

  it('resets a forgotten password through the link in the demo outbox', async () => {
    const email = uniqueEmail('ines');
    await signUp('Inès', email);
    await phone.context.clearCookies();
    await page.goto(`${system.url}/connexion`);

    await page.getByTestId('forgot-password').click();
    // The screen renders first and the address follows it: wait for both.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/mot-de-passe-oublie');
    await page.getByTestId('forgot-email').fill(email);
    await page.getByTestId('forgot-submit').click();
    await page.getByTestId('forgot-sent').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-forgot-sent.png') });

    await page.getByTestId('open-outbox').click();
    const message = page.getByTestId('outbox-message').filter({ hasText: email }).first();
    await message.waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-outbox.png'), fullPage: true });
    await message.getByTestId('outbox-link').first().click();

    await page.getByTestId('reset-form').waitFor();
    // The screen renders first and the address follows it: wait for both.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/reinitialiser');
    // A common password is refused with the reason, in French.
    await page.getByTestId('reset-password').fill('password');
    await page.getByTestId('reset-password-confirm').fill('password');
    await page.getByTestId('reset-submit').click();
    await expect.poll(() => page.getByTestId('reset-error').textContent()).toContain('trop courant');

    const newPassword = 'lanterne verte 42';
    await page.getByTestId('reset-password').fill(newPassword);
    await page.getByTestId('reset-password-confirm').fill(newPassword);
    await page.getByTestId('reset-submit').click();
    await page.getByTestId('reset-done').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-reset-done.png') });
    await page.getByTestId('reset-continue').click();

    await page.getByTestId('signin-form').waitFor();
    await signIn(email, newPassword);
    await page.getByTestId('pair-form').waitFor();
    await expect.poll(() => page.getByTestId('user-pseudo').textContent()).toBe('Inès');
  });

  it('signs out of every device, then deletes the account once SUPPRIMER and the password are typed', async () => {
    const email = uniqueEmail('yann');
    await signUp('Yann', email);
    await openSettings();
    await page.getByTestId('settings-signout-all').click();
    await page.getByTestId('signin-form').waitFor();
    expect(await page.locator('.notice').first().textContent()).toContain('tous vos appareils');

    await signIn(email, PASSWORD);
    await page.getByTestId('pair-form').waitFor();
    await openSettings();
    await page.getByTestId('delete-account-open').click();
    await page.getByTestId('delete-account-confirmation').fill('supprimer');
    await page.getByTestId('delete-account-password').fill('not the password');
    await page.getByTestId('delete-account-submit').click();
    await expect.poll(() => page.getByTestId('delete-account-error').textContent()).toContain('incorrect');
    await page.getByTestId('delete-account-password').fill(PASSWORD);
    await page.getByTestId('settings-danger-section').screenshot({ path: join(SCREENSHOTS, 'accounts-delete.png') });
    await page.getByTestId('delete-account-submit').click();
    await page.getByTestId('signin-form').waitFor();
    expect(await page.locator('.notice').first().textContent()).toContain('supprimé');

    await signIn(email, PASSWORD);
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toContain('incorrect');
  });

  it('lands an administrator on the admin screen', async () => {
    const admin = system.demoAccounts.find((account) => account.role === 'admin');
    if (!admin) throw new Error('the demo system has no administrator account');
    await signIn(admin.email, admin.password);
    await page.getByTestId('admin-home').waitFor();
    // The screen renders first and the address follows it: wait for both.
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin');
    await page.getByTestId('admin-overview').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'accounts-admin-home.png'), fullPage: true });
  });
});
