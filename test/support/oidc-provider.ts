/**
 * A real OpenID Provider (oidc-provider) on loopback plain HTTP, with one confidential client
 * (authorization code + PKCE S256 required), the scopes openid, email, profile and groups, and those
 * claims (email, email_verified, name, groups) in the ID token itself. `authorize()` plays the
 * browser: it follows the authorization request, signs in and consents as the current account
 * through an in-process interaction route, and hands back the redirect to the client's
 * redirect_uri (code, state, iss) without following it.
 *
 * Talking to it with openid-client v6, which refuses http:// unless told:
 *
 *   const config = await client.discovery(
 *     new URL(op.issuer), op.clientId, undefined, client.ClientSecretBasic(op.clientSecret),
 *     { execute: [client.allowInsecureRequests] },   // discovery request and every later one
 *   );
 *
 * (client.ClientSecretPost(op.clientSecret) is accepted the same: the provider does not hold a
 * secret client to the one method it registered.)
 *
 * Expired tokens, honestly: the code exchange always mints a fresh ID token, and openid-client
 * checks `exp` only then, so waiting out a short ID token TTL before the exchange proves nothing.
 * What makes openid-client reject an expired ID token is its clock being ahead of the provider's:
 * start with `idTokenTtlSeconds: 1` and give the client `[client.clockSkew]: 60` (more than TTL +
 * its default 30 s `[client.clockTolerance]`) in the discovery metadata argument; the exchange then
 * throws ClientError code OAUTH_JWT_TIMESTAMP_CHECK_FAILED. Short `accessTokenTtlSeconds` and
 * `authorizationCodeTtlSeconds` do expire by waiting (the provider checks those): userinfo answers
 * 401 invalid_token, and a late exchange answers invalid_grant.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestOidcAccount {
  sub: string;
  email: string;
  emailVerified: boolean;
  /** Sent as the `groups` claim (scope `groups`); left out of the tokens when undefined. */
  groups?: string[];
  name?: string;
}

export interface TestOidcProviderOptions {
  redirectUris: string[];
  /** The first one is who signs in until signInAs says otherwise. */
  accounts?: TestOidcAccount[];
  accessTokenTtlSeconds?: number;
  idTokenTtlSeconds?: number;
  authorizationCodeTtlSeconds?: number;
}

export interface TestOidcRejection {
  event: 'authorization.error' | 'grant.error' | 'userinfo.error';
  error: string;
  description?: string;
  detail?: string;
}

export interface TestOidcProvider {
  /** e.g. http://127.0.0.1:<port> */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization request signs in as; null makes the sign-in end in access_denied. */
  signInAs(account: TestOidcAccount | null): void;
  /**
   * Follows the browser part of the flow as the current account, each call with a fresh cookie
   * jar (no single sign-on carried over), and returns the redirect to the client's redirect_uri
   * without fetching it. Errors the provider sends back to the client (access_denied,
   * invalid_scope, ...) come back the same way; ones it shows the user (unknown redirect_uri,
   * unknown client) are thrown.
   */
  authorize(authorizationUrl: string): Promise<URL>;
  /**
   * Requests the provider refused at the authorization, token and userinfo endpoints, with the
   * reason it keeps out of the response (`detail`, e.g. "authorization code already consumed").
   */
  rejections: TestOidcRejection[];
  /** Errors the provider or the interaction route hit internally, for a test to assert none. */
  serverErrors: unknown[];
  close(): Promise<void>;
}

// oidc-provider ships no type declarations (and @types/oidc-provider is not a dependency), so the
// few parts used here are typed by hand.
interface Payload {
  [key: string]: unknown;
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
}

interface InteractionDetails {
  uid: string;
  prompt: {
    name: string;
    details: {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
  };
  params: { client_id?: string };
  session?: { accountId?: string };
  grantId?: string;
}

type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description?: string };

interface ProviderError {
  message: string;
  error_description?: string;
  error_detail?: string;
}

interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface Provider {
  callback(): http.RequestListener;
  on(event: 'error', listener: (error: unknown) => void): void;
  on(event: string, listener: (ctx: unknown, error: ProviderError) => void): void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: InteractionResult,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  Grant: {
    new (init: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  };
}

type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => Provider;

let providerModule: Promise<ProviderConstructor> | undefined;

function loadProvider(): Promise<ProviderConstructor> {
  providerModule ??= (async () => {
    // oidc-provider 9 warns once, at import, that Node 20 is not a supported runtime (it wants 22
    // LTS); that line is the only thing dropped, and only while the module first evaluates.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (String(args[0]).includes('oidc-provider WARNING: Unsupported runtime')) return;
      warn(...args);
    };
    try {
      // A non-literal specifier, which TypeScript types as `any` instead of failing on the
      // missing declarations.
      const specifier = 'oidc-provider';
      const mod = (await import(specifier)) as { default: ProviderConstructor };
      return mod.default;
    } finally {
      console.warn = warn;
    }
  })();
  return providerModule;
}

/**
 * An in-memory adapter of this provider's own: the built-in one is shared by every provider in
 * the process and warns on use. Nothing is expired here; the models check `exp` themselves.
 */
function memoryAdapter() {
  const store = new Map<string, Payload>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();
  return class MemoryAdapter {
    constructor(private readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: Payload): Promise<void> {
      const key = this.key(id);
      store.set(key, payload);
      if (this.model === 'Session' && payload.uid) byUid.set(payload.uid, id);
      if (payload.userCode) byUserCode.set(payload.userCode, id);
      if (payload.grantId) {
        const keys = byGrant.get(payload.grantId) ?? new Set<string>();
        keys.add(key);
        byGrant.set(payload.grantId, keys);
      }
    }

    async find(id: string): Promise<Payload | undefined> {
      return store.get(this.key(id));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = byUid.get(uid);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const id = byUserCode.get(userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }

    // A replayed authorization code makes the provider revoke everything issued from its grant.
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of byGrant.get(grantId) ?? []) store.delete(key);
      byGrant.delete(grantId);
    }
  };
}

function accountClaims(account: TestOidcAccount): Record<string, unknown> {
  return {
    sub: account.sub,
    email: account.email,
    email_verified: account.emailVerified,
    ...(account.name !== undefined ? { name: account.name } : {}),
    ...(account.groups !== undefined ? { groups: account.groups } : {}),
  };
}

export async function startOidcProvider(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
  const Provider = await loadProvider();
  const accounts = new Map<string, TestOidcAccount>();
  for (const account of options.accounts ?? []) accounts.set(account.sub, account);
  let current: TestOidcAccount | null = options.accounts?.[0] ?? null;

  const clientId = 'restore-drill-test';
  const clientSecret = crypto.randomBytes(24).toString('base64url');
  const serverErrors: unknown[] = [];
  const rejections: TestOidcRejection[] = [];

  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // The issuer has to name the port, so the provider is built only once the port is known.
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const signingKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        // The provider takes the secret in the Authorization header or the body alike for either
        // of the two secret methods, so this cannot tell client_secret_basic from _post apart.
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // The default asks PKCE only of public clients; this client is confidential.
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    // By default, a code flow that also issues an access token for userinfo puts only `sub` in the
    // ID token; the relying party reads email and groups from the ID token.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
    },
    // The in-process route below answers this path.
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => accountClaims(account) };
    },
    // Every TTL the provider consults is set here, since it prints a notice for each one left to
    // its default.
    ttl: {
      AccessToken: options.accessTokenTtlSeconds ?? 3600,
      AuthorizationCode: options.authorizationCodeTtlSeconds ?? 60,
      IdToken: options.idTokenTtlSeconds ?? 3600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    // The provider forgives 15 s past `exp` by default, which would keep a 1 s access token alive.
    clockTolerance: 0,
    jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    adapter: memoryAdapter(),
    // Replaces the HTML error page (and its notice) with something readable in a thrown error.
    async renderError(ctx: { type: string; body: unknown }, out: Record<string, string>) {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  provider.on('server_error', (_ctx, error) => serverErrors.push(error));
  // Koa, which the provider is, prints errors that reach it unless someone listens.
  provider.on('error', (error) => serverErrors.push(error));
  for (const event of ['authorization.error', 'grant.error', 'userinfo.error'] as const) {
    provider.on(event, (_ctx, error) =>
      rejections.push({
        event,
        error: error.message,
        ...(error.error_description !== undefined ? { description: error.error_description } : {}),
        ...(error.error_detail !== undefined ? { detail: error.error_detail } : {}),
      }),
    );
  }

  const finishInteraction = async (req: http.IncomingMessage, res: http.ServerResponse, uid: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error(`interaction ${uid} is not the one in the cookie`);

    if (details.prompt.name === 'login') {
      const result: InteractionResult = current
        ? { login: { accountId: current.sub } }
        : { error: 'access_denied', error_description: 'the test signed in as nobody' };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      return;
    }

    if (details.prompt.name === 'consent') {
      const accountId = details.session?.accountId;
      const grantClientId = details.params.client_id;
      if (!accountId || !grantClientId) throw new Error('consent without a signed-in account or client');
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId: grantClientId });
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
        grant.addResourceScope(resource, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }

    throw new Error(`unsupported interaction prompt ${details.prompt.name}`);
  };

  const providerCallback = provider.callback();
  handler = (req, res) => {
    const match = /^\/interaction\/([^/?]+)$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match?.[1]) {
      providerCallback(req, res);
      return;
    }
    finishInteraction(req, res, match[1]).catch((error: unknown) => {
      serverErrors.push(error);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(error instanceof Error ? error.message : String(error));
    });
  };

  const redirectTargets = options.redirectUris.map((uri) => {
    const url = new URL(uri);
    return `${url.origin}${url.pathname}`;
  });

  const authorize = async (authorizationUrl: string): Promise<URL> => {
    const jar = new Map<string, string>();
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 10; hop += 1) {
      if (redirectTargets.includes(`${url.origin}${url.pathname}`)) return url;
      if (url.origin !== issuer) throw new Error(`authorization left the provider for ${url.href}`);

      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      for (const setCookie of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = setCookie.split(';');
        const name = pair.slice(0, pair.indexOf('=')).trim();
        const value = pair.slice(pair.indexOf('=') + 1).trim();
        const expired = attributes.some((attribute) => {
          const [key = '', val = ''] = attribute.split('=').map((part) => part.trim());
          if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
          if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
          return false;
        });
        if (expired || value === '') jar.delete(name);
        else jar.set(name, value);
      }

      const location = response.headers.get('location');
      const body = await response.text();
      if (response.status < 300 || response.status >= 400 || !location) {
        throw new Error(`provider answered ${url.pathname} with ${response.status}: ${body.slice(0, 500)}`);
      }
      url = new URL(location, url);
    }
    throw new Error('authorization did not reach the redirect_uri within 10 redirects');
  };

  return {
    issuer,
    clientId,
    clientSecret,
    signInAs(account) {
      if (account) accounts.set(account.sub, account);
      current = account;
    },
    authorize,
    rejections,
    serverErrors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
