import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedHal } from '@smartlocker/agent';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { parseCsv } from '../test-support/csv';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { findChromium, launchBrowser, type PhoneBrowser, screenshotFile } from './browser';

const chromiumPath = findChromium() ?? '';
const SCREENSHOTS = join(process.cwd(), 'reports', 'e2e');

/** French on a phone, English on a desktop (the four combinations' screens: pwa.test.ts). */
const VIEWS = [
  {
    device: 'phone',
    locale: 'fr-BE',
    lang: 'fr',
    openConfirmed: 'confirmée',
    closeFirst: 'Fermez la porte avant de terminer',
  },
  {
    device: 'desktop',
    locale: 'en-GB',
    lang: 'en',
    openConfirmed: 'confirmed',
    closeFirst: 'Close the door before ending',
  },
] as const;

/**
 * Issue 6 at a phone's and a desktop's size: a Premium member starts a session on the SPORT locker, opens it
 * again, tries to end with the door open (refused, with the reason), closes the door in the
 * simulator (the workbench, in a second tab), ends; then downloads the history as CSV and reads it.
 */
describe.skipIf(!chromiumPath)('sport session in Chromium', () =>
  describe.each(VIEWS)('$device, $lang', (view) => {
    const shot = (name: string) => screenshotFile(SCREENSHOTS, name, view);
    let system: TestSystem;
    let phone: PhoneBrowser;
    let page: Page;
    let bench: Page;

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
      await Promise.all(system.agents.map((agent) => agent.waitUntilConnected()));
      // The door moves only when the test moves it on the workbench.
      const sport = system.agents.find((a) => a.lockerId === system.lockerIds.sport);
      if (!sport || !(sport.hal instanceof SimulatedHal)) throw new Error('no simulated sport locker');
      sport.hal.setAutoPerson(false);
      phone = await launchBrowser(chromiumPath, { device: view.device, locale: view.locale });
      page = phone.context.pages()[0] ?? (await phone.context.newPage());
    });

    afterAll(async () => {
      await phone?.close();
      await system?.dispose();
    });

    it('starts, opens again, is refused End with the door open, closes it, ends, and exports the CSV', async () => {
      // Signed out, `/` is the landing page; its sign-up button opens the form.
      await page.goto(system.url);
      await page.getByTestId('landing-signup').click();
      await page.getByTestId('signup-form').waitFor();
      await page.getByTestId('pseudo').fill('Sacha');
      await page.getByTestId('email').fill(`sacha-${Date.now()}@example.org`);
      await page.getByTestId('password').fill('correct horse battery');
      await page.getByTestId('submit').click();

      await page.getByTestId('pair-code').fill(system.codes.sport);
      await page.getByTestId('pair-submit').click();
      await page.getByTestId('locker-card').waitFor();
      await expect.poll(() => page.getByTestId('locker-online').getAttribute('data-state')).toBe('online');
      await page.getByTestId('premium-toggle').click();
      await page.getByTestId('premium-required').waitFor({ state: 'detached' });
      expect(await page.getByTestId('stats-sessions').getAttribute('data-value')).toBe('0');

      // Start: a session without expiry, and the locker opens.
      await page.getByTestId('session-start').click();
      const timer = page.getByTestId('session-timer');
      await timer.waitFor();
      const startedAt = await timer.getAttribute('data-started-at');
      await expect
        .poll(() => page.getByTestId('lock-state').getAttribute('data-state'), { timeout: 5_000 })
        .toBe('unlocked');
      await expect
        .poll(() => page.getByTestId('lock-state').getAttribute('data-state'), { timeout: 10_000 })
        .toBe('locked');

      // Open again: a new pulse, the same session.
      await page.getByTestId('session-open').click();
      await expect
        .poll(() => page.getByTestId('session-status').textContent(), { timeout: 10_000 })
        .toContain(view.openConfirmed);
      expect(await timer.getAttribute('data-started-at')).toBe(startedAt);

      // The member pulls the door open: on the workbench, the simulator of this server.
      bench = await phone.context.newPage();
      await bench.goto(`${system.url}/atelier`);
      const card = bench.getByTestId(`wb-locker-${system.lockerIds.sport}`);
      await card.waitFor();
      await card.getByTestId('wb-door-open').click();
      await expect
        .poll(() => page.getByTestId('door-state').getAttribute('data-state'), { timeout: 5_000 })
        .toBe('open');

      // End with the door open: refused, and the reason is shown.
      await page.getByTestId('session-end').click();
      const refusal = page.getByTestId('session-refusal');
      await refusal.waitFor();
      expect(await refusal.textContent()).toContain(view.closeFirst);
      expect(await refusal.getAttribute('data-code')).toBe('door_open');
      expect(await timer.isVisible()).toBe(true);
      await page.screenshot({ path: shot('sport-end-refused') });

      await card.getByTestId('wb-door-close').click();
      await expect
        .poll(() => page.getByTestId('door-state').getAttribute('data-state'), { timeout: 5_000 })
        .toBe('closed');
      await page.getByTestId('session-end').click();

      // Logged and released: the locker is free for the next member, the totals count it.
      await page.getByTestId('session-ended').waitFor();
      await page.getByTestId('pair-code').waitFor();
      await expect.poll(() => page.getByTestId('stats-sessions').getAttribute('data-value')).toBe('1');
      await page.screenshot({ path: shot('sport-ended'), fullPage: true });

      await page.getByTestId('open-history').click();
      await page.waitForURL('**/historique');
      await expect.poll(() => page.getByTestId('history-row').count()).toBe(1);
      expect(await page.getByTestId('history-row').getAttribute('data-type')).toBe('sport');
      expect(await page.getByTestId('history-total-sessions').textContent()).toBe('1');

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
      expect(download.suggestedFilename()).toMatch(/^smartlocker-historique-\d{4}-\d{2}-\d{2}\.csv$/);
      const bytes = readFileSync(await download.path());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const records = parseCsv(bytes.subarray(3).toString('utf8'));
      expect(records[0]).toEqual([
        'locker',
        'type',
        'start',
        'end',
        'start_local',
        'duration_minutes',
        'amount_eur',
        'ended',
        'refunded',
      ]);
      expect(records).toHaveLength(2);
      const [locker, type, start, end, startLocal, duration, amount, ended, refunded] = records[1] ?? [];
      expect({ locker, type, amount, ended, refunded }).toEqual({
        locker: 'Casier sport test',
        type: 'sport',
        amount: '0.00',
        ended: 'ended by user',
        refunded: 'no',
      });
      // ISO 8601 with the site's offset, the same instant the app showed, and local time beside it.
      expect(start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
      expect(Math.floor(Date.parse(start ?? '') / 1000)).toBe(Math.floor(Date.parse(startedAt ?? '') / 1000));
      expect(Date.parse(end ?? '')).toBeGreaterThanOrEqual(Date.parse(start ?? ''));
      expect(startLocal).toMatch(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
      expect(duration).toMatch(/^\d+$/);
      await page.screenshot({ path: shot('sport-history'), fullPage: true });
    });
  }),
);
