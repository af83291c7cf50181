import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig, type RunningAgent, startAgent } from '@smartlocker/agent';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { findChromium, launchBrowser, type PhoneBrowser } from './browser';
import { signUp } from './pwaSupport';

const chromiumPath = findChromium() ?? '';
const SCREENSHOTS = join(process.cwd(), 'reports', 'e2e');
const DOCS_IMG = join(process.cwd(), 'docs', 'img');

const DEVICES = [
  { device: 'phone', width: 390, suffix: 'P' },
  { device: 'desktop', width: 1280, suffix: 'D' },
] as const;

/** Nothing wider than the viewport: a phone would zoom the page out to fit it. */
async function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document;
    return root.documentElement.scrollWidth;
  });
}

/**
 * Issue 11's admin panel in Chromium, at a phone's and at a desktop's size: the administrator
 * signs in and lands on the panel, grants Premium to a member, lifts a lockdown caused by three
 * intrusions on the simulated locker, adds a site and a locker, downloads its sticker and its
 * provisioning bundle, and an agent started from that bundle comes online in the grid live.
 */
describe.skipIf(!chromiumPath)('the admin panel in Chromium', () => {
  let system: TestSystem;
  const agents: RunningAgent[] = [];
  const stateRoot = mkdtempSync(join(tmpdir(), 'smartlocker-admin-e2e-'));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    mkdirSync(DOCS_IMG, { recursive: true });
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    await Promise.all(system.agents.map((agent) => agent.waitUntilConnected()));
  });

  afterAll(async () => {
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    rmSync(stateRoot, { recursive: true, force: true });
  });

  for (const { device, width, suffix } of DEVICES) {
    it(`runs the fleet from the panel, ${device}`, async () => {
      const browser: PhoneBrowser = await launchBrowser(chromiumPath, { device });
      try {
        const page = browser.context.pages()[0] ?? (await browser.context.newPage());
        const member = await signUp(browser.context, system.url, `Membre${suffix}`);
        await browser.context.request.post(`${system.url}/api/auth/sign-out`, {
          data: {},
          headers: { origin: system.url },
        });
        const admin = system.demoAccounts.find((account) => account.role === 'admin');
        if (!admin) throw new Error('no demo administrator');

        // Signs in and lands on the panel's overview, live counters and alarms.
        await page.goto(`${system.url}/connexion`);
        await page.getByTestId('email').fill(admin.email);
        await page.getByTestId('password').fill(admin.password);
        await page.getByTestId('submit').click();
        await page.getByTestId('admin-overview').waitFor();
        await expect.poll(() => new URL(page.url()).pathname).toBe('/admin');
        await expect
          .poll(() => page.getByTestId('overview-total').getAttribute('data-value'))
          .toBe(String(await system.database.db.query.lockers.findMany().then((rows) => rows.length)));
        await page.evaluate('document.fonts.ready.then(() => undefined)');
        await page.screenshot({
          path: join(SCREENSHOTS, `admin-overview-${device}.png`),
          fullPage: device === 'phone',
        });
        expect(await pageWidth(page)).toBeLessThanOrEqual(width);

        // Users: find the member, grant Premium with a reason.
        await page.getByTestId('admin-nav-users').click();
        await page.getByTestId('users-search').fill(member.email);
        const row = page.locator(`[data-testid="user-row"][data-email="${member.email}"]`);
        await row.waitFor();
        expect(await row.getByTestId('user-row-premium').getAttribute('data-state')).toBe('false');
        await row.getByTestId('user-manage').click();
        const userDialog = page.getByTestId('user-dialog');
        await userDialog.waitFor();
        await userDialog.getByTestId('user-action-premium-grant').check();
        // No reason, no action: the dialog says why.
        await userDialog.getByTestId('confirm-submit').click();
        await userDialog.getByTestId('confirm-error').waitFor();
        await userDialog.getByTestId('confirm-reason').fill('Geste commercial');
        await userDialog.getByTestId('confirm-submit').click();
        await userDialog.waitFor({ state: 'detached' });
        await expect.poll(() => row.getByTestId('user-row-premium').getAttribute('data-state')).toBe('true');
        await expect.poll(() => page.getByTestId('users-status').textContent()).toContain('Premium accordé');
        const granted = await system.database.db.query.users.findFirst({
          where: (users, { eq }) => eq(users.email, member.email),
        });
        expect(granted?.premium).toBe(true);
        const audit = await system.database.db.query.auditEvents.findMany();
        expect(
          audit.some((r) => r.action === 'user.premium_granted' && JSON.stringify(r.data).includes('Geste commercial')),
        ).toBe(true);
        await page.screenshot({ path: join(SCREENSHOTS, `admin-users-${device}.png`), fullPage: device === 'phone' });
        expect(await pageWidth(page)).toBeLessThanOrEqual(width);

        // Three intrusions on the simulated sport locker: it locks itself down.
        const sport = system.lockerIds.sport;
        await page.getByTestId('admin-nav-lockers').click();
        const sportCard = page.locator(`[data-testid="fleet-locker"][data-locker-id="${sport}"]`);
        await sportCard.waitFor();
        const door = `${system.url}/api/dev/workbench/lockers/${sport}/door`;
        for (let i = 0; i < 3; i++) {
          for (const state of ['open', 'closed']) {
            const answer = await page.request.post(door, { data: { state }, headers: { origin: system.url } });
            expect(answer.ok()).toBe(true);
            await expect
              .poll(() => sportCard.getByTestId('fleet-door').getAttribute('data-state'), { timeout: 10_000 })
              .toBe(state);
          }
        }
        await expect.poll(() => sportCard.getAttribute('data-status'), { timeout: 15_000 }).toBe('lockdown');
        await page.screenshot({ path: join(SCREENSHOTS, `admin-lockers-${device}.png`), fullPage: device === 'phone' });
        expect(await pageWidth(page)).toBeLessThanOrEqual(width);
        await sportCard.getByTestId('fleet-manage').click();
        const lockerDialog = page.getByTestId('locker-dialog');
        await lockerDialog.getByTestId('locker-action-reset').check();
        await lockerDialog.getByTestId('confirm-reason').fill('Intrusions vérifiées sur place');
        await lockerDialog.getByTestId('confirm-submit').click();
        await lockerDialog.waitFor({ state: 'detached', timeout: 20_000 });
        await expect.poll(() => sportCard.getAttribute('data-status'), { timeout: 10_000 }).not.toBe('lockdown');
        await expect.poll(() => page.getByTestId('fleet-status').textContent()).toContain('Blocage levé');

        // Provisioning: a site, then a locker on it; the secret is shown once.
        await page.getByTestId('admin-nav-provisioning').click();
        const siteName = `Piscine ${suffix}${Date.now()}`;
        await page.getByTestId('site-name').fill(siteName);
        await page.getByTestId('site-address').fill('Rue du Bassin 1, 1000 Bruxelles');
        await page.getByTestId('site-timezone').fill('Europe/Brussels');
        await page.getByTestId('site-submit').click();
        await page.locator(`[data-testid="site"][data-name="${siteName}"]`).waitFor();
        const lockerId = `PISCINE_${suffix}${Date.now().toString(36).toUpperCase()}`;
        await page.getByTestId('locker-id-input').fill(lockerId);
        await page.getByTestId('locker-site').selectOption({ label: siteName });
        await page.getByTestId('locker-type-input').selectOption('sport');
        await page.getByTestId('locker-name-input').fill('Casier piscine');
        await page.getByTestId('locker-location-input').fill('Vestiaire nord');
        await page.getByTestId('locker-submit').click();
        const secretPanel = page.getByTestId('secret-panel');
        await secretPanel.waitFor({ timeout: 20_000 });
        const secret = (await page.getByTestId('secret-value').textContent()) ?? '';
        expect(secret.length).toBeGreaterThan(15);
        await page.getByTestId('bundle-qr').waitFor();
        await page.screenshot({
          path: join(SCREENSHOTS, `admin-provisioned-${device}.png`),
          fullPage: device === 'phone',
        });
        expect(await pageWidth(page)).toBeLessThanOrEqual(width);

        // The bundle, built in the page from the answer: the agent's config with the secret.
        const [bundleDownload] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('bundle-download').click(),
        ]);
        expect(bundleDownload.suggestedFilename()).toBe(`smartlocker-agent-${lockerId}.json`);
        const bundlePath = join(stateRoot, `${lockerId}.json`);
        await bundleDownload.saveAs(bundlePath);
        const bundle = JSON.parse(readFileSync(bundlePath, 'utf8')) as Record<string, unknown> & {
          mqtt: { username: string; password: string };
        };
        expect(bundle.lockerId).toBe(lockerId);
        expect(bundle.mqtt.username).toBe(lockerId);
        expect(bundle.mqtt.password).toBe(secret);

        // The sticker, as SVG and PDF, with the pairing code on it.
        const [svgDownload] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('sticker-svg').click(),
        ]);
        const svgPath = join(stateRoot, `${lockerId}.svg`);
        await svgDownload.saveAs(svgPath);
        const svg = readFileSync(svgPath, 'utf8');
        expect(svg).toContain('<svg');
        expect(svg).toContain(`SL-${lockerId.replaceAll('_', '-')}`);
        const [pdfDownload] = await Promise.all([
          page.waitForEvent('download'),
          page.getByTestId('sticker-pdf').click(),
        ]);
        const pdfPath = join(stateRoot, `${lockerId}.pdf`);
        await pdfDownload.saveAs(pdfPath);
        expect(readFileSync(pdfPath).subarray(0, 5).toString('latin1')).toBe('%PDF-');

        // The new locker in the grid, offline; its agent starts from the bundle and shows up live.
        await page.getByTestId('open-fleet').click();
        const newCard = page.locator(`[data-testid="fleet-locker"][data-locker-id="${lockerId}"]`);
        await newCard.waitFor();
        expect(await newCard.getAttribute('data-online')).toBe('false');
        await page.evaluate('document.body.dataset.e2eMarker = "still-here"');
        const agent = await startAgent({
          ...parseAgentConfig({ ...bundle, stateDir: join(stateRoot, lockerId), hal: { driver: 'simulator' } }),
          logLevel: 'silent',
        });
        agents.push(agent);
        await agent.waitUntilConnected(10_000);
        await expect.poll(() => newCard.getAttribute('data-online'), { timeout: 15_000 }).toBe('true');
        expect(await page.evaluate('document.body.dataset.e2eMarker')).toBe('still-here');
        await page.screenshot({
          path: join(SCREENSHOTS, `admin-fleet-live-${device}.png`),
          fullPage: device === 'phone',
        });

        // The other tabs render on this device without overflowing it.
        await page.getByTestId('admin-nav-revenue').click();
        await page.getByTestId('revenue-totals').waitFor();
        await page.getByTestId('revenue-chart').waitFor();
        expect(await pageWidth(page)).toBeLessThanOrEqual(width);
        await page.screenshot({ path: join(SCREENSHOTS, `admin-revenue-${device}.png`), fullPage: device === 'phone' });
        await page.getByTestId('admin-nav-audit').click();
        await expect
          .poll(() => page.getByTestId('audit-verify').getAttribute('data-state'), { timeout: 20_000 })
          .toBe('ok');
        await page.getByTestId('audit-table').waitFor();
        expect(await pageWidth(page)).toBeLessThanOrEqual(width);
        await page.screenshot({ path: join(SCREENSHOTS, `admin-audit-${device}.png`), fullPage: device === 'phone' });

        // The overview, for the docs.
        await page.getByTestId('admin-nav-overview').click();
        // The tiles are there at once; their figures once the overview has arrived.
        await page.locator('[data-testid="overview-total"][data-value]').waitFor();
        const shot = join(SCREENSHOTS, `admin-overview-final-${device}.png`);
        await page.screenshot({ path: shot });
        copyFileSync(shot, join(DOCS_IMG, `admin-panel-${device}.png`));
      } finally {
        await browser.close();
      }
    });
  }
});
