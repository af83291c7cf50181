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
 * The workbench at a phone's size (issue 3, "Simulator"): from the home screen in demo mode,
 * open the workbench, open the SPORT locker's door by hand, watch the server's view of it change
 * live, and close it again.
 */
describe.skipIf(!chromiumPath)('workbench in Chromium', () => {
  let system: TestSystem;
  let phone: PhoneBrowser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    await Promise.all(system.agents.map((agent) => agent.waitUntilConnected()));
    phone = await launchPhone(chromiumPath);
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
  });

  afterAll(async () => {
    await phone?.close();
    await system?.dispose();
  });

  it('opens the SPORT door by hand on the workbench and shows it live, then closes it', async () => {
    // Signed out, `/` is the landing page; its sign-up button opens the form.
    await page.goto(system.url);
    await page.getByTestId('landing-signup').click();
    await page.getByTestId('signup-form').waitFor();
    await page.getByTestId('pseudo').fill('Atelier');
    await page.getByTestId('email').fill(`atelier-${Date.now()}@example.org`);
    await page.getByTestId('password').fill('correct horse battery');
    await page.getByTestId('submit').click();

    await page.getByTestId('open-workbench').click();
    await page.waitForURL('**/atelier');
    const card = page.getByTestId(`wb-locker-${system.lockerIds.sport}`);
    await card.waitFor();
    await expect.poll(() => card.getByTestId('locker-online').getAttribute('data-state')).toBe('online');
    const serverDoor = card.getByTestId('wb-server-door');
    const hardwareDoor = card.getByTestId('wb-hw-door');
    await expect.poll(() => serverDoor.getAttribute('data-state')).toBe('closed');
    // The other locker is on the bench too, with its own controls.
    await page.getByTestId(`wb-locker-${system.lockerIds.school}`).waitFor();

    // Only pushed events may change the page from here: record every API call it makes.
    const apiRequests: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) apiRequests.push(`${request.method()} ${url.pathname}`);
    });

    await card.getByTestId('wb-door-open').click();
    await expect.poll(() => hardwareDoor.getAttribute('data-state'), { timeout: 5_000 }).toBe('open');
    // The locker reported it over MQTT, the server pushed it on the stream.
    await expect.poll(() => serverDoor.getAttribute('data-state'), { timeout: 10_000 }).toBe('open');
    expect(await card.getByTestId('wb-door-open').isDisabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-door-open.png'), fullPage: true });

    await card.getByTestId('wb-door-close').click();
    await expect.poll(() => hardwareDoor.getAttribute('data-state'), { timeout: 5_000 }).toBe('closed');
    await expect.poll(() => serverDoor.getAttribute('data-state'), { timeout: 5_000 }).toBe('closed');
    expect(await card.getByTestId('wb-error').count()).toBe(0);

    const door = `/api/dev/workbench/lockers/${system.lockerIds.sport}/door`;
    expect(apiRequests).toEqual([`POST ${door}`, `POST ${door}`]);
    await page.screenshot({ path: join(SCREENSHOTS, 'workbench-door-closed.png'), fullPage: true });
  });
});
