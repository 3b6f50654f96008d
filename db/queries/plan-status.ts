/**
 * Where each plan stands, derived from its drills (never stored twice): the last finished drill,
 * the last pass and the backup it proved restorable, the current failing streak, the drill running
 * now, the last canary. Canary drills never count as a plan's verdict; cancelled ones neither pass
 * nor fail. One query for any number of plans, each part an index lookup on
 * (plan_id, started_at DESC).
 */
import { sql } from 'drizzle-orm';
import type { HistoryDb } from '../client.js';
import type { Tx } from './plans.js';

type Db = HistoryDb | Tx;

export interface PlanStatus {
  planId: string;
  planCreatedAt: Date;
  lastDrill: { id: string; outcome: string; reason: string | null; startedAt: Date; finishedAt: Date | null; durationMs: number | null } | null;
  lastPass: { id: string; finishedAt: Date | null; backupModifiedAt: Date | null; backupUri: string | null } | null;
  /** Drills that failed or errored since the last pass (0 when the last verdict passed). */
  streak: { count: number; firstDrillId: string | null; since: Date | null; failed: number; errors: number };
  running: { id: string; startedAt: Date } | null;
  lastCanary: { id: string; finishedAt: Date | null; detected: boolean | null; alerted: boolean | null } | null;
  /** Drills recorded under the plan, when asked for (counting is the costly part over many plans). */
  drillCount: number | null;
}

interface StatusRow extends Record<string, unknown> {
  plan_id: string;
  plan_created_at: Date | string;
  last_id: string | null;
  last_outcome: string | null;
  last_reason: string | null;
  last_started_at: Date | string | null;
  last_finished_at: Date | string | null;
  last_duration_ms: number | null;
  pass_id: string | null;
  pass_finished_at: Date | string | null;
  pass_backup_modified_at: string | null;
  pass_backup_uri: string | null;
  streak_count: number;
  streak_failed: number;
  streak_errors: number;
  streak_first_id: string | null;
  streak_since: Date | string | null;
  running_id: string | null;
  running_started_at: Date | string | null;
  canary_id: string | null;
  canary_finished_at: Date | string | null;
  canary_detected: boolean | null;
  canary_alerted: boolean | null;
  drill_count: number | null;
}

const asDate = (value: Date | string | null): Date | null => (value === null ? null : value instanceof Date ? value : new Date(value));

/** Status of the given plans (all live plans when `planIds` is omitted). */
export async function planStatuses(db: Db, planIds?: string[], options: { counts?: boolean } = {}): Promise<Map<string, PlanStatus>> {
  if (planIds?.length === 0) return new Map();
  const counting = options.counts !== false;
  const where = planIds ? sql`p.id IN (${sql.join(planIds.map((id) => sql`${id}`), sql`, `)})` : sql`p.deleted_at IS NULL`;
  const result = await db.execute<StatusRow>(sql`
    SELECT p.id AS plan_id, p.created_at AS plan_created_at,
           last.id AS last_id, last.outcome AS last_outcome, last.reason AS last_reason, last.started_at AS last_started_at,
           last.finished_at AS last_finished_at, last.duration_ms AS last_duration_ms,
           pass.id AS pass_id, pass.finished_at AS pass_finished_at,
           pass.backup_modified_at AS pass_backup_modified_at, pass.backup_uri AS pass_backup_uri,
           streak.count AS streak_count, streak.failed AS streak_failed, streak.errors AS streak_errors,
           streak.first_id AS streak_first_id, streak.since AS streak_since,
           running.id AS running_id, running.started_at AS running_started_at,
           canary.id AS canary_id, canary.finished_at AS canary_finished_at,
           canary.detected AS canary_detected, canary.alerted AS canary_alerted,
           ${counting ? sql`counted.n` : sql`NULL::int`} AS drill_count
      FROM plans p
      LEFT JOIN LATERAL (
        SELECT d.id, d.outcome, d.reason, d.started_at, d.finished_at, d.duration_ms FROM drills d
         WHERE d.plan_id = p.id AND d.trigger <> 'canary' AND d.outcome NOT IN ('running', 'cancelled')
         ORDER BY d.started_at DESC, d.id DESC LIMIT 1) last ON true
      LEFT JOIN LATERAL (
        SELECT d.id, d.started_at, d.finished_at, d.backup->>'modifiedAt' AS backup_modified_at, d.backup->>'uri' AS backup_uri FROM drills d
         WHERE d.plan_id = p.id AND d.trigger <> 'canary' AND d.outcome = 'passed'
         ORDER BY d.started_at DESC, d.id DESC LIMIT 1) pass ON true
      LEFT JOIN LATERAL (
        SELECT count(*)::int AS count,
               count(*) FILTER (WHERE d.outcome = 'failed')::int AS failed,
               count(*) FILTER (WHERE d.outcome = 'error')::int AS errors,
               (array_agg(d.id ORDER BY d.started_at, d.id))[1] AS first_id,
               min(d.started_at) AS since
          FROM drills d
         WHERE d.plan_id = p.id AND d.trigger <> 'canary' AND d.outcome IN ('failed', 'error')
           -- One row comparison, so the index scan stops at the last pass.
           AND (d.started_at, d.id) > (coalesce(pass.started_at, '-infinity'::timestamptz), coalesce(pass.id, ''))) streak ON true
      LEFT JOIN LATERAL (
        SELECT d.id, d.started_at FROM drills d
         WHERE d.plan_id = p.id AND d.outcome = 'running'
         ORDER BY d.started_at DESC LIMIT 1) running ON true
      LEFT JOIN LATERAL (
        SELECT d.id, d.finished_at, (d.canary->>'detected')::boolean AS detected, (d.canary->>'alerted')::boolean AS alerted FROM drills d
         WHERE d.plan_id = p.id AND d.trigger = 'canary' AND d.outcome <> 'running'
         ORDER BY d.started_at DESC, d.id DESC LIMIT 1) canary ON true
      ${counting ? sql`LEFT JOIN LATERAL (SELECT count(*)::int AS n FROM drills d WHERE d.plan_id = p.id) counted ON true` : sql``}
     WHERE ${where}`);
  const statuses = new Map<string, PlanStatus>();
  for (const row of result as unknown as StatusRow[]) {
    statuses.set(row.plan_id, {
      planId: row.plan_id,
      planCreatedAt: asDate(row.plan_created_at)!,
      lastDrill: row.last_id
        ? { id: row.last_id, outcome: row.last_outcome!, reason: row.last_reason, startedAt: asDate(row.last_started_at)!, finishedAt: asDate(row.last_finished_at), durationMs: row.last_duration_ms }
        : null,
      lastPass: row.pass_id ? { id: row.pass_id, finishedAt: asDate(row.pass_finished_at), backupModifiedAt: row.pass_backup_modified_at ? new Date(row.pass_backup_modified_at) : null, backupUri: row.pass_backup_uri } : null,
      streak: { count: row.streak_count, failed: row.streak_failed, errors: row.streak_errors, firstDrillId: row.streak_first_id, since: asDate(row.streak_since) },
      running: row.running_id ? { id: row.running_id, startedAt: asDate(row.running_started_at)! } : null,
      lastCanary: row.canary_id ? { id: row.canary_id, finishedAt: asDate(row.canary_finished_at), detected: row.canary_detected, alerted: row.canary_alerted } : null,
      drillCount: row.drill_count,
    });
  }
  return statuses;
}

/** The outcome of the plan's last finished, non-canary drill before `drillId`: was it a failure? */
export async function previousVerdictOf(db: Db, planId: string, drillId: string): Promise<string | null> {
  const result = await db.execute<{ outcome: string }>(sql`
    SELECT d.outcome FROM drills d, drills current
     WHERE current.id = ${drillId} AND d.plan_id = ${planId} AND d.id <> ${drillId}
       AND d.trigger <> 'canary' AND d.outcome NOT IN ('running', 'cancelled')
       AND (d.started_at, d.id) < (current.started_at, current.id)
     ORDER BY d.started_at DESC, d.id DESC LIMIT 1`);
  return (result as unknown as Array<{ outcome: string }>)[0]?.outcome ?? null;
}
