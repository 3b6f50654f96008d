/**
 * The watchdog's pass over every live plan. Overdue: a scheduled plan (paused or not) whose
 * schedule expected two runs since its last finished drill, and nothing finished (see
 * overdue.ts). RPO: the newest backup proven restorable is older than the plan's target. Each
 * alerts once per period, keyed by where the period started.
 */
import { planSchema } from '../../core/plan.js';
import { describeSchedule } from '../../core/schedule.js';
import { formatDuration } from '../../core/duration.js';
import type { HistoryDb } from '../../db/client.js';
import { planStatuses } from '../../db/queries/plan-status.js';
import { listPlanRows } from '../../db/queries/plans.js';
import type { AlertDispatch } from '../../workflows/definitions.js';
import type { PublicLinks } from '../deps.js';
import { baseFacts, drillLinks } from './facts.js';
import { raiseEvent, routedChannels } from './raise.js';
import { overdueState } from './overdue.js';
import { rpoBreachFacts } from './rpo.js';

export async function watchdogAlerts(ctx: { db: HistoryDb; links: PublicLinks | undefined; now: Date }): Promise<AlertDispatch[]> {
  const rows = await listPlanRows(ctx.db);
  const statuses = await planStatuses(ctx.db, undefined, { counts: false });
  const raised: AlertDispatch[] = [];
  for (const row of rows) {
    const parsed = planSchema.safeParse(row.spec);
    const status = statuses.get(row.id);
    if (!parsed.success || !status) continue;
    const plan = parsed.data;
    const snapshot = { planId: row.id, plan };

    const overdue = overdueState(plan, row, status, ctx.now);
    if (plan.schedule && overdue?.overdue) {
      const lastFinished = status.lastDrill?.finishedAt ?? null;
      const facts = {
        ...baseFacts('overdue', `${row.id}:overdue:${overdue.reference.toISOString()}`, snapshot, ctx.now),
        links: drillLinks(ctx.links, status.lastDrill?.id ?? null),
        overdue: {
          lastFinishedAt: lastFinished?.toISOString() ?? null,
          expectedEvery: formatDuration(overdue.intervalMs),
          overdueSince: overdue.deadline.toISOString(),
          schedule: describeSchedule(plan.schedule),
          paused: row.paused,
          pauseNote: row.pauseNote,
        },
      };
      const dispatch = await raiseEvent(ctx.db, { facts, planId: row.id, drillId: null }, await routedChannels(ctx.db, plan.notify, 'overdue'));
      if (dispatch) raised.push(dispatch);
    }

    if (plan.rpoHours !== undefined) {
      const breach = rpoBreachFacts(plan.rpoHours, status, ctx.now);
      if (breach) {
        const facts = { ...baseFacts('rpo-breached', breach.eventId(row.id), snapshot, ctx.now), links: drillLinks(ctx.links, status.lastPass?.id ?? null), rpo: breach.rpo };
        const dispatch = await raiseEvent(ctx.db, { facts, planId: row.id, drillId: null }, await routedChannels(ctx.db, plan.notify, 'rpo-breached'));
        if (dispatch) raised.push(dispatch);
      }
    }
  }
  return raised;
}
