/**
 * One Temporal Schedule per scheduled plan. Its action starts a drill with only the plan id: the
 * drill snapshots the stored plan when it starts, so the schedule never carries a stale copy.
 * Writes are idempotent (create falls back to update, delete of a missing schedule is done), and
 * each write remembers a fingerprint of what Temporal then describes, so a later difference means
 * someone changed the schedule behind Restore Drill's back.
 */
import { createHash } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import { planSchema, type Plan } from '../../core/plan.js';
import { catchupWindowSeconds, describeSchedule, intervalSeconds, jitterSeconds, scheduleCron, type PlanSchedule } from '../../core/schedule.js';
import type { PlanRow } from '../../db/schema/index.js';
import { RESTORE_DRILL_WORKFLOW, SEARCH_ATTRIBUTES } from '../../workflows/definitions.js';

export interface ScheduleTarget {
  client: Client;
  /** The deployment's task queue: it scopes schedule ids, so deployments sharing a namespace stay apart. */
  taskQueue: string;
}

export type SchedulablePlan = Pick<PlanRow, 'id' | 'name' | 'paused' | 'pauseNote'> & { spec: Plan };

const SCHEDULE_PREFIX = ':plan:';
const APPLY_TIMEOUT_MS = 10_000;

export function planScheduleId(taskQueue: string, planId: string): string {
  return `${taskQueue}${SCHEDULE_PREFIX}${planId}`;
}

/** The plan id of one of this deployment's plan schedules, else undefined. */
export function planIdOfSchedule(taskQueue: string, scheduleId: string): string | undefined {
  const prefix = `${taskQueue}${SCHEDULE_PREFIX}`;
  return scheduleId.startsWith(prefix) ? scheduleId.slice(prefix.length) : undefined;
}

/**
 * What `temporal schedule list` shows in its Notes column. It spells out the whole schedule, so a
 * description showing this note shows this write applied (Temporal applies updates asynchronously).
 */
export function scheduleNote(plan: SchedulablePlan, schedule: PlanSchedule): string {
  const what = `${plan.name} (${plan.spec.engine}): ${describeSchedule(schedule)}, catch-up ${schedule.catchupWindow}`;
  if (plan.paused) return `PAUSED (${plan.pauseNote ?? 'no reason given'}) ${what}`;
  return plan.pauseNote ? `${what} (resumed: ${plan.pauseNote})` : what;
}

export function desiredSchedule(target: ScheduleTarget, plan: SchedulablePlan): Omit<ScheduleOptions, 'scheduleId'> {
  const schedule = plan.spec.schedule;
  if (!schedule) throw new Error(`plan ${plan.id} has no schedule`);
  const cron = scheduleCron(schedule);
  const every = intervalSeconds(schedule);
  const jitter = jitterSeconds(schedule);
  return {
    spec: {
      ...(cron ? { cronExpressions: [cron], timezone: schedule.timeZone } : { intervals: [{ every: every! * 1000 }] }),
      ...(jitter > 0 ? { jitter: jitter * 1000 } : {}),
    },
    action: {
      type: 'startWorkflow',
      workflowType: RESTORE_DRILL_WORKFLOW,
      taskQueue: target.taskQueue,
      // Temporal appends the scheduled time: drill-<plan id>-2026-12-01T03:00:00Z.
      workflowId: `drill-${plan.id}`,
      args: [{ planId: plan.id, trigger: 'schedule', requestedBy: `schedule ${planScheduleId(target.taskQueue, plan.id)}` }],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.planId, value: plan.id },
        { key: SEARCH_ATTRIBUTES.planName, value: plan.name },
        { key: SEARCH_ATTRIBUTES.trigger, value: 'schedule' },
        { key: SEARCH_ATTRIBUTES.engine, value: plan.spec.engine },
      ],
      staticSummary: `${plan.name}: scheduled ${plan.spec.engine} drill`,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: catchupWindowSeconds(schedule) * 1000,
      pauseOnFailure: false,
    },
    state: { paused: plan.paused, note: scheduleNote(plan, schedule) },
  };
}

/** Creates or updates the plan's schedule to match the plan; returns the new fingerprint. */
export async function applyPlanSchedule(target: ScheduleTarget, plan: SchedulablePlan): Promise<string> {
  const scheduleId = planScheduleId(target.taskQueue, plan.id);
  const desired = desiredSchedule(target, plan);
  const handle = target.client.schedule.getHandle(scheduleId);
  try {
    await target.client.schedule.create({ scheduleId, ...desired });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update(() => ({ ...desired, state: { paused: plan.paused, note: desired.state!.note } }));
  }
  const deadline = Date.now() + APPLY_TIMEOUT_MS;
  for (;;) {
    const description = await handle.describe();
    if (description.state.note === desired.state!.note && description.state.paused === plan.paused) return scheduleFingerprint(description);
    if (Date.now() > deadline) throw new Error(`Temporal did not apply the update of schedule ${scheduleId} within ${APPLY_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Deletes the plan's schedule; a schedule that is already gone is fine. */
export async function removePlanSchedule(target: ScheduleTarget, planId: string): Promise<boolean> {
  try {
    await target.client.schedule.getHandle(planScheduleId(target.taskQueue, planId)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** Everything about a schedule that Restore Drill sets, as Temporal describes it, hashed. */
export function scheduleFingerprint(description: ScheduleDescription): string {
  const { spec, policies, action, state } = description;
  const attributes = action.typedSearchAttributes;
  const pairs = Array.isArray(attributes) ? attributes : (attributes?.getAll() ?? []);
  const relevant = {
    spec,
    policies,
    action: {
      workflowType: action.workflowType,
      taskQueue: action.taskQueue,
      workflowId: action.workflowId,
      args: action.args,
      // Temporal returns them in no stable order.
      searchAttributes: pairs.map((p) => [p.key.name, p.value]).sort(([a], [b]) => String(a).localeCompare(String(b))),
    },
    // A limit on actions set in the Temporal UI would stop the schedule without pausing it.
    state: { paused: state.paused, note: state.note, remainingActions: state.remainingActions ?? null },
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 32);
}

/** A stored row as a plan with its schedule, or undefined when it has none (or no longer parses). */
export function schedulable(row: PlanRow): SchedulablePlan | undefined {
  const parsed = planSchema.safeParse(row.spec);
  if (!parsed.success || !parsed.data.schedule || row.deletedAt) return undefined;
  return { id: row.id, name: row.name, paused: row.paused, pauseNote: row.pauseNote, spec: parsed.data };
}
