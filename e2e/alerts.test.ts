import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../test-support/backends';
import {
  type BrowserPushKeys,
  browserPushKeys,
  decryptPush,
  type LocalPushService,
  startLocalPushService,
} from '../test-support/pushService';
import { startTestSystem, type TestSystem } from '../test-support/system';
import { findChromium, launchBrowser, launchPhone, type PhoneBrowser } from './browser';

const chromiumPath = findChromium() ?? '';
const SCREENSHOTS = join(process.cwd(), 'reports', 'e2e');
const PASSWORD = 'correct horse battery';

/**
 * An intrusion reaching the phone (issue 10), in Chromium: the member turns notifications on in
 * Settings, someone forces the door on the workbench, the alert shows live in the app, and the
 * push the server sent — encrypted for this browser, through a push service on loopback — is
 * shown by the app's service worker. An administrator sees the alarm live and takes it in hand.
 *
 * Headless Chromium cannot reach a real push service (FCM), and its own `pushManager.subscribe`
 * needs one, so the page's subscribe hands out a subscription pointing at the local push service,
 * with keys the test holds; the test then passes what arrives there to the service worker through
 * the DevTools protocol (`ServiceWorker.deliverPushMessage`), as the push service would.
 */
describe.skipIf(!chromiumPath)('alerts on the phone, in Chromium', () => {
  let pushService: LocalPushService;
  let system: TestSystem;
  let phone: PhoneBrowser;
  let desktop: PhoneBrowser;
  let page: Page;
  let cdp: CDPSession;
  let registrationId = '';
  const keys: BrowserPushKeys = browserPushKeys();

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    pushService = await startLocalPushService();
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, {}, { pushAgent: pushService.agent });
    await Promise.all(system.agents.map((agent) => agent.waitUntilConnected()));
    phone = await launchPhone(chromiumPath);
    await phone.context.grantPermissions(['notifications'], { origin: system.url });
    const endpoint = `${pushService.url}/push/member-phone`;
    // A string, evaluated in every page: this project's TypeScript has no DOM library.
    await phone.context.addInitScript(`(() => {
      const endpoint = ${JSON.stringify(endpoint)};
      const p256dh = ${JSON.stringify(keys.p256dh)};
      const auth = ${JSON.stringify(keys.authB64)};
      const bytes = (b64) => Uint8Array.from(atob(b64.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
      let current = null;
      PushManager.prototype.subscribe = async function subscribe(options) {
        const key = options && options.applicationServerKey;
        current = {
          endpoint,
          expirationTime: null,
          options: { userVisibleOnly: true, applicationServerKey: key instanceof Uint8Array ? key.buffer : key },
          getKey: (name) => (name === 'p256dh' ? bytes(p256dh).buffer : bytes(auth).buffer),
          toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
          unsubscribe: async () => { current = null; return true; },
        };
        return current;
      };
      PushManager.prototype.getSubscription = async () => current;
    })();`);
    page = phone.context.pages()[0] ?? (await phone.context.newPage());
    desktop = await launchBrowser(chromiumPath, { device: 'desktop' });
  });

  afterAll(async () => {
    await desktop?.close();
    await phone?.close();
    await system?.dispose();
    await pushService?.close();
  });

  it('lets the member turn notifications on for this phone', async () => {
    await page.goto(`${system.url}/inscription`);
    await page.getByTestId('signup-form').waitFor();
    await page.getByTestId('pseudo').fill('Alerte');
    await page.getByTestId('email').fill(`alerts-${Date.now()}@example.org`);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('submit').click();
    await page.getByTestId('pair-form').waitFor();
    // Premium (the demo switch) and the sport locker, through the API the app itself calls.
    expect((await page.request.post(`${system.url}/api/me/premium`, { data: { premium: true } })).status()).toBe(200);
    expect(
      (await page.request.post(`${system.url}/api/pairing`, { data: { code: system.codes.sport } })).status(),
    ).toBe(201);

    // The service worker the app registers is the one that will show the notification.
    await page.goto(`${system.url}/reglages`);
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    cdp = await phone.context.newCDPSession(page);
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
      const found = event.registrations.find((r) => r.scopeURL === `${system.url}/` && !r.isDeleted);
      if (found) registrationId = found.registrationId;
    });
    await cdp.send('ServiceWorker.enable');
    await expect.poll(() => registrationId).not.toBe('');

    await page.getByTestId('push-toggle').click();
    await expect.poll(() => page.getByTestId('push-state').getAttribute('data-state')).toBe('on');
    const subscriptions = await system.database.db.query.pushSubscriptions.findMany();
    expect(subscriptions.map((s) => s.endpoint)).toContain(`${pushService.url}/push/member-phone`);
    // Settings say which alerts come, and an intrusion at one's own locker cannot be unticked.
    await page.getByTestId('notification-panel').waitFor();
    expect(await page.getByTestId('notify-intrusion').isDisabled()).toBe(true);
    expect(await page.getByTestId('notify-intrusion').isChecked()).toBe(true);
    expect(await page.getByTestId('notify-door_left_open').isChecked()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'alerts-settings.png'), fullPage: true });
  });

  it('shows an intrusion live, and the push reaches the service worker, which shows it', async () => {
    await page.goto(system.url);
    await page.getByTestId('locker-card').waitFor();
    const admin = desktop.context.pages()[0] ?? (await desktop.context.newPage());
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    if (!account) throw new Error('no demo admin');
    await admin.goto(`${system.url}/connexion`);
    await admin.getByTestId('email').fill(account.email);
    await admin.getByTestId('password').fill(account.password);
    await admin.getByTestId('submit').click();
    await admin.getByTestId('admin-alarms').waitFor();

    // Someone forces the door: on the workbench, the sport locker's door opens with no open asked.
    const bench = await phone.context.newPage();
    await bench.goto(`${system.url}/atelier`);
    const card = bench.getByTestId(`wb-locker-${system.lockerIds.sport}`);
    await card.waitFor();
    await card.getByTestId('wb-door-open').click();

    // In the app, live.
    const banner = page.getByTestId('alert-banner');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.getAttribute('data-type')).toBe('intrusion');
    await page.screenshot({ path: join(SCREENSHOTS, 'alerts-intrusion-banner.png') });

    // To the phone: what the push service received, delivered to the service worker.
    await expect
      .poll(() => pushService.received.filter((r) => r.path === '/push/member-phone').length, {
        timeout: 10_000,
      })
      .toBe(1);
    const pushed = pushService.received.find((r) => r.path === '/push/member-phone');
    if (!pushed) throw new Error('no push');
    expect(pushed.headers.urgency).toBe('high');
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: system.url,
      registrationId,
      data: decryptPush(pushed.body, keys),
    });
    await expect
      .poll(() =>
        page.evaluate(`(async () => {
          const shown = await (await navigator.serviceWorker.ready).getNotifications();
          return shown.map((n) => ({ title: n.title, body: n.body, url: (n.data && n.data.url) || null }));
        })()`),
      )
      .toEqual([
        {
          title: 'Intrusion détectée',
          body: 'Casier sport test a été ouvert sans ouverture autorisée.',
          url: `/casier/${system.lockerIds.sport}`,
        },
      ]);

    // The administrator's panel got the alarm live; taking it in hand closes an intrusion.
    const alarm = admin.locator(
      `[data-testid="alarm"][data-kind="intrusion"][data-locker-id="${system.lockerIds.sport}"]`,
    );
    await alarm.waitFor({ timeout: 10_000 });
    await admin.screenshot({ path: join(SCREENSHOTS, 'alerts-admin-alarm.png'), fullPage: true });
    await alarm.getByTestId('alarm-note').fill('Vu, surveillant prévenu');
    await alarm.getByTestId('alarm-acknowledge').click();
    await alarm.waitFor({ state: 'detached', timeout: 10_000 });
    const audit = await system.database.db.query.auditEvents.findMany();
    expect(audit.some((r) => r.action === 'alert.acknowledged' && r.data.note === 'Vu, surveillant prévenu')).toBe(
      true,
    );

    // The locker's page, where the notification leads, for the administrator.
    await admin.goto(`${system.url}/casier/${system.lockerIds.sport}`);
    await admin.getByTestId('locker-page').waitFor();
    await expect.poll(() => admin.getByTestId('locker-page-door').getAttribute('data-state')).toBe('open');
    await card.getByTestId('wb-door-close').click();
    await expect
      .poll(() => admin.getByTestId('locker-page-door').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('closed');
    await bench.close();
  });
});
