/** The session cookie, set the same way by every sign-in route (password, setup, OpenID Connect). */
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { SESSION_COOKIE, type SessionLimits } from './sessions.js';

export function setSessionCookie(c: Context, secret: string, options: { secure: boolean; limits: SessionLimits }): void {
  setCookie(c, SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'Lax', secure: options.secure, path: '/', maxAge: Math.floor(options.limits.maxAgeMs / 1000) });
}
