/** /api/plans: plans, their schedules, their summaries, their canaries. */
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { planFieldsSchema, planSchema } from '../../core/plan.js';
import type { HistoryDb } from '../../db/client.js';
import { planStatuses } from '../../db/queries/plan-status.js';
import { findLivePlan, getPlanRow, listLivePlanHeads, listPlanRows, planSpecs } from '../../db/queries/plans.js';
import { ApiError, describeIssues, notFound } from '../middleware/errors.js';
import type { drillStarts } from '../services/drill-starts.js';
import type { planWrites } from '../services/plan-writes.js';
import { planSummarySchema, planViewSchema, rememberedPlan, toPlanSummary, toPlanView } from '../views/plan-view.js';
import { errors, idParam, json, jsonBody, router } from './route-kit.js';

const tags = ['plans'];
/** Optional fields a PATCH can clear with null ("schedule": null is already a value: no schedule). */
const CLEARABLE = ['description', 'engineVersion', 'decryptWith', 'rpoHours'] as const;
const fields = planFieldsSchema.shape;
const planPatchSchema = planFieldsSchema
  .partial()
  .extend({
    description: fields.description.unwrap().nullable().optional(),
    engineVersion: fields.engineVersion.unwrap().nullable().optional(),
    decryptWith: fields.decryptWith.unwrap().nullable().optional(),
    rpoHours: fields.rpoHours.unwrap().nullable().optional(),
  })
  .strict()
  .describe('top-level plan fields to replace; null clears description, engineVersion, decryptWith or rpoHours; "schedule": null removes the schedule');
const pauseBody = z.object({ note: z.string().trim().min(1).max(500).describe('why, for whoever finds it paused') }).strict();
const resumeBody = z.object({ note: z.string().trim().min(1).max(500).optional() }).strict();
const backfillBody = z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).strict();
const includeDeleted = z.object({ includeDeleted: z.enum(['true', 'false']).default('false').describe('list deleted plans too') });

export function planRoutes(deps: { db: HistoryDb; taskQueue: string; writes: ReturnType<typeof planWrites>; starts: ReturnType<typeof drillStarts> }) {
  const { db, taskQueue, writes, starts } = deps;
  const view = (row: Parameters<typeof toPlanView>[0]) => toPlanView(row, taskQueue);
  async function livePlan(idOrName: string) {
    const row = await findLivePlan(db, idOrName);
    if (!row) throw notFound(`no plan with id or name "${idOrName}"`);
    return row;
  }

  return router()
    .openapi(
      createRoute({ method: 'get', path: '/', tags, summary: 'List plans', request: { query: includeDeleted }, responses: { 200: json(z.object({ plans: z.array(planViewSchema) }), 'plans by name') } }),
      async (c) => c.json({ plans: (await listPlanRows(db, { includeDeleted: c.req.valid('query').includeDeleted === 'true' })).map(view) }, 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags,
        summary: 'Create a plan (and its Temporal Schedule)',
        request: { body: jsonBody(planSchema) },
        responses: { 201: json(planViewSchema, 'the plan'), ...errors(400, 409, 413, 415, 422, 503) },
      }),
      async (c) => c.json(view(await writes.create(c.req.valid('json'), c.var.actor.name)), 201),
    )
    .openapi(
      createRoute({ method: 'get', path: '/summary', tags, summary: 'Where every live plan stands', responses: { 200: json(z.object({ plans: z.array(planSummarySchema) }), 'one summary per live plan') } }),
      async (c) => {
        // Specs parsed before are not fetched (nor parsed) again: each version is parsed once.
        const [heads, statuses] = await Promise.all([listLivePlanHeads(db), planStatuses(db, undefined, { counts: false })]);
        const specs = await planSpecs(db, heads.filter((h) => !rememberedPlan(h.id, h.version)).map((h) => h.id));
        const now = new Date();
        const rows = heads.map((head) => ({ ...head, spec: rememberedPlan(head.id, head.version) ?? specs.get(head.id)! }));
        return c.json({ plans: rows.map((row) => toPlanSummary(row, statuses.get(row.id), now)) }, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}', tags, summary: 'One plan (deleted ones too, by id)', request: { params: idParam('plan') }, responses: { 200: json(planViewSchema, 'the plan'), ...errors(404) } }),
      async (c) => {
        const { id } = c.req.valid('param');
        const row = (await findLivePlan(db, id)) ?? (await getPlanRow(db, id, { includeDeleted: true }));
        if (!row) throw notFound(`no plan with id or name "${id}"`);
        return c.json(view(row), 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}/summary', tags, summary: 'Where one plan stands: last run, last pass, streak, next run, verified RPO', request: { params: idParam('plan') }, responses: { 200: json(planSummarySchema, 'the summary'), ...errors(404) } }),
      async (c) => {
        const row = await livePlan(c.req.valid('param').id);
        return c.json(toPlanSummary(row, (await planStatuses(db, [row.id])).get(row.id)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/{id}',
        tags,
        summary: 'Replace a plan; its schedule is updated in place',
        request: { params: idParam('plan'), body: jsonBody(planSchema) },
        responses: { 200: json(planViewSchema, 'the plan, version + 1'), ...errors(400, 404, 409, 413, 415, 422, 503) },
      }),
      async (c) => c.json(view(await writes.update(c.req.valid('param').id, c.req.valid('json'))), 200),
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/{id}',
        tags,
        summary: 'Change some fields of a plan',
        request: { params: idParam('plan'), body: jsonBody(planPatchSchema) },
        responses: { 200: json(planViewSchema, 'the plan, version + 1'), ...errors(400, 404, 409, 413, 415, 422, 503) },
      }),
      async (c) => {
        const current = await livePlan(c.req.valid('param').id);
        const given = c.req.valid('json') as Record<string, unknown>;
        // Only the fields the request names: the parsed body also holds every default, which
        // would silently reset the plan's schedule, routes and checks.
        const named = Object.keys((await c.req.json()) as Record<string, unknown>);
        const patch: Record<string, unknown> = { ...current.spec, ...Object.fromEntries(named.map((key) => [key, given[key]])) };
        for (const key of CLEARABLE) if (patch[key] === null) delete patch[key];
        const merged = planSchema.safeParse(patch);
        if (!merged.success) throw new ApiError(400, 'validation_failed', describeIssues(merged.error));
        return c.json(view(await writes.update(current.id, merged.data)), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/{id}',
        tags,
        summary: 'Delete a plan (its history is kept; its schedule is deleted)',
        request: { params: idParam('plan') },
        responses: { 200: json(planViewSchema.extend({ drillsKept: z.number().int() }), 'the deleted plan, and how many of its drills stay in history'), ...errors(404, 503) },
      }),
      async (c) => {
        const deleted = await writes.remove(c.req.valid('param').id);
        const drillsKept = (await planStatuses(db, [deleted.id])).get(deleted.id)?.drillCount ?? 0;
        return c.json({ ...view(deleted), drillsKept }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/canary',
        tags,
        summary: 'Drill a deliberately damaged copy of the latest backup: it must fail and alert',
        request: { params: idParam('plan') },
        responses: { 202: json(z.object({ drillId: z.string(), planId: z.string().nullable() }), 'the canary drill started'), ...errors(404, 503) },
      }),
      async (c) => c.json(await starts.canary(c.req.valid('param').id, c.var.actor.name), 202),
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/schedule/pause', tags: ['schedules'], summary: 'Pause the plan schedule, saying why', request: { params: idParam('plan'), body: jsonBody(pauseBody) }, responses: { 200: json(planViewSchema, 'the plan'), ...errors(400, 404, 409, 503) } }),
      async (c) => c.json(view(await writes.setPaused(c.req.valid('param').id, true, c.req.valid('json').note)), 200),
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/schedule/resume', tags: ['schedules'], summary: 'Resume the plan schedule', request: { params: idParam('plan'), body: jsonBody(resumeBody) }, responses: { 200: json(planViewSchema, 'the plan'), ...errors(400, 404, 409, 503) } }),
      async (c) => c.json(view(await writes.setPaused(c.req.valid('param').id, false, c.req.valid('json').note ?? null)), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/schedule/trigger',
        tags: ['schedules'],
        summary: 'Run now, through the schedule (skipped if a drill of the plan is running)',
        request: { params: idParam('plan') },
        responses: { 202: json(z.object({ scheduleId: z.string(), drillId: z.string().nullable().describe('null when it did not show up within 3 s') }), 'triggered'), ...errors(404, 409, 503) },
      }),
      async (c) => c.json(await writes.trigger(c.req.valid('param').id), 202),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/schedule/backfill',
        tags: ['schedules'],
        summary: 'Run the drills the schedule would have run in a past range, one after another',
        request: { params: idParam('plan'), body: jsonBody(backfillBody) },
        responses: { 202: json(z.object({ scheduleId: z.string(), runs: z.number().int(), skipped: z.number().int().describe('slots in the range that already have a drill') }), 'backfill requested'), ...errors(400, 404, 409, 503) },
      }),
      async (c) => {
        const { from, to } = c.req.valid('json');
        return c.json(await writes.backfill(c.req.valid('param').id, new Date(from), new Date(to)), 202);
      },
    );
}
