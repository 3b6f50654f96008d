/** How the API shows a plan and where it stands. */
import { z } from 'zod';
import { planSchema, type Plan } from '../../core/plan.js';
import { describeSchedule, nextRunTimes } from '../../core/schedule.js';
import type { PlanStatus } from '../../db/queries/plan-status.js';
import type { PlanRow } from '../../db/schema/index.js';
import { planScheduleId } from '../../activities/schedules/plan-schedule.js';
import { overdueState } from '../../activities/alerting/overdue.js';
import { verifiedRecoveryPoint } from '../../activities/alerting/rpo.js';

const iso = z.iso.datetime({ offset: true });

export const planViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int(),
    plan: planSchema,
    schedule: z
      .object({
        id: z.string().describe('the Temporal Schedule id (temporal schedule describe --schedule-id …)'),
        description: z.string(),
        paused: z.boolean(),
        pauseNote: z.string().nullable().describe('the note given with the last pause, or with the resume after it'),
        nextRuns: z.array(iso).describe('nominal times, before jitter; empty while paused'),
      })
      .nullable(),
    createdBy: z.string().nullable(),
    createdAt: iso,
    updatedAt: iso,
    deletedAt: iso.nullable(),
  })
  .meta({ id: 'PlanView' });
export type PlanView = z.infer<typeof planViewSchema>;

/** Parsed specs by id and version: every edit bumps the version, so an entry never goes stale. */
const parsedSpecs = new Map<string, Plan>();
const MAX_PARSED_SPECS = 10_000;

/** The parsed spec of this version of the plan, when one was parsed before. */
export function rememberedPlan(id: string, version: number): Plan | undefined {
  return parsedSpecs.get(`${id}@${version}`);
}

function storedPlan(row: PlanRow): Plan {
  const key = `${row.id}@${row.version}`;
  const cached = parsedSpecs.get(key);
  if (cached) return cached;
  const parsed = planSchema.safeParse(row.spec);
  const plan = parsed.success ? parsed.data : row.spec;
  if (parsedSpecs.size >= MAX_PARSED_SPECS) parsedSpecs.clear();
  parsedSpecs.set(key, plan);
  return plan;
}

export function toPlanView(row: PlanRow, taskQueue: string, now = new Date()): PlanView {
  const plan = storedPlan(row);
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    plan,
    schedule: plan.schedule
      ? {
          id: planScheduleId(taskQueue, row.id),
          description: describeSchedule(plan.schedule),
          paused: row.paused,
          pauseNote: row.pauseNote,
          nextRuns: row.paused || row.deletedAt ? [] : nextRunTimes(plan.schedule, now, 3).map((d) => d.toISOString()),
        }
      : null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    deletedAt: row.deletedAt?.toISOString() ?? null,
  };
}

const drillRef = z.object({ drillId: z.string(), outcome: z.string(), reason: z.string().nullable(), finishedAt: iso.nullable(), ageSeconds: z.number().nullable(), durationMs: z.number().nullable() });

export const planSummarySchema = z
  .object({
    planId: z.string(),
    name: z.string(),
    engine: z.string(),
    source: z.string(),
    status: z.enum(['passing', 'failing', 'error', 'overdue', 'never-run', 'running']).describe('overdue wins over the last verdict: silence is the worst news'),
    schedule: z.string().nullable(),
    paused: z.boolean(),
    lastRun: drillRef.nullable(),
    lastPass: drillRef.extend({ backupModifiedAt: iso.nullable() }).nullable(),
    streak: z.object({ count: z.number().int(), since: iso.nullable() }).describe('drills that failed or errored since the last pass'),
    running: z.object({ drillId: z.string(), startedAt: iso }).nullable(),
    nextRun: iso.nullable(),
    overdue: z.boolean(),
    verifiedRpo: z
      .object({ backupModifiedAt: iso.nullable(), ageSeconds: z.number().nullable(), targetHours: z.number().nullable(), breached: z.boolean() })
      .describe('age of the newest backup a drill proved restorable'),
    lastCanary: z.object({ drillId: z.string(), finishedAt: iso.nullable(), detected: z.boolean().nullable(), alerted: z.boolean().nullable() }).nullable(),
    drills: z.number().int().nullable().describe('drills recorded under the plan; null in the all-plans summary, where counting would dominate'),
  })
  .meta({ id: 'PlanSummary' });
export type PlanSummary = z.infer<typeof planSummarySchema>;

const ageSeconds = (at: Date | null | undefined, now: Date) => (at ? Math.round((now.getTime() - at.getTime()) / 1000) : null);

export function toPlanSummary(row: PlanRow, status: PlanStatus | undefined, now = new Date()): PlanSummary {
  const plan = storedPlan(row);
  const last = status?.lastDrill ?? null;
  const pass = status?.lastPass ?? null;
  const overdue = !row.deletedAt && (overdueState(plan, row, status, now)?.overdue ?? false);
  const point = status ? verifiedRecoveryPoint(status) : null;
  const rpoAge = point ? ageSeconds(point, now) : ageSeconds(row.createdAt, now);
  const breached = plan.rpoHours !== undefined && rpoAge !== null && rpoAge > plan.rpoHours * 3600;
  const verdict = !last ? 'never-run' : last.outcome === 'passed' ? 'passing' : last.outcome === 'failed' ? 'failing' : 'error';
  return {
    planId: row.id,
    name: row.name,
    engine: plan.engine,
    source: plan.source.kind === 'uri' ? plan.source.uri : plan.source.path,
    status: overdue ? 'overdue' : status?.running && !last ? 'running' : verdict,
    schedule: plan.schedule ? describeSchedule(plan.schedule) : null,
    paused: row.paused,
    lastRun: last ? { drillId: last.id, outcome: last.outcome, reason: last.reason, finishedAt: last.finishedAt?.toISOString() ?? null, ageSeconds: ageSeconds(last.finishedAt, now), durationMs: last.durationMs } : null,
    lastPass: pass
      ? { drillId: pass.id, outcome: 'passed', reason: null, finishedAt: pass.finishedAt?.toISOString() ?? null, ageSeconds: ageSeconds(pass.finishedAt, now), durationMs: null, backupModifiedAt: pass.backupModifiedAt?.toISOString() ?? null }
      : null,
    streak: { count: status?.streak.count ?? 0, since: status?.streak.since?.toISOString() ?? null },
    running: status?.running ? { drillId: status.running.id, startedAt: status.running.startedAt.toISOString() } : null,
    nextRun: plan.schedule && !row.paused ? (nextRunTimes(plan.schedule, now, 1)[0]?.toISOString() ?? null) : null,
    overdue,
    verifiedRpo: { backupModifiedAt: point?.toISOString() ?? null, ageSeconds: point ? rpoAge : null, targetHours: plan.rpoHours ?? null, breached },
    lastCanary: status?.lastCanary ? { drillId: status.lastCanary.id, finishedAt: status.lastCanary.finishedAt?.toISOString() ?? null, detected: status.lastCanary.detected, alerted: status.lastCanary.alerted } : null,
    drills: status ? status.drillCount : 0,
  };
}
