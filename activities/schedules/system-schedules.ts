/**
 * The deployment's own schedules: the overdue watchdog (every few minutes) and the weekly digest.
 * Created or updated at worker start-up, idempotently; ids are scoped by task queue like plans'.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { parseDurationSeconds } from '../../core/duration.js';
import { OVERDUE_WATCHDOG_WORKFLOW, WEEKLY_DIGEST_WORKFLOW } from '../../workflows/definitions.js';
import type { ScheduleTarget } from './plan-schedule.js';

export interface SystemScheduleSettings {
  /** How often the watchdog looks for overdue plans and breached RPOs ("5m"). */
  watchdogEvery: string;
  /** When the weekly digest goes out: a 5-field cron string and its time zone. */
  digestCron: string;
  digestTimeZone: string;
}

export function watchdogScheduleId(taskQueue: string): string {
  return `${taskQueue}:watchdog`;
}

export function digestScheduleId(taskQueue: string): string {
  return `${taskQueue}:weekly-digest`;
}

export async function ensureSystemSchedules(target: ScheduleTarget, settings: SystemScheduleSettings): Promise<void> {
  const everyMs = parseDurationSeconds(settings.watchdogEvery) * 1000;
  await upsert(target, {
    scheduleId: watchdogScheduleId(target.taskQueue),
    spec: { intervals: [{ every: everyMs }] },
    action: { type: 'startWorkflow', workflowType: OVERDUE_WATCHDOG_WORKFLOW, taskQueue: target.taskQueue, workflowId: `watchdog-${target.taskQueue}`, args: [] },
    // A pass missed while Temporal was down is simply replaced by the next one.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(everyMs, 60_000), pauseOnFailure: false },
    state: { note: `Restore Drill watchdog: overdue plans and RPO breaches, every ${settings.watchdogEvery}` },
  });
  await upsert(target, {
    scheduleId: digestScheduleId(target.taskQueue),
    spec: { cronExpressions: [settings.digestCron], timezone: settings.digestTimeZone },
    action: { type: 'startWorkflow', workflowType: WEEKLY_DIGEST_WORKFLOW, taskQueue: target.taskQueue, workflowId: `weekly-digest-${target.taskQueue}`, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 12 * 3_600_000, pauseOnFailure: false },
    state: { note: `Restore Drill weekly digest: cron "${settings.digestCron}" (${settings.digestTimeZone})` },
  });
}

async function upsert(target: ScheduleTarget, options: ScheduleOptions): Promise<void> {
  try {
    await target.client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const { scheduleId: _id, ...update } = options;
    await target.client.schedule.getHandle(options.scheduleId).update((previous) => ({ ...update, state: { paused: previous.state.paused, note: options.state?.note } }));
  }
}
