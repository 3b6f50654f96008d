/**
 * Plan writes with their Temporal Schedule, one plan at a time: each write takes the plan's
 * advisory lock, changes the row, applies the schedule, and commits only when Temporal accepted
 * it, so the database and Temporal change together or not at all (a commit lost after Temporal
 * accepted is what reconcile repairs).
 */
import { randomBytes } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { planIdFor, type Plan } from '../../core/plan.js';
import { nextRunTimes } from '../../core/schedule.js';
import type { HistoryDb } from '../../db/client.js';
import { existingDrillIds } from '../../db/queries/drill-reads.js';
import { planStatuses } from '../../db/queries/plan-status.js';
import { findLivePlan, getPlanRow, insertPlan, livePlanNamed, lockPlan, setPlanPaused, setScheduleFingerprint, softDeletePlan, updatePlanSpec, type Tx } from '../../db/queries/plans.js';
import type { PlanRow } from '../../db/schema/index.js';
import { applyPlanSchedule, planScheduleId, removePlanSchedule, schedulable, type ScheduleTarget } from '../../activities/schedules/plan-schedule.js';
import { ApiError, notFound } from '../middleware/errors.js';
import { isUniqueViolation } from './db-errors.js';
import { checkPlanReferences } from './references.js';
import { withTemporal } from './temporal-errors.js';

/** More runs than this in one backfill is almost surely a mistake (each is a full restore). */
export const MAX_BACKFILL_RUNS = 100;


export function planWrites(db: HistoryDb, target: ScheduleTarget) {
  async function syncSchedule(tx: Tx, row: PlanRow, previous?: PlanRow): Promise<PlanRow> {
    const plan = schedulable(row);
    try {
      if (!plan) {
        await withTemporal('delete the plan schedule', () => removePlanSchedule(target, row.id));
        await setScheduleFingerprint(tx, row.id, null);
        return { ...row, scheduleFingerprint: null };
      }
      const fingerprint = await withTemporal('write the plan schedule', () => applyPlanSchedule(target, plan));
      await setScheduleFingerprint(tx, row.id, fingerprint);
      return { ...row, scheduleFingerprint: fingerprint };
    } catch (err) {
      // The row is rolled back; Temporal may have taken the change all the same (an answer lost
      // on the way back): put the schedule back as the row will be. Reconcile repairs the rest.
      const before = previous && schedulable(previous);
      await (before ? applyPlanSchedule(target, before) : removePlanSchedule(target, row.id)).catch(() => undefined);
      throw err;
    }
  }

  /** Runs `change` on the plan under its lock; 404 for a missing or deleted plan. */
  async function underLock<T>(idOrName: string, change: (tx: Tx, row: PlanRow) => Promise<T>): Promise<T> {
    const found = await findLivePlan(db, idOrName);
    if (!found) throw notFound(`no plan with id or name "${idOrName}"`);
    return db.transaction(async (tx) => {
      await lockPlan(tx, found.id);
      const row = await getPlanRow(tx, found.id);
      if (!row) throw notFound(`plan "${found.name}" was deleted meanwhile`);
      return change(tx, row);
    });
  }

  async function nameIsFree(tx: Tx, name: string, exceptId?: string): Promise<void> {
    const taken = await livePlanNamed(tx, name);
    if (taken && taken.id !== exceptId) throw new ApiError(409, 'conflict', `a plan named "${taken.name}" exists (${taken.id}): choose another name or edit that plan`, { planId: taken.id });
  }

  function conflictOnRace(err: unknown, name: string): never {
    if (isUniqueViolation(err)) throw new ApiError(409, 'conflict', `a plan named "${name}" was just created by someone else`);
    throw err;
  }

  return {
    async create(plan: Plan, createdBy: string | null): Promise<PlanRow> {
      await checkPlanReferences(db, plan);
      const id = planIdFor(plan.name, randomBytes(3).toString('hex'));
      try {
        return await db.transaction(async (tx) => {
          await lockPlan(tx, id);
          await nameIsFree(tx, plan.name);
          return syncSchedule(tx, await insertPlan(tx, { id, plan, createdBy }));
        });
      } catch (err) {
        // A commit that failed after Temporal took the schedule: take it back too.
        if (plan.schedule) await removePlanSchedule(target, id).catch(() => undefined);
        return conflictOnRace(err, plan.name);
      }
    },

    async update(idOrName: string, plan: Plan): Promise<PlanRow> {
      await checkPlanReferences(db, plan);
      return underLock(idOrName, async (tx, row) => {
        await nameIsFree(tx, plan.name, row.id);
        return syncSchedule(tx, await updatePlanSpec(tx, row, plan), row);
      }).catch((err: unknown) => conflictOnRace(err, plan.name));
    },

    /** Soft delete: the plan stops drilling (its schedule is deleted), its history stays. */
    async remove(idOrName: string): Promise<PlanRow> {
      return underLock(idOrName, async (tx, row) => {
        await withTemporal('delete the plan schedule', () => removePlanSchedule(target, row.id));
        return softDeletePlan(tx, row.id);
      });
    },

    async setPaused(idOrName: string, paused: boolean, note: string | null): Promise<PlanRow> {
      return underLock(idOrName, async (tx, row) => {
        if (!row.spec.schedule) throw new ApiError(409, 'conflict', `plan "${row.name}" has no schedule to ${paused ? 'pause' : 'resume'}`);
        // A resume's note replaces the pause's: a running plan showing "paused until Friday" misleads.
        return syncSchedule(tx, await setPlanPaused(tx, row, paused, note), row);
      });
    },

    /**
     * "Run now" through the schedule, with overlap SKIP (the SDK's default would start a second
     * drill beside a running one). Returns the drill it started, when it shows up in time.
     */
    async trigger(idOrName: string): Promise<{ scheduleId: string; drillId: string | null }> {
      const row = await findLivePlan(db, idOrName);
      if (!row) throw notFound(`no plan with id or name "${idOrName}"`);
      if (!row.spec.schedule) throw new ApiError(409, 'conflict', `plan "${row.name}" has no schedule to trigger: start a drill of it directly instead (drill run --plan ${row.id}, or POST /api/drills {"planId": "${row.id}"})`);
      const running = (await planStatuses(db, [row.id])).get(row.id)?.running;
      if (running) throw new ApiError(409, 'drill_running', `a drill of plan "${row.name}" is already running (${running.id}); the schedule skips overlapping runs`, { drillId: running.id });
      const scheduleId = planScheduleId(target.taskQueue, row.id);
      const before = new Set((await withTemporal('read the schedule', () => target.client.schedule.getHandle(scheduleId).describe())).info.recentActions.map((a) => a.action.workflow.workflowId));
      await withTemporal('trigger the plan schedule', () => target.client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.SKIP));
      return { scheduleId, drillId: await newScheduledDrill(target, scheduleId, before) };
    },

    /**
     * Runs the drills the schedule would have run between `from` and `to`, one after another.
     * Slots that already have a drill are left out: Temporal would start them again under the
     * same id, and that drill's record would be overwritten.
     */
    async backfill(idOrName: string, from: Date, to: Date): Promise<{ scheduleId: string; runs: number; skipped: number }> {
      const row = await findLivePlan(db, idOrName);
      if (!row) throw notFound(`no plan with id or name "${idOrName}"`);
      const plan = schedulable(row);
      if (!plan?.spec.schedule) throw new ApiError(409, 'conflict', `plan "${row.name}" has no schedule to backfill`);
      if (!(from < to)) throw new ApiError(400, 'validation_failed', '"from" must be before "to"');
      if (to.getTime() > Date.now()) throw new ApiError(400, 'validation_failed', '"to" is in the future: a backfill covers time that has passed');
      const slots = nextRunTimes(plan.spec.schedule, new Date(from.getTime() - 1), MAX_BACKFILL_RUNS + 1).filter((t) => t <= to);
      if (slots.length === 0) throw new ApiError(400, 'validation_failed', 'the schedule has no run between "from" and "to"');
      if (slots.length > MAX_BACKFILL_RUNS) throw new ApiError(400, 'validation_failed', `that range holds more than ${MAX_BACKFILL_RUNS} scheduled runs, each a full restore: choose a shorter range`);
      const drillIdOf = (slot: Date) => `drill-${row.id}-${slot.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;
      const existing = await existingDrillIds(db, slots.map(drillIdOf));
      const missing = slots.filter((slot) => !existing.has(drillIdOf(slot)));
      const scheduleId = planScheduleId(target.taskQueue, row.id);
      if (missing.length > 0) {
        // Buffered, not skipped: the backfilled runs would all overlap each other otherwise.
        const around = (slot: Date) => ({ start: new Date(slot.getTime() - 1000), end: new Date(slot.getTime() + 1000), overlap: ScheduleOverlapPolicy.BUFFER_ALL });
        await withTemporal('backfill the plan schedule', () => target.client.schedule.getHandle(scheduleId).backfill(missing.map(around)));
      }
      return { scheduleId, runs: missing.length, skipped: slots.length - missing.length };
    },
  };
}

/** The workflow a trigger started: it appears among the schedule's recent actions. */
async function newScheduledDrill(target: ScheduleTarget, scheduleId: string, before: Set<string>): Promise<string | null> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    const description = await target.client.schedule.getHandle(scheduleId).describe();
    const started = description.info.recentActions.map((a) => a.action.workflow.workflowId).find((id) => !before.has(id));
    if (started) return started;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return null;
}
