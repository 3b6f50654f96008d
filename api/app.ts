/** The HTTP API: one small router per resource, mounted here. */
import { sql } from 'drizzle-orm';
import type { PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import type { HistoryDb } from '../db/client.js';
import { handleErrors } from './middleware/errors.js';
import { drillRoutes } from './routes/drills.js';
import { codecRoutes } from './routes/codec.js';
import { healthRoutes } from './routes/health.js';

export interface CodecEndpoint {
  codec: PayloadCodec;
  token: string;
  /** Browser origins allowed to call it (the Temporal Web UI's). */
  allowedOrigins: string[];
}

export function createApp(deps: { db: HistoryDb; codec?: CodecEndpoint }) {
  const app = new Hono();
  if (deps.codec) app.route('/codec', codecRoutes(deps.codec));
  return app
    .route('/healthz', healthRoutes(async () => void (await deps.db.execute(sql`SELECT 1`))))
    .route('/api/drills', drillRoutes(deps.db))
    .notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))
    .onError(handleErrors);
}
