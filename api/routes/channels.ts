/** /api/channels: notification channels, configured once and routed to by plans; a test message. */
import { randomBytes } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { channelConfigSchema, channelNameSchema, type ChannelConfig } from '../../core/notify.js';
import { planSchema } from '../../core/plan.js';
import type { HistoryDb } from '../../db/client.js';
import { findLiveChannel, insertChannel, listChannelRows, softDeleteChannel, updateChannelConfig } from '../../db/queries/channels.js';
import { insertEventOnce } from '../../db/queries/notifications.js';
import { listPlanRows } from '../../db/queries/plans.js';
import type { ChannelRow } from '../../db/schema/index.js';
import { baseFacts } from '../../activities/alerting/facts.js';
import type { EventFacts } from '../../activities/notify/channel.js';
import { renderMessage, templateProblems } from '../../activities/notify/templates.js';
import { NOTIFY_WORKFLOW, notifyWorkflowId, type DeliveryResult } from '../../workflows/definitions.js';
import type { TemporalAccess } from '../deps.js';
import { ApiError, notFound } from '../middleware/errors.js';
import { isUniqueViolation } from '../services/db-errors.js';
import { checkChannelReferences } from '../services/references.js';
import { withTemporal } from '../services/temporal-errors.js';
import { channelViewSchema, toChannelView } from '../views/channel-view.js';
import { errors, idParam, json, jsonBody, router } from './route-kit.js';

const tags = ['channels'];
/** A test message waits this long for its channel (retries included) before reporting failure. */
const TEST_DELIVERY_BUDGET = '20 seconds';

const createBody = z.object({ name: channelNameSchema, config: channelConfigSchema }).strict();
const updateBody = z.object({ config: channelConfigSchema }).strict();
const testResult = z.object({ channel: z.string(), status: z.enum(['sent', 'failed']), detail: z.string().nullable(), eventId: z.string() });

function checkTemplates(config: ChannelConfig): void {
  if (!('templates' in config)) return;
  const problems = Object.entries(config.templates).flatMap(([event, template]) =>
    Object.entries(template ?? {}).flatMap(([part, text]) => templateProblems(text as string).map((p) => `templates.${event}.${part}: ${p}`)),
  );
  if (problems.length) throw new ApiError(400, 'validation_failed', problems.join('; '));
}

export function channelRoutes(deps: { db: HistoryDb; temporal: TemporalAccess }) {
  const { db, temporal } = deps;

  async function usersOf(rows: ChannelRow[]): Promise<Map<string, Array<{ planId: string; name: string }>>> {
    const users = new Map<string, Array<{ planId: string; name: string }>>(rows.map((r) => [r.name.toLowerCase(), []]));
    for (const plan of await listPlanRows(db)) {
      const parsed = planSchema.safeParse(plan.spec);
      for (const route of parsed.success ? parsed.data.notify : []) users.get(route.channel.toLowerCase())?.push({ planId: plan.id, name: plan.name });
    }
    return users;
  }
  const view = async (row: ChannelRow) => toChannelView(row, (await usersOf([row])).get(row.name.toLowerCase()) ?? []);
  async function channel(idOrName: string): Promise<ChannelRow> {
    const row = await findLiveChannel(db, idOrName);
    if (!row) throw notFound(`no channel with id or name "${idOrName}"`);
    return row;
  }

  return router()
    .openapi(createRoute({ method: 'get', path: '/', tags, summary: 'List channels with their delivery health', responses: { 200: json(z.object({ channels: z.array(channelViewSchema) }), 'channels by name') } }), async (c) => {
      const rows = await listChannelRows(db);
      const users = await usersOf(rows);
      return c.json({ channels: rows.map((r) => toChannelView(r, users.get(r.name.toLowerCase()) ?? [])) }, 200);
    })
    .openapi(
      createRoute({ method: 'post', path: '/', tags, summary: 'Add a channel', request: { body: jsonBody(createBody) }, responses: { 201: json(channelViewSchema, 'the channel'), ...errors(400, 409, 413, 415, 422) } }),
      async (c) => {
        const { name, config } = c.req.valid('json');
        checkTemplates(config);
        await checkChannelReferences(db, config);
        const existing = await findLiveChannel(db, name);
        if (existing) throw new ApiError(409, 'conflict', `a channel named "${existing.name}" exists`);
        try {
          return c.json(await view(await insertChannel(db, { id: `ch-${randomBytes(5).toString('hex')}`, name, config })), 201);
        } catch (err) {
          if (isUniqueViolation(err)) throw new ApiError(409, 'conflict', `a channel named "${name}" was just created by someone else`);
          throw err;
        }
      },
    )
    .openapi(createRoute({ method: 'get', path: '/{id}', tags, summary: 'One channel', request: { params: idParam('channel') }, responses: { 200: json(channelViewSchema, 'the channel'), ...errors(404) } }), async (c) =>
      c.json(await view(await channel(c.req.valid('param').id)), 200),
    )
    .openapi(
      createRoute({ method: 'put', path: '/{id}', tags, summary: "Replace a channel's config (its name stays: plans route by it)", request: { params: idParam('channel'), body: jsonBody(updateBody) }, responses: { 200: json(channelViewSchema, 'the channel'), ...errors(400, 404, 413, 415, 422) } }),
      async (c) => {
        const row = await channel(c.req.valid('param').id);
        const { config } = c.req.valid('json');
        checkTemplates(config);
        await checkChannelReferences(db, config);
        return c.json(await view(await updateChannelConfig(db, row.id, config)), 200);
      },
    )
    .openapi(
      createRoute({ method: 'delete', path: '/{id}', tags, summary: 'Remove a channel no plan routes to', request: { params: idParam('channel') }, responses: { 200: json(z.object({ deleted: z.string() }), 'removed'), ...errors(404, 409) } }),
      async (c) => {
        const row = await channel(c.req.valid('param').id);
        const users = (await usersOf([row])).get(row.name.toLowerCase()) ?? [];
        if (users.length) throw new ApiError(409, 'conflict', `channel "${row.name}" is routed to by ${users.map((u) => `"${u.name}"`).join(', ')}: remove it from their notify routes first`);
        await softDeleteChannel(db, row.id);
        return c.json({ deleted: row.id }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/test',
        tags,
        summary: 'Send a test message now, through the worker, and say what the channel answered',
        request: { params: idParam('channel') },
        responses: { 200: json(testResult, 'delivered'), 502: json(testResult, 'the channel did not accept it'), ...errors(404, 503) },
      }),
      async (c) => {
        const row = await channel(c.req.valid('param').id);
        const eventId = `test:${row.id}:${Date.now()}-${randomBytes(3).toString('hex')}`;
        const facts: EventFacts = { ...baseFacts('test', eventId, null, new Date()) };
        await insertEventOnce(db, { id: eventId, kind: 'test', planId: null, drillId: null, canary: false, subject: renderMessage(facts).subject, facts: facts as unknown as Record<string, unknown> });
        const [result] = await withTemporal('send the test message', () =>
          temporal.client.workflow.execute(NOTIFY_WORKFLOW, {
            taskQueue: temporal.taskQueue,
            workflowId: notifyWorkflowId(eventId),
            args: [{ eventId, channels: [{ id: row.id, name: row.name }], retryFor: TEST_DELIVERY_BUDGET }],
            staticSummary: `test message → ${row.name}`,
          }) as Promise<DeliveryResult[]>,
        );
        const body = { channel: row.name, status: result!.status, detail: result!.detail, eventId };
        return result!.status === 'sent' ? c.json(body, 200) : c.json(body, 502);
      },
    );
}
