/** What the API's sign-in needs at start: session limits, the setup token or first manager, the scrape token, the OpenID Provider. */
import fs from 'node:fs/promises';
import type { Config } from '../../core/config.js';
import type { CredentialResolver } from '../../core/credentials.js';
import { OidcRelyingParty } from './oidc.js';
import { CredentialCache } from './credential-cache.js';
import type { CachedCaller } from '../middleware/authenticate.js';
import { sqlClientOf } from '../../db/client.js';
import { parseDurationSeconds } from '../../core/duration.js';
import type { HistoryDb } from '../../db/client.js';
import { bootstrapFirstManager, type SetupToken } from './bootstrap.js';
import type { SessionLimits } from './sessions.js';

export interface ApiAuth {
  limits: SessionLimits;
  setup: SetupToken;
  secureCookies: boolean;
  metricsToken?: string;
  /** Password sign-in is refused when false (RESTORE_DRILL_SSO_ONLY). */
  passwordSignIn: boolean;
  oidc?: OidcSignIn;
  /** Recent credential lookups; caching is on once the database confirms its revocation feed. */
  cache: CredentialCache<CachedCaller>;
}

export interface OidcSignIn {
  party: OidcRelyingParty;
  redirectUri: string;
  createUsers: boolean;
}

/** The OpenID Provider sign-in of a deployment: its callback is under the public URL people reach. */
export function oidcSignIn(db: HistoryDb, config: Pick<Config, 'oidc' | 'publicUrl'>, credentials: CredentialResolver, options: { clockSkewSeconds?: number } = {}): OidcSignIn | undefined {
  if (!config.oidc) return undefined;
  const redirectUri = `${config.publicUrl}/api/auth/oidc/callback`;
  return { party: new OidcRelyingParty({ config: config.oidc, db, credentials, redirectUri, ...options }), redirectUri, createUsers: config.oidc.createUsers };
}

export async function prepareApiAuth(
  db: HistoryDb,
  config: Pick<Config, 'sessionIdle' | 'sessionMaxAge' | 'dataDir' | 'adminEmail' | 'adminPasswordFile' | 'metricsTokenFile' | 'publicUrl' | 'oidc' | 'ssoOnly'>,
  log?: (line: string) => void,
  credentials?: CredentialResolver,
): Promise<ApiAuth> {
  let metricsToken: string | undefined;
  if (config.metricsTokenFile) {
    metricsToken = (await fs.readFile(config.metricsTokenFile, 'utf8').catch((err: Error) => {
      throw new Error(`RESTORE_DRILL_METRICS_TOKEN_FILE: cannot read ${config.metricsTokenFile} (${err.message})`);
    })).trim();
    if (metricsToken.length < 16) throw new Error('RESTORE_DRILL_METRICS_TOKEN_FILE: the token must have at least 16 characters');
  }
  return {
    limits: { idleMs: parseDurationSeconds(config.sessionIdle) * 1000, maxAgeMs: parseDurationSeconds(config.sessionMaxAge) * 1000 },
    setup: await bootstrapFirstManager(db, { dataDir: config.dataDir, adminEmail: config.adminEmail, adminPasswordFile: config.adminPasswordFile, log }),
    secureCookies: config.publicUrl.startsWith('https://'),
    metricsToken,
    passwordSignIn: !config.ssoOnly,
    cache: await listeningCache(db),
    oidc: config.oidc ? oidcSignIn(db, config, credentials ?? missingVault()) : undefined,
  };
}

function missingVault(): CredentialResolver {
  return {
    resolve: async () => {
      throw new Error('OpenID Connect sign-in needs the vault for its client secret, and this API was started without one');
    },
  };
}

/** Without the revocation feed (a database that refuses LISTEN), every request is looked up. */
async function listeningCache(db: HistoryDb): Promise<CredentialCache<CachedCaller>> {
  const cache = new CredentialCache<CachedCaller>();
  const sql = sqlClientOf(db);
  if (sql) await cache.listen(sql).catch((err: Error) => console.error(`api: credential cache off, the database refused LISTEN (${err.message}): every request is looked up`));
  return cache;
}
