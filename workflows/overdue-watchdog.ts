/**
 * The watchdog, run by its own Temporal Schedule: finds scheduled plans with no finished drill
 * within twice their interval (dead worker, paused schedule, Temporal down and back) and plans
 * whose newest backup proven restorable is older than their RPO target, and alerts once per
 * streak. It runs apart from the drills it watches, so silence is noticed even when no drill runs.
 * It also closes drill records whose workflow ended without a verdict, and repairs schedule drift.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { DrillActivities } from '../activities/index.js';
import { PERIODIC_PASS_OPTIONS } from './activity-options.js';
import { dispatchInBackground } from './notification-dispatch.js';

const watching = proxyActivities<DrillActivities>(PERIODIC_PASS_OPTIONS);

export async function overdueWatchdog(): Promise<{ alerts: number; settled: string[]; repairs: number }> {
  const settled = await watching.settleAbandonedDrills();
  const dispatches = await watching.findOverdueAndStalePlans();
  await dispatchInBackground(dispatches);
  const reconciled = await watching.reconcilePlanSchedules();
  for (const repair of reconciled?.repairs ?? []) log.warn('repaired plan schedule drift', { ...repair });
  return { alerts: dispatches.length, settled, repairs: reconciled?.repairs.length ?? 0 };
}
