import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { AUDITED_PAGES, type AuditedPage } from './auditedPages';
import { findChromium, launchBrowser } from './browser';
import { type Identity, identityFor, pairLocker, seriousViolations, signIn, signUp, writeQrVideo } from './pwaSupport';

const chromiumPath = findChromium() ?? '';
const SCREENS = join(process.cwd(), 'reports', 'e2e', 'screens');

const VIEWS = [
  { device: 'phone', locale: 'fr-BE', lang: 'fr' },
  { device: 'phone', locale: 'en-GB', lang: 'en' },
  { device: 'desktop', locale: 'fr-BE', lang: 'fr' },
  { device: 'desktop', locale: 'en-GB', lang: 'en' },
] as const;

async function open(page: Page, url: string, ready: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId(ready).first().waitFor({ timeout: 15_000 });
  // Fonts in place before a screenshot or a contrast check.
  await page.evaluate('document.fonts.ready.then(() => undefined)');
}

/**
 * Issue 12 in Chromium: every screen in French and English at a phone's and a desktop's size,
 * checked by axe (no serious or critical violation) and photographed; the PWA's installable
 * manifest, self-hosted fonts, the offline overlay and shell; QR pairing through a fake camera
 * that films the locker's QR code; the /p/<CODE> deep link surviving the sign-in detour.
 */
describe.skipIf(!chromiumPath)('the PWA in Chromium', () => {
  let system: TestSystem;
  let ids: Record<AuditedPage['as'], Identity | null>;
  const workDir = mkdtempSync(join(tmpdir(), 'smartlocker-pwa-'));

  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    const setup = await launchBrowser(chromiumPath, {});
    try {
      const member = await signUp(setup.context, system.url, 'Lea');
      const schoolMember = await signUp(setup.context, system.url, 'Noah');
      await pairLocker(setup.context, system.url, system.codes.school);
      const admin = system.demoAccounts.find((a) => a.role === 'admin');
      if (!admin) throw new Error('no demo administrator');
      ids = { visitor: null, member, 'school-member': schoolMember, admin };
    } finally {
      await setup.close();
    }
  });

  afterAll(async () => {
    await system?.dispose();
    rmSync(workDir, { recursive: true, force: true });
  });

  for (const view of VIEWS) {
    it(`passes axe on every screen, ${view.device}, ${view.lang}`, async () => {
      const browser = await launchBrowser(chromiumPath, { device: view.device, locale: view.locale });
      try {
        const page = browser.context.pages()[0] ?? (await browser.context.newPage());
        const found: string[] = [];
        let signedInAs: Identity | null | undefined;
        for (const screen of AUDITED_PAGES) {
          const identity = identityFor(screen, ids);
          if (identity !== signedInAs) {
            await signIn(browser.context, system.url, identity);
            signedInAs = identity;
            // The account's language wins once signed in: this person reads the app in the view's.
            if (identity) {
              await browser.context.request.patch(`${system.url}/api/me`, {
                data: { locale: view.lang },
                headers: { origin: system.url },
              });
            }
          }
          await open(page, `${system.url}${screen.path}`, screen.ready);
          expect(await page.evaluate('document.documentElement.lang')).toBe(view.lang);
          await page.screenshot({
            path: join(SCREENS, `${view.device}-${view.lang}-${screen.name}.png`),
            fullPage: true,
          });
          for (const v of await seriousViolations(page))
            found.push(`${screen.name}: ${v.id} (${v.impact}) ${v.targets.join(', ')}`);
        }
        // The offline overlay, over the dashboard.
        await browser.context.setOffline(true);
        await page.getByTestId('offline-overlay').waitFor();
        await page.screenshot({ path: join(SCREENS, `${view.device}-${view.lang}-offline.png`) });
        for (const v of await seriousViolations(page))
          found.push(`offline: ${v.id} (${v.impact}) ${v.targets.join(', ')}`);
        await browser.context.setOffline(false);
        expect(found).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  }

  it('is installable, with the self-hosted fonts, and opens offline from its service worker', async () => {
    const browser = await launchBrowser(chromiumPath, {});
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await open(page, system.url, 'landing');
      // The service worker takes control (clients.claim) once its shell is stored.
      // Polled through page.evaluate: waitForFunction evals its predicate inside the page, which
      // the app's CSP (no 'unsafe-eval') forbids.
      await expect
        .poll(
          () =>
            page.evaluate(
              () =>
                (globalThis as unknown as { navigator: { serviceWorker?: { controller: unknown } } }).navigator
                  .serviceWorker?.controller != null,
            ),
          { timeout: 20_000 },
        )
        .toBe(true);

      const cdp = await browser.context.newCDPSession(page);
      const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
        installabilityErrors: Array<{ errorId: string }>;
      };
      expect(installabilityErrors).toEqual([]);
      const manifest = await (await page.request.get(`${system.url}/manifest.webmanifest`)).json();
      expect(manifest.display).toBe('standalone');
      const icons = manifest.icons as Array<{ src: string; sizes: string; purpose: string }>;
      expect(icons.map((i) => `${i.sizes} ${i.purpose}`)).toEqual(
        expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']),
      );
      for (const icon of icons.filter((i) => i.src.endsWith('.png'))) {
        const response = await page.request.get(`${system.url}${icon.src}`);
        expect(response.headers()['content-type']).toBe('image/png');
      }

      // Orbitron and Rajdhani, loaded from this server's own files.
      // A string, evaluated in the page: this project's TypeScript has no DOM library.
      const fonts = (await page.evaluate(`(async () => {
        await document.fonts.ready;
        const loaded = [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family + ' ' + f.weight);
        const files = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.woff2'));
        return { loaded, files, origin: location.origin };
      })()`)) as { loaded: string[]; files: string[]; origin: string };
      expect(fonts.loaded).toEqual(expect.arrayContaining(['Rajdhani 500', 'Orbitron 700']));
      expect(fonts.files.length).toBeGreaterThanOrEqual(2);
      for (const file of fonts.files) expect(file.startsWith(`${fonts.origin}/assets/`)).toBe(true);

      // Offline: the overlay appears, and leaves when the network is back.
      await browser.context.setOffline(true);
      await page.getByTestId('offline-overlay').waitFor();
      expect(await page.getByTestId('offline-overlay').textContent()).toContain('SIGNAL PERDU');
      await browser.context.setOffline(false);
      await page.getByTestId('offline-overlay').waitFor({ state: 'detached' });

      // Offline again, a reload still opens the app: the shell and its code come from the
      // service worker (Chromium's emulation leaves navigator.onLine true in the new document, so
      // the app tells that the server is unreachable), and it recovers when the network returns.
      await browser.context.setOffline(true);
      const reloaded = await page.reload();
      expect(reloaded?.fromServiceWorker()).toBe(true);
      await page.getByTestId('startup-error').waitFor();
      expect(await page.evaluate('getComputedStyle(document.body).fontFamily')).toContain('Rajdhani');
      await page.screenshot({ path: join(SCREENS, 'phone-fr-offline-shell.png') });
      await browser.context.setOffline(false);
      await page.getByRole('button', { name: 'Réessayer' }).click();
      await page.getByTestId('landing').waitFor();
    } finally {
      await browser.close();
    }
  });

  it('pairs by scanning the locker’s QR code with the camera', async () => {
    const video = join(workDir, 'locker-qr.y4m');
    await writeQrVideo(video, `${system.url}/p/${system.codes.school}`);
    const browser = await launchBrowser(chromiumPath, {
      args: [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    try {
      await signUp(browser.context, system.url, 'Scan');
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await open(page, system.url, 'pair-form');
      await page.getByTestId('pair-scan').click();
      await page.getByTestId('qr-scanner').waitFor();
      await page.screenshot({ path: join(SCREENS, 'phone-fr-scanner.png') });
      await page.getByTestId('locker-card').waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('locker-id').textContent()).toBe(system.lockerIds.school);
    } finally {
      await browser.close();
    }
  });

  it('opens a locker’s link (/p/<CODE>) on the pairing step after signing up', async () => {
    const browser = await launchBrowser(chromiumPath, { locale: 'en-GB' });
    try {
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await page.goto(`${system.url}/p/${system.codes.sport.toLowerCase()}`);
      await page.getByTestId('signin-form').waitFor();
      expect(await page.getByRole('status').first().textContent()).toContain(system.codes.sport);
      await page.getByTestId('toggle-mode').click();
      await page.getByTestId('pseudo').fill('Maya');
      await page.getByTestId('email').fill(`maya-${Date.now()}@example.org`);
      await page.getByTestId('password').fill('correct horse battery');
      await page.getByTestId('submit').click();
      await page.getByTestId('pair-notice').waitFor();
      expect(await page.getByTestId('pair-code').inputValue()).toBe(system.codes.sport);
      await page.screenshot({ path: join(SCREENS, 'phone-en-deep-link.png') });
      await page.getByTestId('pair-submit').click();
      await page.getByTestId('locker-card').waitFor();
      expect(await page.getByTestId('locker-id').textContent()).toBe(system.lockerIds.sport);
      // The account was created in English: its e-mails will be too.
      const me = await (await page.request.get(`${system.url}/api/me`)).json();
      expect(me.user.locale).toBe('en');
    } finally {
      await browser.close();
    }
  });
});
