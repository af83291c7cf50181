import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedHal } from '@smartlocker/agent';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { findChromium, launchPhone, type PhoneBrowser } from './browser';

const chromiumPath = findChromium() ?? '';
const SCREENSHOTS = join(process.cwd(), 'reports', 'e2e');

/**
 * The foundation slice through the UI, at a phone's size: sign up, pair the sport locker by its
 * code, become Premium (demo), open it (by starting a session), and watch unlocked → open → closed
 * arrive live.
 */
describe.skipIf(!chromiumPath)('slice in Chromium', () => {
  let system: TestSystem;
  let phone: PhoneBrowser;
  let page: Page;
  let openedAt = 0;

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
    // Signed out, `/` is the landing page; its sign-up button opens the form.
    await page.goto(system.url);
    await page.getByTestId('landing-signup').click();
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

    // SPEC §6: a sport locker opens within a session; starting one opens it.
    await page.getByTestId('session-start').click();
    openedAt = Date.now();
    await expect.poll(() => lock.getAttribute('data-state'), { timeout: 5_000 }).toBe('unlocked');
    await expect.poll(() => door.getAttribute('data-state'), { timeout: 5_000 }).toBe('open');
    await page.screenshot({ path: join(SCREENSHOTS, 'slice-open.png') });
    await expect.poll(() => door.getAttribute('data-state'), { timeout: 10_000 }).toBe('closed');
    await expect.poll(() => lock.getAttribute('data-state'), { timeout: 10_000 }).toBe('locked');

    expect(await page.evaluate(() => (globalThis as unknown as { sliceMarker?: number }).sliceMarker)).toBe(42);
    expect(apiRequests).toEqual(['POST /api/sessions']);

    const timeline = await page.getByTestId('timeline').locator('li').allTextContents();
    expect(timeline.length).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'slice-closed.png'), fullPage: true });
  });

  it('shows an intrusion alert pushed live when the door opens without an open (SPEC §8)', async () => {
    const agent = system.agents.find((a) => a.lockerId === system.lockerIds.sport);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error('no simulated sport locker');
    // Outside the 15 s grace that follows the legitimate open of the previous test (SPEC §2).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, openedAt + 16_000 - Date.now())));
    agent.hal.setDoor('open');
    const banner = page.getByTestId('alert-banner');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('data-type')).toBe('intrusion');
    expect(await banner.textContent()).toContain('Intrusion');
    await page.screenshot({ path: join(SCREENSHOTS, 'slice-intrusion.png') });
    agent.hal.setDoor('closed');
    await page.getByTestId('alert-dismiss').click();
    await banner.waitFor({ state: 'detached' });
  });
});
