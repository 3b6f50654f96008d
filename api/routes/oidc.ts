/**
 * /api/auth/oidc: sign-in through the OpenID Provider. `start` sends the browser to the provider
 * with a state cookie binding the attempt to this browser; `callback` is where the provider sends
 * it back, and ends with a session cookie and a redirect to where the person was going. Both are
 * browser navigations (GET), so both write their own audit entries.
 */
import { createRoute } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { HistoryDb } from '../../db/client.js';
import { recordAudit } from '../auth/audit.js';
import { accountForIdentity } from '../auth/oidc-accounts.js';
import { OIDC_LOGIN_TTL_MS, type OidcRelyingParty } from '../auth/oidc.js';
import { setSessionCookie } from '../auth/session-cookie.js';
import { createSession, type SessionLimits } from '../auth/sessions.js';
import { ApiError } from '../middleware/errors.js';
import { errors, router } from './route-kit.js';

const tags = ['auth'];
const STATE_COOKIE = 'rd_oidc_state';
const COOKIE_PATH = '/api/auth/oidc';

/** A path of this app only: an open redirect would hand a fresh session's landing page to anyone. */
const returnToSchema = z
  .string()
  .max(500)
  .regex(/^\/(?![/\\])[^\s\\]*$/, 'a path of this app, starting with one "/"')
  .optional()
  .describe('where to land once signed in (a path of this app); default "/"');

export interface OidcRouteDeps {
  db: HistoryDb;
  party: OidcRelyingParty;
  limits: SessionLimits;
  secureCookies: boolean;
  /** <public URL>/api/auth/oidc/callback, as registered at the provider. */
  redirectUri: string;
  createUsers: boolean;
}

export function oidcRoutes(deps: OidcRouteDeps) {
  const { db, party } = deps;
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/start',
        tags,
        summary: 'Sign in through the OpenID Provider: redirects the browser there',
        request: { query: z.object({ returnTo: returnToSchema }) },
        responses: { 302: { description: "to the provider's sign-in page" }, ...errors(400, 503) },
      }),
      async (c) => {
        const { url, state } = await party.begin(c.req.valid('query').returnTo ?? '/');
        setCookie(c, STATE_COOKIE, state, { httpOnly: true, sameSite: 'Lax', secure: deps.secureCookies, path: COOKIE_PATH, maxAge: OIDC_LOGIN_TTL_MS / 1000 });
        return c.redirect(url, 302);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/callback',
        tags,
        summary: 'Where the OpenID Provider sends the browser back; sets the session cookie and redirects',
        request: { query: z.object({ code: z.string().max(4096).optional(), state: z.string().max(512).optional(), error: z.string().max(200).optional() }).passthrough() },
        responses: { 302: { description: 'signed in: to the page the sign-in started from' }, ...errors(400, 401, 403, 503) },
      }),
      async (c) => {
        const address = c.var.actor.address;
        const browserState = getCookie(c, STATE_COOKIE);
        deleteCookie(c, STATE_COOKIE, { path: COOKIE_PATH });
        // The provider's answer is read at the registered redirect URI: behind a proxy, the
        // request's own URL is not what the provider was told.
        const callbackUrl = new URL(deps.redirectUri);
        callbackUrl.search = new URL(c.req.url).search;
        try {
          const { identity, returnTo } = await party.finish(callbackUrl, browserState);
          const { user, changes } = await accountForIdentity(db, identity, { createUsers: deps.createUsers });
          const { secret, row } = await createSession(db, user.id, deps.limits, { address, userAgent: c.req.header('user-agent') });
          setSessionCookie(c, secret, { secure: deps.secureCookies, limits: deps.limits });
          await recordAudit(db, { kind: 'user', via: 'session', sessionId: row.id, userId: user.id, email: user.email, role: user.role as 'manager' | 'user', name: user.email, address }, { action: 'auth.oidc', target: user.email, outcome: 'ok', details: { subject: identity.subject, role: user.role, ...(changes.length ? { changes } : {}) } });
          return c.redirect(returnTo, 302);
        } catch (err) {
          const status = err instanceof ApiError ? err.status : 500;
          await recordAudit(db, c.var.actor, { action: 'auth.oidc', target: null, outcome: status === 503 || status === 500 ? 'failed' : 'denied', details: { status, code: err instanceof ApiError ? err.code : 'internal', issuer: party.issuer } }).catch(() => {});
          throw err;
        }
      },
    );
}

export const OIDC_PUBLIC_PATHS = ['/api/auth/oidc/start', '/api/auth/oidc/callback'];
