/** /api/drills: history (filtered, cursor-paginated), one drill in full, start, cancel, live events. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { DRILL_TRIGGERS, ENGINES, OUTCOMES } from '../../core/drill.js';
import { planIdSchema, planSchema } from '../../core/plan.js';
import type { HistoryDb } from '../../db/client.js';
import { getDrill, listDrills, type DrillCursor } from '../../db/queries/drill-reads.js';
import { notificationsOfDrills } from '../../db/queries/notifications.js';
import { findLivePlan } from '../../db/queries/plans.js';
import { drillLinks } from '../../activities/alerting/facts.js';
import type { PublicLinks } from '../../activities/deps.js';
import { ApiError, notFound } from '../middleware/errors.js';
import type { drillStarts } from '../services/drill-starts.js';
import { drillDetailSchema, drillSummarySchema, toDrillDetail, toDrillSummary } from '../views/drill-view.js';
import { errors, idParam, json, jsonBody, router } from './route-kit.js';
import { drillEventsRoute, streamDrillEvents } from './drill-events.js';
import type { TemporalAccess } from '../deps.js';
import { signedDrillEvidence, type EvidenceDeps } from '../evidence/drill-evidence.js';
import { drillEvidenceRoute } from './evidence.js';

const tags = ['drills'];
export const MAX_PAGE = 200;

/**
 * Either a saved plan (it runs as stored) or an unsaved one, never both: a caller must not run
 * another plan under a saved plan's name and history. The trigger is the API's to set.
 */
const startBody = z.union([
  z.object({ planId: planIdSchema.describe('a plan id or a live plan\'s name') }).strict(),
  z.object({ plan: planSchema }).strict(),
]);

const listQuery = z.object({
  planId: z.string().min(1).max(200).optional().describe('a plan id, or a live plan\'s name'),
  outcome: z.enum(OUTCOMES).optional(),
  engine: z.enum(ENGINES).optional(),
  trigger: z.enum(DRILL_TRIGGERS).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('started at or after'),
  to: z.iso.datetime({ offset: true }).optional().describe('started before'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().min(1).max(500).optional().describe('nextCursor of the previous page'),
});

function encodeCursor(cursor: DrillCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAt.toISOString(), cursor.id])).toString('base64url');
}

function decodeCursor(text: string): DrillCursor {
  try {
    const [startedAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [string, string];
    const at = new Date(startedAt);
    if (typeof id !== 'string' || Number.isNaN(at.getTime())) throw new Error('bad cursor');
    return { startedAt: at, id };
  } catch {
    throw new ApiError(400, 'validation_failed', 'cursor: not a cursor this API gave out (use nextCursor from the previous page)');
  }
}

export function drillRoutes(deps: { db: HistoryDb; temporal: TemporalAccess; links: PublicLinks; starts: ReturnType<typeof drillStarts>; evidence: EvidenceDeps }) {
  const { db, starts } = deps;
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags,
        summary: 'Drills, newest first, filtered, one page at a time',
        request: { query: listQuery },
        responses: { 200: json(z.object({ drills: z.array(drillSummarySchema.extend({ links: z.object({ temporal: z.string().nullable() }) })), nextCursor: z.string().nullable() }), 'a page of drills'), ...errors(400) },
      }),
      async (c) => {
        const q = c.req.valid('query');
        // A name is what people type; an unknown value may be an id of drills recorded before plans existed.
        const planId = q.planId ? ((await findLivePlan(db, q.planId))?.id ?? q.planId) : undefined;
        const page = await listDrills(db, {
          limit: q.limit,
          planId,
          outcome: q.outcome,
          engine: q.engine,
          trigger: q.trigger,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          after: q.cursor ? decodeCursor(q.cursor) : undefined,
        });
        return c.json({ drills: page.drills.map((row) => ({ ...toDrillSummary(row), links: { temporal: drillLinks(deps.links, row.id).temporal } })), nextCursor: page.next ? encodeCursor(page.next) : null }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary: 'Start a drill: of a saved plan ({"planId"}) or ad hoc ({"plan": {…}})',
        request: { body: jsonBody(startBody) },
        responses: { 202: json(z.object({ drillId: z.string(), planId: z.string().nullable() }), 'the drill started; follow it with GET /api/drills/{id}/events'), ...errors(400, 404, 413, 415, 422, 503) },
      }),
      async (c) => c.json(await starts.start({ ...c.req.valid('json'), trigger: 'api' }, c.var.actor.name), 202),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags,
        summary: 'One drill: steps, checks, per-table counts, failure feedback, notifications sent',
        request: { params: idParam('drill') },
        responses: { 200: json(drillDetailSchema, 'the drill'), ...errors(404) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const drill = await getDrill(db, id);
        if (!drill) throw notFound(`no drill with id "${id}"`);
        const notifications = (await notificationsOfDrills(db, [id])).get(id) ?? [];
        return c.json(toDrillDetail(drill, notifications, drillLinks(deps.links, id).temporal), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/cancel',
        tags,
        summary: 'Cancel a running drill (its sandbox is still torn down and its record written)',
        request: { params: idParam('drill') },
        responses: { 202: json(z.object({ drillId: z.string(), cancelling: z.literal(true) }), 'cancellation requested'), ...errors(404, 409, 503) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        await starts.cancel(id);
        return c.json({ drillId: id, cancelling: true as const }, 202);
      },
    )
    .openapi(drillEventsRoute, (c) => streamDrillEvents(c, deps))
    .openapi(drillEvidenceRoute, async (c) => c.json(await signedDrillEvidence(deps.evidence, c.req.valid('param').id), 200));
}
