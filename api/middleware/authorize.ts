/** Role gates for routers: signed-in callers of the wrong role get 403 naming the role they need. */
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './authenticate.js';
import { ApiError } from './errors.js';

export function requireManager(what: string): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const actor = c.var.actor;
    if (actor.kind === 'user' && actor.role === 'manager') return next();
    if (actor.kind === 'metrics' && c.req.path === '/metrics') return next();
    if (actor.kind === 'anonymous') throw new ApiError(401, 'unauthorized', 'sign in first');
    throw new ApiError(403, 'forbidden', `${what} are for managers; ask a manager to change your role`);
  };
}
