/**
 * Every write through the API goes into the audit trail once it is answered: who (the actor the
 * gate found, or the one a sign-in route set), what (an action named after the route, e.g.
 * "plans.trigger"), which target (the route's id), and how it ended. Reads are not recorded.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { HistoryDb } from '../../db/client.js';
import { recordAudit } from '../auth/audit.js';
import type { AuthEnv } from './authenticate.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** "POST /api/plans" → plans.create, "POST /api/plans/:id/trigger" → plans.trigger, "PATCH /api/users/:id" → users.update. */
export function actionName(method: string, path: string): string {
  const parts = path.replace(/^\/api\//, '').split('/').filter(Boolean);
  const resource = parts[0] ?? 'api';
  const last = parts.at(-1) ?? '';
  if (parts.length > 1 && !last.startsWith(':')) return `${resource}.${last}`;
  const verb = { POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' }[method] ?? method.toLowerCase();
  return `${resource}.${verb}`;
}

export function auditWrites(db: HistoryDb): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (READS.has(c.req.method)) return next();
    let thrown: unknown;
    try {
      await next();
    } catch (err) {
      thrown = err;
    }
    const status = thrown ? ((thrown as { status?: number }).status ?? 500) : c.res.status;
    const path = routePath(c, -1);
    const override = c.var.audit ?? {};
    const params = c.req.param() as Record<string, string | undefined>;
    await recordAudit(db, c.var.actor, {
      action: override.action ?? actionName(c.req.method, path === '*' || path === '/api/*' ? c.req.path : path),
      target: override.target !== undefined ? override.target : (params.id ?? null),
      outcome: status < 400 ? 'ok' : status === 401 || status === 403 || status === 429 ? 'denied' : 'failed',
      details: { status, ...override.details },
    }).catch((err) => console.error(`audit trail: could not record ${c.req.method} ${c.req.path}: ${(err as Error).message}`));
    if (thrown) throw thrown;
  };
}
