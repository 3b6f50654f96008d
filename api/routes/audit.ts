/** /api/audit (managers only): the audit trail, newest first, filtered, paged by cursor. */
import { createRoute } from '@hono/zod-openapi';
import { and, desc, eq, gte, like, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { HistoryDb } from '../../db/client.js';
import { auditEvents } from '../../db/schema/audit-events.js';
import { ApiError } from '../middleware/errors.js';
import { errors, json, router } from './route-kit.js';

const tags = ['audit'];
const MAX_PAGE = 500;

const eventView = z
  .object({ seq: z.number().int(), at: z.string(), actor: z.string(), actorId: z.string().nullable(), address: z.string().nullable(), action: z.string(), target: z.string().nullable(), outcome: z.enum(['ok', 'denied', 'failed']), details: z.record(z.string(), z.unknown()).nullable() })
  .meta({ id: 'AuditEvent' });
const query = z.object({
  actor: z.string().max(300).optional().describe('the actor as recorded, or a user id (usr_…)'),
  action: z.string().max(100).optional().describe('an action ("plans.create") or a prefix ending in "." ("users.")'),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
  since: z.string().datetime({ offset: true }).optional(),
  cursor: z.string().regex(/^\d+$/).optional().describe('nextCursor of the previous page'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
});

export function auditRoutes(deps: { db: HistoryDb }) {
  return router().openapi(
    createRoute({ method: 'get', path: '/', tags, summary: 'Audit events, newest first', request: { query }, responses: { 200: json(z.object({ events: z.array(eventView), nextCursor: z.string().nullable() }), 'a page'), ...errors(400, 401, 403) } }),
    async (c) => {
      const q = c.req.valid('query');
      const where: SQL[] = [];
      if (q.actor) where.push(q.actor.startsWith('usr_') ? eq(auditEvents.actorId, q.actor) : eq(auditEvents.actor, q.actor));
      if (q.action) where.push(q.action.endsWith('.') ? like(auditEvents.action, `${q.action.replace(/[%_\\]/g, '\\$&')}%`) : eq(auditEvents.action, q.action));
      if (q.outcome) where.push(eq(auditEvents.outcome, q.outcome));
      if (q.since) where.push(gte(auditEvents.at, new Date(q.since)));
      if (q.cursor) {
        const seq = Number(q.cursor);
        if (!Number.isSafeInteger(seq)) throw new ApiError(400, 'validation_failed', 'cursor: not a cursor this API gave');
        where.push(lt(auditEvents.seq, seq));
      }
      const rows = await deps.db.select().from(auditEvents).where(and(...where)).orderBy(desc(auditEvents.seq)).limit(q.limit + 1);
      const page = rows.slice(0, q.limit);
      return c.json(
        {
          events: page.map((r) => ({ seq: r.seq, at: r.at.toISOString(), actor: r.actor, actorId: r.actorId, address: r.address, action: r.action, target: r.target, outcome: r.outcome as 'ok' | 'denied' | 'failed', details: r.details ?? null })),
          nextCursor: rows.length > q.limit ? String(page.at(-1)!.seq) : null,
        },
        200,
      );
    },
  );
}
