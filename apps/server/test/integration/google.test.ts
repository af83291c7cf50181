import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import Provider, { interactionPolicy } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseBackend, databaseBackends, EMBEDDED_BROKER } from '../../../../test-support/backends';
import { TestBrowser } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { authAccounts, users } from '../../src/db/schema';
import { GOOD_PASSWORD } from './support/accounts';

/**
 * Google sign-in (issue 4) against a real OpenID Connect provider (`oidc-provider`) on loopback:
 * the whole authorization-code + PKCE flow through the app, its redirects followed by hand with a
 * cookie jar per site, the provider's login and consent pages answered like a person would.
 */
const CLIENT_ID = 'smartlocker-test-client';
const CLIENT_SECRET = 'a-long-client-secret-for-the-test-provider-0123456789';

interface GoogleAccount {
  email: string;
  email_verified: boolean;
  name: string;
  picture: string;
}

const ACCOUNTS: Record<string, GoogleAccount> = {
  'google-sub-ada': {
    email: 'ada.lovelace@gmail.test',
    email_verified: true,
    name: 'Ada Lovelace',
    picture: 'https://lh3.googleusercontent.test/a/ada.png',
  },
  'google-sub-boss': {
    email: 'boss@gmail.test',
    email_verified: true,
    name: 'B',
    picture: 'http://insecure.test/boss.png',
  },
  'google-sub-leaver': {
    email: 'leaver@gmail.test',
    email_verified: true,
    name: 'Partante',
    picture: 'https://lh3.googleusercontent.test/a/l.png',
  },
  'google-sub-squatted': {
    email: 'squatted@gmail.test',
    email_verified: true,
    name: 'Victime Réelle',
    picture: 'https://lh3.googleusercontent.test/a/v.png',
  },
};

/** The provider: same issuer and keys throughout; the client is registered once the app's port is known. */
async function startProvider() {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
  // Google's account chooser (prompt=select_account, which the app asks for) on top of login and consent.
  const policy = interactionPolicy.base();
  policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);
  const build = (redirectUri: string) => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: ['oidc-test-cookie-key'] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
      // Like Google: no code without a PKCE challenge, whatever the client.
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600 },
      interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: async (_ctx, sub) => {
        const account = ACCOUNTS[sub];
        return account ? { accountId: sub, claims: async () => ({ sub, ...account }) } : undefined;
      },
    });
    const oidc = provider.callback();
    // The provider's pages: one form, "choose an account"; submitting it signs in and consents.
    handle = (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return oidc(req, res);
      void (async () => {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end(`<form method="post"><input name="login"><!-- ${details.prompt.name} --></form>`);
          return;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const sub = new URLSearchParams(Buffer.concat(chunks).toString()).get('login') ?? '';
        const grant = new provider.Grant({ accountId: sub, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        await provider.interactionFinished(
          req,
          res,
          { select_account: {}, login: { accountId: sub }, consent: { grantId: await grant.save() } },
          { mergeWithLastSubmission: false },
        );
      })().catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    };
  };
  build('http://placeholder.invalid/cb');
  return { issuer, register: build, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Cookies per origin, enough for two sites that never share one. */
class Jar {
  readonly #byOrigin = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.#byOrigin.get(url.origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(url: URL, response: Response): void {
    const cookies = this.#byOrigin.get(url.origin) ?? new Map<string, string>();
    this.#byOrigin.set(url.origin, cookies);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
  }
}

interface FlowResult {
  authorizationUrl: URL;
  callbackUrl: URL;
  /** Where the app sent the browser at the end. */
  landing: string;
  jar: Jar;
}

describe.each(databaseBackends())('Google sign-in on $name', (db: DatabaseBackend) => {
  let system: TestSystem;
  let provider: Awaited<ReturnType<typeof startProvider>>;

  beforeAll(async () => {
    provider = await startProvider();
    system = await startTestSystem(db, EMBEDDED_BROKER, {
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
      GOOGLE_ISSUER: provider.issuer,
      ADMIN_EMAILS: 'boss@gmail.test',
    });
    provider.register(`${system.url}/api/auth/callback/google`);
  });
  afterAll(async () => {
    await system?.dispose();
    await provider?.close();
  });

  async function request(jar: Jar, url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = jar.header(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(url, response);
    return response;
  }

  /**
   * Signs in as `sub` at the provider: starts at the app, follows every redirect, submits the
   * provider's login and consent forms, and stops when the app answers with its final redirect.
   */
  async function signInWithGoogle(sub: string, start = '/api/auth/sign-in/oauth2', jar = new Jar()) {
    const app = new URL(system.url);
    const body = start.endsWith('/oauth2')
      ? { providerId: 'google', callbackURL: '/' }
      : { provider: 'google', callbackURL: '/' };
    const started = await request(jar, new URL(start, app), {
      method: 'POST',
      headers: { origin: app.origin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    const authorizationUrl = new URL(url);
    let next = authorizationUrl;
    let callbackUrl: URL | null = null;
    for (let hop = 0; hop < 20; hop++) {
      if (next.origin === app.origin && next.pathname === '/api/auth/callback/google') callbackUrl = next;
      const response = await request(jar, next);
      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location') ?? '', next);
        if (callbackUrl && location.origin === app.origin && !location.pathname.startsWith('/api/auth/')) {
          return { authorizationUrl, callbackUrl, landing: `${location.pathname}${location.search}`, jar };
        }
        next = location;
        continue;
      }
      const html = await response.text();
      expect(response.status, html.slice(0, 300)).toBe(200);
      expect(html).toContain('<form method="post">');
      const submitted = await request(jar, next, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ login: sub }).toString(),
      });
      expect(submitted.status).toBe(303);
      next = new URL(submitted.headers.get('location') ?? '', next);
    }
    throw new Error('the flow did not end');
  }

  function browserFrom(flow: FlowResult): TestBrowser {
    const browser = new TestBrowser(system.url);
    const header = flow.jar.header(new URL(system.url));
    // Hand the app's cookies to a TestBrowser by replaying them on a request.
    return Object.assign(browser, {
      request: (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
        TestBrowser.prototype.request.call(browser, method, path, body, { cookie: header, ...headers }),
    });
  }

  it('says Google is available', async () => {
    const config = await (await fetch(new URL('/api/public-config', system.url))).json();
    expect(config).toEqual({ googleEnabled: true, demoMode: true });
  });

  it('signs in with the authorization code and PKCE, creating the profile on the first sign-in', async () => {
    const flow = await signInWithGoogle('google-sub-ada');
    const params = flow.authorizationUrl.searchParams;
    expect(flow.authorizationUrl.origin).toBe(provider.issuer);
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('scope')?.split(' ').sort()).toEqual(['email', 'openid', 'profile']);
    expect(params.get('nonce')).toBeTruthy();
    expect(params.get('state')).toBeTruthy();
    expect(params.get('redirect_uri')).toBe(`${system.url}/api/auth/callback/google`);
    expect(flow.callbackUrl.searchParams.get('code')).toBeTruthy();
    expect(flow.landing).toBe('/');

    const me = await browserFrom(flow).json<{ user: Record<string, unknown> }>('GET', '/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({
      email: 'ada.lovelace@gmail.test',
      name: 'Ada Lovelace',
      image: 'https://lh3.googleusercontent.test/a/ada.png',
      premium: false,
      role: 'user',
      emailLocked: true,
      hasPassword: false,
    });
    const [row] = await system.database.db.select().from(users).where(eq(users.email, 'ada.lovelace@gmail.test'));
    expect(row?.emailVerified).toBe(true);
    const linked = await system.database.db
      .select()
      .from(authAccounts)
      .where(and(eq(authAccounts.userId, row?.id ?? ''), eq(authAccounts.providerId, 'google')));
    expect(linked).toMatchObject([{ accountId: 'google-sub-ada', password: null }]);
  });

  it('finds the same profile on the next sign-in, through better-auth’s own route too', async () => {
    const first = await browserFrom(await signInWithGoogle('google-sub-ada')).json<{ user: { id: string } }>(
      'GET',
      '/api/me',
    );
    const second = await browserFrom(await signInWithGoogle('google-sub-ada', '/api/auth/sign-in/social')).json<{
      user: { id: string };
    }>('GET', '/api/me');
    expect(second.body.user.id).toBe(first.body.user.id);
    const rows = await system.database.db.select().from(users).where(eq(users.email, 'ada.lovelace@gmail.test'));
    expect(rows).toHaveLength(1);
  });

  it('locks the e-mail of a Google account', async () => {
    const browser = browserFrom(await signInWithGoogle('google-sub-ada'));
    const change = await browser.json<{ code?: string; error?: { code: string } }>('POST', '/api/auth/change-email', {
      newEmail: 'elsewhere@example.org',
      callbackURL: '/reglages',
    });
    expect(change.status).toBe(409);
    expect(change.body.code ?? change.body.error?.code).toBe('email_locked');
  });

  it('makes a verified ADMIN_EMAILS address an administrator at once, with a valid pseudo and no insecure photo', async () => {
    const me = await browserFrom(await signInWithGoogle('google-sub-boss')).json<{ user: Record<string, unknown> }>(
      'GET',
      '/api/me',
    );
    // "B" is too short for a pseudo: the address's local part stands in; the http photo is dropped.
    expect(me.body.user).toMatchObject({ role: 'admin', name: 'boss', image: null });
  });

  it('refuses a code replayed or a state that is not this browser’s', async () => {
    const flow = await signInWithGoogle('google-sub-ada');
    const replay = await fetch(flow.callbackUrl, {
      redirect: 'manual',
      headers: { cookie: flow.jar.header(flow.callbackUrl) },
    });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toMatch(/^\/connexion\?error=/);
    expect(replay.headers.getSetCookie().some((c) => c.includes('session_token=') && !/max-age=0/i.test(c))).toBe(
      false,
    );
  });

  it('does not join a Google sign-in to an unproven password account with the same address', async () => {
    // Someone signed up first with the victim's address (never confirmed)…
    await new TestBrowser(system.url).signUp('squatted@gmail.test', GOOD_PASSWORD, 'Squatteur');
    // …the real owner's Google sign-in is refused rather than handed that account.
    const flow = await signInWithGoogle('google-sub-squatted');
    expect(flow.landing).toMatch(/^\/connexion\?error=account_not_linked/);
    expect((await browserFrom(flow).json('GET', '/api/me')).status).toBe(401);
  });

  it('erases a Google-only account without a password, on a fresh sign-in', async () => {
    const browser = browserFrom(await signInWithGoogle('google-sub-leaver'));
    expect((await browser.json<{ user: { hasPassword: boolean } }>('GET', '/api/me')).body.user.hasPassword).toBe(
      false,
    );
    expect((await browser.request('DELETE', '/api/me', {})).status).toBe(204);
    expect((await browser.json('GET', '/api/me')).status).toBe(401);
    expect(await system.database.db.select().from(users).where(eq(users.email, 'leaver@gmail.test'))).toEqual([]);
    // Signing in again with Google makes a new, empty profile.
    const again = await browserFrom(await signInWithGoogle('google-sub-leaver')).json('GET', '/api/me');
    expect(again.status).toBe(200);
  });
});
