import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { findChromium, launchPhone, type PhoneBrowser } from './browser';

const chromiumPath = findChromium() ?? '';
const SCREENSHOTS = join(process.cwd(), 'reports', 'e2e');

/**
 * The foundation slice through the UI, at a phone's size: sign up, pair the sport locker by its
 * code, become Premium (demo), open it, and watch unlocked → open → closed arrive live.
 */
describe.skipIf(!chromiumPath)('slice in Chromium', () => {
  let system: TestSystem;
  let phone: PhoneBrowser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    phone = await launchPhone(chromiumPath);
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
  });

  afterAll(async () => {
    await phone?.close();
    await system?.dispose();
  });

  it('signs up, pairs SPORT by its code, opens it and shows the door live without reloading', async () => {
    await page.goto(system.url);
    await page.getByTestId('toggle-mode').click();
    await page.getByTestId('signup-form').waitFor();
    await page.getByTestId('pseudo').fill('Léa');
    await page.getByTestId('email').fill(`lea-${Date.now()}@example.org`);
    await page.getByTestId('password').fill('correct horse battery');
    await page.getByTestId('submit').click();

    await page.getByTestId('pair-code').fill(system.codes.sport.toLowerCase());
    await page.getByTestId('pair-submit').click();
    await page.getByTestId('locker-card').waitFor();
    await expect.poll(() => page.getByTestId('locker-online').getAttribute('data-state')).toBe('online');

    // Not Premium yet: the demo switch makes the member Premium.
    await page.getByTestId('premium-required').waitFor();
    await page.getByTestId('premium-toggle').click();
    await page.getByTestId('premium-required').waitFor({ state: 'detached' });

    const door = page.getByTestId('door-state');
    const lock = page.getByTestId('lock-state');
    await expect.poll(() => door.getAttribute('data-state')).toBe('closed');

    // A marker on window survives only if the page is never reloaded; every API request made
    // after the click is recorded, to prove the states are pushed, not polled.
    await page.evaluate(() => {
      (globalThis as unknown as { sliceMarker: number }).sliceMarker = 42;
    });
    const apiRequests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) apiRequests.push(`${request.method()} ${url.pathname}`);
    });

    await page.getByTestId('open-button').click();
    await expect.poll(() => lock.getAttribute('data-state'), { timeout: 5_000 }).toBe('unlocked');
    await expect.poll(() => door.getAttribute('data-state'), { timeout: 5_000 }).toBe('open');
    await page.screenshot({ path: join(SCREENSHOTS, 'slice-open.png') });
    await expect.poll(() => door.getAttribute('data-state'), { timeout: 10_000 }).toBe('closed');
    await expect.poll(() => lock.getAttribute('data-state'), { timeout: 10_000 }).toBe('locked');

    expect(await page.evaluate(() => (globalThis as unknown as { sliceMarker?: number }).sliceMarker)).toBe(42);
    expect(apiRequests).toEqual([`POST /api/lockers/${system.lockerIds.sport}/open`]);

    const timeline = await page.getByTestId('timeline').locator('li').allTextContents();
    expect(timeline.length).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'slice-closed.png'), fullPage: true });
  });
});
