/**
 * /healthz: the API process answers and its history database does (liveness). /readyz: it can do
 * its work, so both the history database and Temporal answer (readiness: route traffic here).
 */
import { createRoute } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { HistoryDb } from '../../db/client.js';
import type { TemporalAccess } from '../deps.js';
import { json, router } from './route-kit.js';

const PROBE_TIMEOUT_MS = 3000;

const status = z.object({ status: z.enum(['ok', 'degraded']), database: z.enum(['ok', 'unreachable']), temporal: z.enum(['ok', 'unreachable']).optional() });

function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref())]);
}

export function healthRoutes(deps: { db: HistoryDb; temporal: TemporalAccess }) {
  const database = () => within(deps.db.execute(sql`SELECT 1`)).then(() => 'ok' as const, () => 'unreachable' as const);
  const temporal = () => within(deps.temporal.client.workflowService.getSystemInfo({})).then(() => 'ok' as const, () => 'unreachable' as const);
  return router()
    .openapi(createRoute({ method: 'get', path: '/healthz', tags: ['health'], summary: 'Liveness: the API and its history database answer', responses: { 200: json(status, 'alive'), 503: json(status, 'the history database does not answer') } }), async (c) => {
      const db = await database();
      return db === 'ok' ? c.json({ status: 'ok' as const, database: db }, 200) : c.json({ status: 'degraded' as const, database: db }, 503);
    })
    .openapi(createRoute({ method: 'get', path: '/readyz', tags: ['health'], summary: 'Readiness: the history database and Temporal answer', responses: { 200: json(status, 'ready'), 503: json(status, 'a dependency does not answer') } }), async (c) => {
      const [db, t] = await Promise.all([database(), temporal()]);
      const body = { status: db === 'ok' && t === 'ok' ? ('ok' as const) : ('degraded' as const), database: db, temporal: t };
      return body.status === 'ok' ? c.json(body, 200) : c.json(body, 503);
    });
}
