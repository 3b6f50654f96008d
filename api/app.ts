/** The HTTP API: one small router per resource, mounted here. */
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { HistoryDb } from '../db/client.js';
import { handleErrors } from './middleware/errors.js';
import { drillRoutes } from './routes/drills.js';
import { healthRoutes } from './routes/health.js';

export function createApp(deps: { db: HistoryDb }) {
  return new Hono()
    .route('/healthz', healthRoutes(async () => void (await deps.db.execute(sql`SELECT 1`))))
    .route('/api/drills', drillRoutes(deps.db))
    .notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))
    .onError(handleErrors);
}
