/**
 * /api/auth: password sign-in and sign-out, the caller's own identity and sessions, and the
 * one-time setup of the first manager. Every failed sign-in answers the same (wrong password,
 * unknown or disabled account), costs the same argon2 check, and counts against the account and
 * the client address; past the limit the answer is 429 with Retry-After.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { emailSchema } from '../../core/email.js';
import type { HistoryDb } from '../../db/client.js';
import { users } from '../../db/schema/users.js';
import type { SignedIn } from '../auth/actor.js';
import { passwordProblem, verifyPassword, MAX_PASSWORD_LENGTH } from '../auth/passwords.js';
import { createSession, listSessions, revokeAllSessions, revokeSession, SESSION_COOKIE, type SessionLimits } from '../auth/sessions.js';
import { setSessionCookie } from '../auth/session-cookie.js';
import type { SetupToken } from '../auth/bootstrap.js';
import { accountKey, addressKey, ACCOUNT_FAILURE_LIMIT, ADDRESS_FAILURE_LIMIT, clearFailures, lockedUntil, recordFailure } from '../auth/throttle.js';
import { countUsers, createUser, findUserByEmail, userView } from '../auth/users.js';
import type { AuthEnv } from '../middleware/authenticate.js';
import { ApiError } from '../middleware/errors.js';
import { errors, idParam, json, jsonBody, router } from './route-kit.js';
import { signedIn, userViewSchema } from './users.js';

const tags = ['auth'];

const loginBody = z.object({ email: emailSchema, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict();
const setupBody = z.object({ setupToken: z.string().min(1).max(200), email: emailSchema, password: z.string().max(MAX_PASSWORD_LENGTH), displayName: z.string().trim().min(1).max(200).optional() }).strict();
const providersView = z.object({ password: z.boolean(), oidc: z.object({ issuer: z.string(), start: z.string().describe('open this in the browser to sign in') }).nullable() });
const meView = z.object({ user: userViewSchema, via: z.enum(['session', 'token']) });
const sessionView = z.object({ id: z.string(), createdAt: z.string(), lastSeenAt: z.string(), expiresAt: z.string(), address: z.string().nullable(), userAgent: z.string().nullable(), current: z.boolean() });

export interface AuthRouteDeps {
  db: HistoryDb;
  limits: SessionLimits;
  /** Cookies get the Secure flag when people reach the API over https. */
  secureCookies: boolean;
  setup: SetupToken;
  /** Sign-in methods offered: password (unless SSO only) and the OpenID Provider's, when configured. */
  signIn: { password: boolean; oidcIssuer: string | null };
}

export function authRoutes(deps: AuthRouteDeps) {
  const { db, limits } = deps;

  function startSession(c: Context<AuthEnv>, secret: string) {
    setSessionCookie(c, secret, { secure: deps.secureCookies, limits });
  }

  return router()
    .openapi(
      createRoute({ method: 'get', path: '/providers', tags, summary: 'How people sign in here: password, an OpenID Provider, or both', responses: { 200: json(providersView, 'the sign-in methods') } }),
      (c) => c.json({ password: deps.signIn.password, oidc: deps.signIn.oidcIssuer ? { issuer: deps.signIn.oidcIssuer, start: '/api/auth/oidc/start' } : null }, 200),
    )
    .openapi(
      createRoute({ method: 'post', path: '/login', tags, summary: 'Sign in with email and password; sets the session cookie', request: { body: jsonBody(loginBody) }, responses: { 200: json(meView, 'signed in'), ...errors(400, 401, 403, 429) } }),
      async (c) => {
        const { email, password } = c.req.valid('json');
        if (!deps.signIn.password) throw new ApiError(403, 'password_sign_in_disabled', 'password sign-in is off here (RESTORE_DRILL_SSO_ONLY): sign in through the identity provider (GET /api/auth/oidc/start), or use an API token');
        const address = c.var.actor.address;
        const keys = [accountKey(email), addressKey(address)];
        c.set('audit', { target: email });
        const locked = await lockedUntil(db, keys);
        if (locked) {
          const seconds = Math.max(1, Math.ceil((locked.getTime() - Date.now()) / 1000));
          throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins: try again in ${seconds} s`, {}, { 'retry-after': String(seconds) });
        }
        const user = await findUserByEmail(db, email);
        const good = await verifyPassword(user?.passwordHash ?? null, password);
        if (!user || !good || user.disabledAt) {
          await recordFailure(db, keys[0]!, ACCOUNT_FAILURE_LIMIT);
          await recordFailure(db, keys[1]!, ADDRESS_FAILURE_LIMIT);
          throw new ApiError(401, 'invalid_credentials', 'wrong email or password');
        }
        await clearFailures(db, keys[0]!);
        const { secret, row } = await createSession(db, user.id, limits, { address, userAgent: c.req.header('user-agent') });
        startSession(c, secret);
        c.set('actor', { kind: 'user', via: 'session', sessionId: row.id, userId: user.id, email: user.email, role: user.role as 'manager' | 'user', name: user.email, address });
        return c.json({ user: userView(user), via: 'session' as const }, 200);
      },
    )
    .openapi(createRoute({ method: 'post', path: '/logout', tags, summary: 'End the current session (server-side) and clear its cookie', responses: { 204: { description: 'signed out' }, ...errors(401) } }), async (c) => {
      const actor = signedIn(c);
      if (actor.via === 'session') await revokeSession(db, actor.userId, actor.sessionId);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    })
    .openapi(createRoute({ method: 'get', path: '/me', tags, summary: 'Who is signed in', responses: { 200: json(meView, 'the caller'), ...errors(401) } }), async (c) => {
      const actor = signedIn(c);
      const [user] = await db.select().from(users).where(eq(users.id, actor.userId));
      return c.json({ user: userView(user!), via: actor.via }, 200);
    })
    .openapi(createRoute({ method: 'get', path: '/sessions', tags, summary: "The caller's open sessions", responses: { 200: json(z.object({ sessions: z.array(sessionView) }), 'newest first'), ...errors(401) } }), async (c) => {
      const actor = signedIn(c);
      const rows = await listSessions(db, actor.userId);
      const current = actor.via === 'session' ? actor.sessionId : undefined;
      return c.json({ sessions: rows.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString(), expiresAt: s.expiresAt.toISOString(), address: s.address, userAgent: s.userAgent, current: s.id === current })) }, 200);
    })
    .openapi(createRoute({ method: 'delete', path: '/sessions/{id}', tags, summary: 'End one of the caller\'s sessions', request: { params: idParam('session') }, responses: { 204: { description: 'ended' }, ...errors(401, 404) } }), async (c) => {
      const actor = signedIn(c);
      if (!(await revokeSession(db, actor.userId, c.req.valid('param').id))) throw new ApiError(404, 'not_found', 'no such open session of yours');
      return c.body(null, 204);
    })
    .openapi(createRoute({ method: 'delete', path: '/sessions', tags, summary: "End all the caller's sessions (everywhere)", responses: { 200: json(z.object({ ended: z.number().int() }), 'how many ended'), ...errors(401) } }), async (c) => {
      const actor = signedIn(c);
      const ended = await revokeAllSessions(db, actor.userId);
      if (actor.via === 'session') deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.json({ ended }, 200);
    })
    .openapi(
      createRoute({ method: 'post', path: '/setup', tags, summary: 'Create the first manager with the one-time setup token (only while no user exists)', request: { body: jsonBody(setupBody) }, responses: { 201: json(meView, 'the first manager, signed in'), ...errors(400, 401, 409, 429) } }),
      async (c) => {
        const body = c.req.valid('json');
        const address = c.var.actor.address;
        c.set('audit', { target: body.email });
        if ((await countUsers(db)) > 0) throw new ApiError(409, 'already_set_up', 'the first manager exists already: sign in, or ask a manager for an account');
        const locked = await lockedUntil(db, [addressKey(address)]);
        if (locked) throw new ApiError(429, 'too_many_attempts', 'too many wrong setup tokens: try again later', {}, { 'retry-after': String(Math.ceil((locked.getTime() - Date.now()) / 1000)) });
        if (!deps.setup.matches(body.setupToken)) {
          await recordFailure(db, addressKey(address), ADDRESS_FAILURE_LIMIT);
          throw new ApiError(401, 'invalid_credentials', 'wrong setup token: it is in the API\'s log and in .data/setup-token');
        }
        const problem = passwordProblem(body.password);
        if (problem) throw new ApiError(400, 'validation_failed', `password: ${problem}`);
        const user = await createUser(db, { email: body.email, role: 'manager', password: body.password, displayName: body.displayName, createdBy: 'setup token' });
        await deps.setup.consume();
        const { secret, row } = await createSession(db, user.id, limits, { address, userAgent: c.req.header('user-agent') });
        startSession(c, secret);
        c.set('actor', { kind: 'user', via: 'session', sessionId: row.id, userId: user.id, email: user.email, role: 'manager', name: user.email, address });
        return c.json({ user: userView(user), via: 'session' as const }, 201);
      },
    );
}

export type { SignedIn };
