/**
 * Sign-in through an OpenID Provider: authorization code with PKCE (S256), state and nonce, the
 * client secret read from the vault. `begin` records what the callback must check and gives the
 * browser the provider's URL; `finish` takes that record once, redeems the code and checks the ID
 * token (signature, issuer, audience, expiry, nonce) with openid-client, and returns who it is.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import * as oidc from 'openid-client';
import { isLoopbackHost, type OidcConfig } from '../../core/config.js';
import type { CredentialResolver } from '../../core/credentials.js';
import type { HistoryDb } from '../../db/client.js';
import { oidcLogins } from '../../db/schema/oidc-logins.js';
import { ApiError } from '../middleware/errors.js';

/** Long enough to type a password and pass a second factor at the provider. */
export const OIDC_LOGIN_TTL_MS = 10 * 60_000;

export interface OidcIdentity {
  /** "<issuer> <sub>": stable, unlike an email address. */
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  /** Whether the configured manager claim holds its value; null when no mapping is configured. */
  manager: boolean | null;
}

export interface OidcRelyingPartyOptions {
  config: OidcConfig;
  db: HistoryDb;
  credentials: CredentialResolver;
  /** Where the provider sends the browser back: <public URL>/api/auth/oidc/callback. */
  redirectUri: string;
  /** Seconds this host's clock is off from the provider's; for tests of expiry. */
  clockSkewSeconds?: number;
}

export class OidcRelyingParty {
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(private readonly options: OidcRelyingPartyOptions) {}

  get issuer(): string {
    return this.options.config.issuer;
  }

  async begin(returnTo: string): Promise<{ url: string; state: string }> {
    const configuration = await this.configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const { db } = this.options;
    await db.delete(oidcLogins).where(lt(oidcLogins.expiresAt, new Date()));
    await db.insert(oidcLogins).values({ stateHash: hashOf(state), nonce, codeVerifier, returnTo, expiresAt: new Date(Date.now() + OIDC_LOGIN_TTL_MS) });
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.options.redirectUri,
      scope: this.options.config.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state };
  }

  /** `browserState` is the state cookie set by `begin` in this browser: a callback started elsewhere is refused. */
  async finish(callbackUrl: URL, browserState: string | undefined): Promise<{ identity: OidcIdentity; returnTo: string }> {
    const state = callbackUrl.searchParams.get('state');
    const providerError = callbackUrl.searchParams.get('error');
    if (!state) throw new ApiError(400, 'oidc_failed', 'the sign-in came back without a state: start again from the sign-in page');
    if (!browserState || browserState !== state) {
      throw new ApiError(400, 'oidc_state_mismatch', 'this sign-in was not started in this browser (its state does not match): start again from the sign-in page');
    }
    const [login] = await this.options.db.delete(oidcLogins).where(and(eq(oidcLogins.stateHash, hashOf(state)), gt(oidcLogins.expiresAt, new Date()))).returning();
    if (!login) throw new ApiError(400, 'oidc_state_mismatch', 'this sign-in was used already or took longer than 10 minutes: start again from the sign-in page');
    if (providerError) {
      const description = callbackUrl.searchParams.get('error_description');
      throw new ApiError(401, 'oidc_failed', `the identity provider did not sign you in (${providerError}${description ? `: ${description.slice(0, 200)}` : ''})`);
    }
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(await this.configuration(), callbackUrl, { pkceCodeVerifier: login.codeVerifier, expectedState: state, expectedNonce: login.nonce, idTokenExpected: true });
    } catch (err) {
      throw grantRefusal(err);
    }
    const claims = tokens.claims();
    if (!claims) throw new ApiError(401, 'oidc_failed', 'the identity provider sent no ID token');
    return { identity: this.identityOf(claims), returnTo: login.returnTo };
  }

  private identityOf(claims: oidc.IDToken): OidcIdentity {
    const mapping = this.options.config.managerClaim;
    const value = mapping ? (claims as Record<string, unknown>)[mapping.claim] : undefined;
    const manager = mapping ? (Array.isArray(value) ? value.includes(mapping.value) : value === mapping.value) : null;
    return {
      subject: `${this.options.config.issuer} ${claims.sub}`,
      email: typeof claims.email === 'string' ? claims.email : null,
      emailVerified: claims.email_verified === true,
      name: typeof claims.name === 'string' ? claims.name : null,
      manager,
    };
  }

  /** Discovered once; a failed discovery is tried again on the next sign-in rather than kept. */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((err) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { config, credentials, clockSkewSeconds } = this.options;
    const { clientSecret } = await credentials.resolve(config.clientSecretCredential, 'oidc-client', { purpose: 'OpenID Connect sign-in', actor: 'api' });
    const issuer = new URL(config.issuer);
    try {
      return await oidc.discovery(
        issuer,
        config.clientId,
        clockSkewSeconds ? { [oidc.clockSkew]: clockSkewSeconds } : undefined,
        oidc.ClientSecretBasic(clientSecret),
        // http is accepted for a provider on loopback only (core/config.ts refuses anything else).
        isLoopbackHost(issuer.hostname) && issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
    } catch (err) {
      throw new ApiError(503, 'oidc_failed', `the identity provider at ${config.issuer} cannot be reached or is not an OpenID Provider (${(err as Error).message}): try again later, or tell a manager`);
    }
  }
}

function hashOf(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/** openid-client's errors, as what the person signing in can do about them. */
function grantRefusal(err: unknown): ApiError {
  if (err instanceof oidc.ResponseBodyError) {
    if (err.error === 'invalid_grant') return new ApiError(401, 'oidc_failed', 'the identity provider refused the sign-in code (invalid_grant: it was used already, or expired): start again from the sign-in page');
    if (err.error === 'invalid_client') return new ApiError(503, 'oidc_failed', 'the identity provider refused Restore Drill\'s client credentials (invalid_client): a manager must check RESTORE_DRILL_OIDC_CLIENT_ID and the client secret in the vault');
    return new ApiError(401, 'oidc_failed', `the identity provider refused the sign-in (${err.error})`);
  }
  if (err instanceof oidc.ClientError) {
    if (err.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return new ApiError(401, 'oidc_failed', "the identity provider's ID token had expired, or is not valid yet, when it arrived: check that this host's clock and the provider's agree, then sign in again");
    if (err.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') return new ApiError(401, 'oidc_failed', 'the ID token is not for this sign-in (its nonce, issuer or audience does not match): start again from the sign-in page');
    return new ApiError(401, 'oidc_failed', `the identity provider's answer failed validation (${err.code ?? err.message}): start again from the sign-in page`);
  }
  return new ApiError(503, 'oidc_failed', `the identity provider could not be asked (${(err as Error).message}): try again later`);
}
