/** /api/schedules: deployment-wide schedule operations. */
import { createRoute } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { HistoryDb } from '../../db/client.js';
import { reconcileSchedules } from '../../activities/schedules/reconcile.js';
import { withTemporal } from '../services/temporal-errors.js';
import { errors, json, router } from './route-kit.js';

const report = z.object({
  repairs: z.array(z.object({ planId: z.string(), scheduleId: z.string(), drift: z.enum(['missing schedule', 'orphan schedule', 'changed spec', 'paused state']) })),
  inSync: z.number().int(),
  failures: z.array(z.object({ planId: z.string(), message: z.string() })),
});

export function scheduleRoutes(deps: { db: HistoryDb; client: Client; taskQueue: string }) {
  return router().openapi(
    createRoute({
      method: 'post',
      path: '/reconcile',
      tags: ['schedules'],
      summary: 'Repair drift between plans and their Temporal Schedules (workers also do this when they start)',
      responses: { 200: json(report, 'what was repaired'), ...errors(503) },
    }),
    async (c) => c.json(await withTemporal('list the schedules', () => reconcileSchedules(deps)), 200),
  );
}
