/**
 * Makes Temporal's schedules match the plans in the history database, which is the truth: a
 * scheduled plan without a schedule gets one (missing), a schedule whose plan is gone or
 * unscheduled is deleted (orphan), a schedule someone changed is put back (changed spec), and a
 * schedule paused or resumed behind Restore Drill's back is set to the plan's state (paused
 * state). Runs at worker start-up and on demand; each repair takes the plan's write lock, so it
 * never races an edit.
 */
import type { HistoryDb } from '../../db/client.js';
import { getPlanRow, listPlanRows, lockPlan, setScheduleFingerprint } from '../../db/queries/plans.js';
import { applyPlanSchedule, planIdOfSchedule, planScheduleId, removePlanSchedule, schedulable, scheduleFingerprint, type ScheduleTarget } from './plan-schedule.js';

export type DriftKind = 'missing schedule' | 'orphan schedule' | 'changed spec' | 'paused state';

export interface Repair {
  planId: string;
  scheduleId: string;
  drift: DriftKind;
}

export interface ReconcileReport {
  repairs: Repair[];
  /** Plans whose schedule already matched. */
  inSync: number;
  failures: Array<{ planId: string; message: string }>;
}

export async function reconcileSchedules(target: ScheduleTarget & { db: HistoryDb }): Promise<ReconcileReport> {
  const report: ReconcileReport = { repairs: [], inSync: 0, failures: [] };
  const existing = new Map<string, string>();
  for await (const summary of target.client.schedule.list()) {
    const planId = planIdOfSchedule(target.taskQueue, summary.scheduleId);
    if (planId) existing.set(planId, summary.scheduleId);
  }

  const wanted = new Set<string>();
  for (const row of await listPlanRows(target.db)) {
    if (!schedulable(row)) continue;
    wanted.add(row.id);
    try {
      const repair = await repairPlan(target, row.id);
      if (repair) report.repairs.push(repair);
      else report.inSync += 1;
    } catch (err) {
      report.failures.push({ planId: row.id, message: (err as Error).message });
    }
  }

  for (const [planId, scheduleId] of existing) {
    if (wanted.has(planId)) continue;
    try {
      await target.db.transaction(async (tx) => {
        await lockPlan(tx, planId);
        const row = await getPlanRow(tx, planId, { includeDeleted: true });
        // Scheduled again since the listing: not an orphan any more.
        if (row && schedulable(row)) return;
        if (await removePlanSchedule(target, planId)) report.repairs.push({ planId, scheduleId, drift: 'orphan schedule' });
      });
    } catch (err) {
      report.failures.push({ planId, message: (err as Error).message });
    }
  }
  return report;
}

async function repairPlan(target: ScheduleTarget & { db: HistoryDb }, planId: string): Promise<Repair | undefined> {
  return target.db.transaction(async (tx) => {
    await lockPlan(tx, planId);
    const row = await getPlanRow(tx, planId);
    const plan = row && schedulable(row);
    if (!row || !plan) return undefined;
    const scheduleId = planScheduleId(target.taskQueue, planId);
    // Described rather than taken from the listing, which trails recent changes.
    const description = await describeOrUndefined(target, scheduleId);
    const drift: DriftKind | undefined = !description
      ? 'missing schedule'
      : description.state.paused !== row.paused
        ? 'paused state'
        : scheduleFingerprint(description) !== row.scheduleFingerprint
          ? 'changed spec'
          : undefined;
    if (!drift) return undefined;
    await setScheduleFingerprint(tx, planId, await applyPlanSchedule(target, plan));
    return { planId, scheduleId, drift };
  });
}

async function describeOrUndefined(target: ScheduleTarget, scheduleId: string) {
  try {
    return await target.client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if ((err as Error).name === 'ScheduleNotFoundError') return undefined;
    throw err;
  }
}
