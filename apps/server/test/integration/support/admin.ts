import { expect } from 'vitest';
import { TestBrowser } from '../../../../../test-support/http';
import type { TestSystem } from '../../../../../test-support/system';

/** Waits (in a hook as in a test) until `count` lockers report online through /healthz. */
export async function lockersOnline(url: string, count = 2, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let online: number | null = null;
  while (Date.now() < deadline) {
    online = ((await (await fetch(`${url}/healthz`)).json()) as { lockersOnline: number | null }).lockersOnline;
    if (online === count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${online} locker(s) online, not ${count}, after ${timeoutMs} ms`);
}

/** The demo administrator, signed in, and their user id. */
export async function signedInAdmin(system: TestSystem): Promise<{ browser: TestBrowser; id: string }> {
  const account = system.demoAccounts.find((a) => a.role === 'admin');
  if (!account) throw new Error('no demo administrator');
  const browser = new TestBrowser(system.url);
  expect(await browser.signIn(account.email, account.password)).toBe(200);
  const id = (await browser.json<{ user: { id: string } }>('GET', '/api/me')).body.user.id;
  return { browser, id };
}
