import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Debian's Chromium, never a downloaded browser (there is no network here). Where none is
 * installed the browser suites are skipped, except under CI, where that is a failure.
 */
export function findChromium(): string | null {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return existsSync(configured) ? configured : null;
  const found = CANDIDATES.find((path) => existsSync(path)) ?? null;
  if (!found && (process.env.CI === 'true' || process.env.CI === '1')) {
    throw new Error('no Chromium found under CI: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  }
  return found;
}

export interface PhoneBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** `phone` (390×844, touch) or `desktop` (1280×800). */
  device?: 'phone' | 'desktop';
  /** The browser's language, e.g. `fr-BE` or `en-GB`. */
  locale?: string;
  /** More Chromium switches (a fake camera, for instance). */
  args?: string[];
}

/** A phone-sized Chromium with a throw-away profile (Playwright wants it as launchPersistentContext). */
export function launchPhone(executablePath: string): Promise<PhoneBrowser> {
  return launchBrowser(executablePath, {});
}

/** Chromium at a phone's or a desktop's size, in one language, with a throw-away profile. */
export async function launchBrowser(executablePath: string, options: LaunchOptions): Promise<PhoneBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'smartlocker-chromium-'));
  const phone = (options.device ?? 'phone') === 'phone';
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 800 },
    deviceScaleFactor: phone ? 2 : 1,
    isMobile: phone,
    hasTouch: phone,
    locale: options.locale ?? 'fr-BE',
    timezoneId: 'Europe/Brussels',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(options.args ?? []),
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Where a flow's screenshot goes: the French phone run keeps the plain name (the README shows
 * those), the other views add theirs, e.g. `booking-active-desktop-en.png`.
 */
export function screenshotFile(dir: string, name: string, view: { device: string; lang: string }): string {
  const plain = view.device === 'phone' && view.lang === 'fr';
  return join(dir, plain ? `${name}.png` : `${name}-${view.device}-${view.lang}.png`);
}
