/**
 * The weekly digest: for every channel some plan routes `digest` to, one message listing those
 * plans' last seven days (drills, passes, failures, errors, last outcome, verified RPO age).
 */
import { and, gte, inArray, ne, sql } from 'drizzle-orm';
import { planSchema } from '../../core/plan.js';
import { routeEvents, type ChannelKind } from '../../core/notify.js';
import type { HistoryDb } from '../../db/client.js';
import { liveChannelsNamed } from '../../db/queries/channels.js';
import { planStatuses } from '../../db/queries/plan-status.js';
import { listPlanRows } from '../../db/queries/plans.js';
import { drills, type ChannelRow } from '../../db/schema/index.js';
import type { AlertDispatch } from '../../workflows/definitions.js';
import type { EventFacts } from '../notify/channel.js';
import { baseFacts } from './facts.js';
import { raiseEvent } from './raise.js';
import { verifiedAgeHours } from './rpo.js';

const WEEK_MS = 7 * 86_400_000;

export async function weeklyDigests(ctx: { db: HistoryDb; now: Date }): Promise<AlertDispatch[]> {
  const from = new Date(ctx.now.getTime() - WEEK_MS);
  const plansByChannel = new Map<string, { channel: ChannelRow; planIds: string[] }>();
  const names = new Map<string, string>();
  for (const row of await listPlanRows(ctx.db)) {
    const plan = planSchema.safeParse(row.spec);
    if (!plan.success) continue;
    names.set(row.id, row.name);
    const channels = await liveChannelsNamed(ctx.db, plan.data.notify.map((r) => r.channel));
    for (const route of plan.data.notify) {
      const channel = channels.get(route.channel.toLowerCase());
      if (!channel || !routeEvents(route, channel.kind as ChannelKind).includes('digest')) continue;
      const entry = plansByChannel.get(channel.id) ?? { channel, planIds: [] };
      entry.planIds.push(row.id);
      plansByChannel.set(channel.id, entry);
    }
  }
  if (plansByChannel.size === 0) return [];

  const allPlanIds = [...new Set([...plansByChannel.values()].flatMap((e) => e.planIds))];
  const statuses = await planStatuses(ctx.db, allPlanIds, { counts: false });
  const counts = await ctx.db
    .select({ planId: drills.planId, outcome: drills.outcome, n: sql<number>`count(*)::int` })
    .from(drills)
    .where(and(inArray(drills.planId, allPlanIds), gte(drills.startedAt, from), ne(drills.trigger, 'canary'), ne(drills.outcome, 'running')))
    .groupBy(drills.planId, drills.outcome);
  const countOf = (planId: string, outcome?: string) => counts.filter((c) => c.planId === planId && (outcome === undefined || c.outcome === outcome)).reduce((sum, c) => sum + c.n, 0);

  const dispatches: AlertDispatch[] = [];
  const weekOf = from.toISOString().slice(0, 10);
  for (const { channel, planIds } of plansByChannel.values()) {
    const digest: NonNullable<EventFacts['digest']> = {
      from: from.toISOString(),
      to: ctx.now.toISOString(),
      plans: planIds.map((id) => {
        const status = statuses.get(id);
        const age = status ? verifiedAgeHours(status, ctx.now) : null;
        return {
          id,
          name: names.get(id) ?? id,
          drills: countOf(id),
          passed: countOf(id, 'passed'),
          failed: countOf(id, 'failed'),
          errors: countOf(id, 'error'),
          lastOutcome: status?.lastDrill?.outcome ?? null,
          verifiedAgeHours: age === null ? null : Math.round(age * 10) / 10,
        };
      }),
    };
    const facts: EventFacts = { ...baseFacts('digest', `digest:${channel.id}:${weekOf}`, null, ctx.now), digest };
    const dispatch = await raiseEvent(ctx.db, { facts, planId: null, drillId: null }, [{ row: channel, kind: channel.kind as ChannelKind }]);
    if (dispatch) dispatches.push(dispatch);
  }
  return dispatches;
}

