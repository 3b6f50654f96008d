/**
 * The one gate every /api route and /metrics pass: a personal API token (`Authorization: Bearer
 * rdt_…`) or a session cookie names the caller; without either, only the public routes answer.
 * Each refusal says which credential failed and how (a revoked token, an expired session), never
 * whether an account exists. Writes made with a session cookie must come from this site's own
 * pages (the Origin check is in same-origin.ts; a write with neither Origin nor Sec-Fetch-Site
 * is refused here), so a page elsewhere cannot use a signed-in browser.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { HistoryDb } from '../../db/client.js';
import type { Actor } from '../auth/actor.js';
import type { CredentialCache } from '../auth/credential-cache.js';
import { hashSecret, sameSecret } from '../auth/secrets.js';
import type { ApiTokenRow } from '../../db/schema/api-tokens.js';
import type { SessionRow } from '../../db/schema/sessions.js';
import type { UserRow } from '../../db/schema/users.js';
import { lookupSession, SESSION_COOKIE, type SessionLimits } from '../auth/sessions.js';
import { lookupToken } from '../auth/tokens.js';
import { ApiError } from './errors.js';

export type { Actor } from '../auth/actor.js';
export type AuthEnv = { Variables: { actor: Actor; audit?: { action?: string; target?: string | null; details?: Record<string, unknown> } } };

export interface AuthOptions {
  db: HistoryDb;
  limits: SessionLimits;
  /** Paths that answer without credentials (the sign-in flow). */
  publicPaths: Set<string>;
  /** The scrape token /metrics also takes, when configured. */
  metricsToken?: string;
  /** Recent lookups, emptied by the database whenever access is revoked (credential-cache.ts). */
  cache?: CredentialCache<CachedCaller>;
}

export type CachedCaller = { token: ApiTokenRow; user: UserRow } | { session: SessionRow; user: UserRow };

export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown address';
  } catch {
    // Requests made in-process (app.request) have no socket.
    return 'in-process';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN_REFUSALS = { unknown: 'the API token is not valid', revoked: 'the API token was revoked', expired: 'the API token has expired', disabled: 'the API token\'s user is disabled' } as const;
const SESSION_REFUSALS = { unknown: 'the session is not valid: sign in again', revoked: 'the session was ended: sign in again', expired: 'the session has expired: sign in again', disabled: 'the session\'s user is disabled' } as const;

export function authenticate(options: AuthOptions): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const address = clientAddress(c);
    c.set('actor', { kind: 'anonymous', name: `anonymous ${address}`, address });
    const authorization = c.req.header('authorization');
    const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (authorization !== undefined && bearer === undefined) throw new ApiError(401, 'unauthorized', 'the Authorization header must be "Bearer <token>"');

    if (bearer !== undefined && options.metricsToken && c.req.path === '/metrics' && sameSecret(bearer, options.metricsToken)) {
      c.set('actor', { kind: 'metrics', name: 'metrics scraper', address });
      return next();
    }
    if (bearer !== undefined) {
      if (!/^rdt_[A-Za-z0-9_-]{43}$/.test(bearer)) throw new ApiError(401, 'token_invalid', TOKEN_REFUSALS.unknown);
      const lookup = await cachedLookup(options, bearer, () => lookupToken(options.db, bearer), (found) => tokenStillGood(found.token));
      if ('refused' in lookup) throw new ApiError(401, 'token_invalid', TOKEN_REFUSALS[lookup.refused]);
      const { token, user } = lookup.found;
      c.set('actor', { kind: 'user', via: 'token', tokenId: token.id, userId: user.id, email: user.email, role: user.role as 'manager' | 'user', name: `${user.email} (token ${token.name})`, address });
      return next();
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie !== undefined) {
      const lookup = /^rds_[A-Za-z0-9_-]{43}$/.test(cookie) ? await cachedLookup(options, cookie, () => lookupSession(options.db, cookie, options.limits), (found) => sessionStillGood(found.session, options.limits)) : ({ refused: 'unknown' } as const);
      if ('found' in lookup) {
        const { session, user } = lookup.found;
        if (!SAFE_METHODS.has(c.req.method) && c.req.header('origin') === undefined && c.req.header('sec-fetch-site') === undefined) {
          throw new ApiError(403, 'forbidden', 'a write signed in with a session cookie must come from this site\'s pages (no Origin header): scripts use an API token');
        }
        c.set('actor', { kind: 'user', via: 'session', sessionId: session.id, userId: user.id, email: user.email, role: user.role as 'manager' | 'user', name: user.email, address });
        return next();
      }
      // A stale cookie does not block signing in again.
      if (!options.publicPaths.has(c.req.path)) throw new ApiError(401, lookup.refused === 'expired' ? 'session_expired' : 'unauthorized', SESSION_REFUSALS[lookup.refused]);
    }
    if (options.publicPaths.has(c.req.path)) return next();
    throw new ApiError(401, 'unauthorized', 'sign in first: send an API token (Authorization: Bearer rdt_…; `drill login` makes one) or a session cookie');
  };
}

type Refusal = 'unknown' | 'expired' | 'revoked' | 'disabled';
type Lookup<F> = { found: F } | { refused: Refusal };

/**
 * A cached caller still has to pass the checks time alone can fail (expiry, idle limit); one
 * that would not is looked up afresh, since another instance may have seen it since.
 */
async function cachedLookup<F extends CachedCaller>(options: AuthOptions, secret: string, lookup: () => Promise<Lookup<F>>, stillGood: (found: F) => boolean): Promise<Lookup<F>> {
  const key = hashSecret(secret);
  const hit = options.cache?.get(key) as F | undefined;
  if (hit && stillGood(hit)) return { found: hit };
  const mark = options.cache?.mark() ?? 0;
  const result = await lookup();
  if ('found' in result) options.cache?.set(key, result.found, mark);
  else options.cache?.delete(key);
  return result;
}

function tokenStillGood(token: ApiTokenRow, now = Date.now()): boolean {
  return !token.expiresAt || token.expiresAt.getTime() > now;
}

function sessionStillGood(session: SessionRow, limits: SessionLimits, now = Date.now()): boolean {
  return session.expiresAt.getTime() > now && session.lastSeenAt.getTime() + limits.idleMs > now;
}

/**
 * Writes through this instance that can end someone's access (users, tokens, sessions) empty its
 * cache as soon as they are answered, without waiting for the database's notification.
 */
export function forgetCachedCallers(cache: CredentialCache<CachedCaller>): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    await next();
    if (!SAFE_METHODS.has(c.req.method) && !GRANTING_WRITES.has(`${c.req.method} ${c.req.path}`)) cache.clear();
  };
}

/** Writes that only add access (a sign-in, a new user or token): nobody cached loses anything by them. */
const GRANTING_WRITES = new Set(['POST /api/auth/login', 'POST /api/auth/setup', 'POST /api/users', 'POST /api/tokens']);
