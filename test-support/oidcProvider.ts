import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Adapter, type AdapterPayload, interactionPolicy, Provider } from 'oidc-provider';

/** The person the provider signs in, as Google would describe them in the ID token. */
export interface OidcAccount {
  sub: string;
  email: string;
  name: string;
  emailVerified?: boolean;
  picture?: string;
}

export interface OidcProviderOptions {
  clientId?: string;
  clientSecret?: string;
  /** The app's redirect URIs; more can be allowed later with `allowRedirectUri` (ports are ephemeral). */
  redirectUris?: string[];
  /** How the app authenticates at the token endpoint (HTTP Basic by default, as the server is configured). */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  /** Who signs in; `signInAs` changes it for the next sign-ins. */
  account?: OidcAccount;
}

export interface LocalOidcProvider {
  /** The issuer URL: GOOGLE_ISSUER for the system under test. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** GOOGLE_* variables pointing the server at this provider. */
  env: Record<string, string>;
  allowRedirectUri(uri: string): void;
  signInAs(account: OidcAccount): void;
  /** How many sign-ins (login interactions) the provider completed. */
  readonly logins: number;
  /** Errors the provider reported while serving requests (a failing flow shows up here). */
  readonly errors: unknown[];
  close(): Promise<void>;
}

export const DEFAULT_OIDC_ACCOUNT: OidcAccount = {
  sub: '104518432198765432101',
  email: 'ada.lovelace@gmail.test',
  name: 'Ada Lovelace',
  emailVerified: true,
};

/** Google accepts `prompt=select_account` (its account chooser); oidc-provider needs it declared. */
function interactionPolicyWithAccountChooser() {
  const policy = interactionPolicy.base();
  policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);
  return policy;
}

/** oidc-provider's storage, in memory: one Map per provider, the client looked up on the fly. */
class MapAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Map<string, AdapterPayload>,
    private readonly uids: Map<string, string>,
    private readonly client: (id: string) => AdapterPayload | undefined,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    this.store.set(this.key(id), payload);
    if (this.model === 'Session' && payload.uid) this.uids.set(payload.uid, id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === 'Client') return this.client(id);
    return this.store.get(this.key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.uids.get(uid);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [key, payload] of this.store) {
      if (key.startsWith(`${this.model}:`) && payload.userCode === userCode) return payload;
    }
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, payload] of this.store) {
      if (payload.grantId === grantId) this.store.delete(key);
    }
  }
}

/**
 * A real OpenID Connect provider (panva's oidc-provider, certified) on loopback, standing in for
 * Google: discovery, authorization code with PKCE, signed ID tokens, userinfo. The login and
 * consent steps complete on their own for the configured account, so a browser or a plain HTTP
 * client can run the whole flow.
 */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<LocalOidcProvider> {
  const clientId = options.clientId ?? 'smartlocker-test-client';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const redirectUris = new Set(options.redirectUris ?? []);
  let account = options.account ?? DEFAULT_OIDC_ACCOUNT;
  const accounts = new Map([[account.sub, account]]);
  let logins = 0;
  const errors: unknown[] = [];

  const store = new Map<string, AdapterPayload>();
  const uids = new Map<string, string>();
  const clientMetadata = (id: string): AdapterPayload | undefined =>
    id === clientId
      ? {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [...redirectUris],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: options.tokenEndpointAuthMethod ?? 'client_secret_basic',
        }
      : undefined;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

  let provider: Provider | null = null;
  const server = createServer((req, res) => {
    if (!provider) {
      res.statusCode = 503;
      res.end();
      return;
    }
    if (req.url?.startsWith('/interaction/')) {
      void finishInteraction(provider, req, res);
      return;
    }
    provider.callback()(req, res);
  });

  async function finishInteraction(oidc: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const details = await oidc.interactionDetails(req, res);
      if (details.prompt.name === 'login' || details.prompt.name === 'select_account') {
        // The person picks the configured account (Google's account chooser, answered at once).
        logins += 1;
        await oidc.interactionFinished(
          req,
          res,
          { select_account: {}, login: { accountId: account.sub } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      // Consent: grant exactly what the app asked for, as a person clicking "Continue" would.
      const accountId = details.session?.accountId ?? account.sub;
      const grant =
        (details.grantId ? await oidc.Grant.find(details.grantId) : undefined) ??
        new oidc.Grant({ accountId, clientId: details.params.client_id });
      const missing = details.prompt.details;
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      const grantId = await grant.save();
      await oidc.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      errors.push(error);
      res.statusCode = 500;
      res.end(`interaction failed: ${(error as Error).message}`);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  provider = new Provider(issuer, {
    adapter: (model) => new MapAdapter(model, store, uids, clientMetadata),
    clients: [],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'picture'],
    },
    // Google puts the profile claims in the ID token too; some clients read only that.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: {
      policy: interactionPolicyWithAccountChooser(),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    findAccount: async (_ctx, sub) => {
      const current = accounts.get(sub);
      if (!current) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: current.email,
          email_verified: current.emailVerified ?? true,
          name: current.name,
          ...(current.picture ? { picture: current.picture } : {}),
        }),
      };
    },
  });
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (...args: unknown[]) => errors.push(args.find((arg) => arg instanceof Error) ?? args));
  }

  return {
    issuer,
    clientId,
    clientSecret,
    env: { GOOGLE_CLIENT_ID: clientId, GOOGLE_CLIENT_SECRET: clientSecret, GOOGLE_ISSUER: issuer },
    allowRedirectUri: (uri) => {
      redirectUris.add(uri);
    },
    signInAs: (next) => {
      account = next;
      accounts.set(next.sub, next);
    },
    get logins() {
      return logins;
    },
    errors,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
