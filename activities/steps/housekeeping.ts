/**
 * What the watchdog tidies on each pass, besides alerting: drift between plans and their
 * schedules (so an edit lost half-way, or a change made in the Temporal UI, does not last until the
 * next worker start), and drill records stuck at `running` whose workflow ended without writing
 * its verdict (an operator terminated it, or its history could not be replayed).
 */
import { sql } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { reconcileSchedules, type ReconcileReport } from '../schedules/reconcile.js';
import type { ActivityDeps } from '../deps.js';

export interface HousekeepingSettings {
  /** A drill row not updated for this long is worth asking Temporal about. */
  quietRunningMs: number;
  /** Reconcile at most this often (the worker also does when it starts). */
  reconcileEveryMs: number;
}

export const DEFAULT_HOUSEKEEPING: HousekeepingSettings = { quietRunningMs: 2 * 60_000, reconcileEveryMs: 10 * 60_000 };

export function housekeepingActivities(deps: ActivityDeps) {
  const settings = { ...DEFAULT_HOUSEKEEPING, ...deps.housekeeping };
  let reconciledAt = Date.now();
  return {
    async reconcilePlanSchedules(): Promise<ReconcileReport | null> {
      if (!deps.temporal || Date.now() - reconciledAt < settings.reconcileEveryMs) return null;
      const report = await reconcileSchedules({ ...deps.temporal, db: deps.db });
      reconciledAt = Date.now();
      return report;
    },

    /** Returns the drills whose record it closed. */
    async settleAbandonedDrills(): Promise<string[]> {
      if (!deps.temporal) return [];
      const { client } = deps.temporal;
      const settled: string[] = [];
      for (const { id } of await quietRunningDrills(deps.db, settings.quietRunningMs)) {
        let status: string;
        let closedAt: Date | undefined;
        try {
          const description = await client.workflow.getHandle(id).describe();
          status = description.status.name;
          closedAt = description.closeTime;
        } catch (err) {
          if ((err as Error).name !== 'WorkflowNotFoundError') continue;
          status = 'NOT_FOUND';
        }
        if (status === 'RUNNING' || status === 'CONTINUED_AS_NEW') continue;
        const outcome = status === 'CANCELLED' ? 'cancelled' : 'error';
        const reason =
          status === 'TERMINATED'
            ? 'the drill was terminated in Temporal before it recorded a verdict'
            : status === 'NOT_FOUND'
              ? 'the drill workflow no longer exists in Temporal (deleted, or past retention) and never recorded a verdict'
              : `the drill workflow ended (${status.toLowerCase().replace('_', ' ')}) without recording a verdict`;
        if (await closeRecord(deps.db, id, outcome, reason, closedAt ?? new Date())) settled.push(id);
      }
      return settled;
    },
  };
}

async function quietRunningDrills(db: HistoryDb, quietMs: number): Promise<Array<{ id: string }>> {
  return (await db.execute<{ id: string }>(sql`SELECT id FROM drills WHERE outcome = 'running' AND updated_at <= now() - ${`${quietMs} milliseconds`}::interval ORDER BY started_at LIMIT 500`)) as unknown as Array<{ id: string }>;
}

async function closeRecord(db: HistoryDb, drillId: string, outcome: string, reason: string, at: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const closed = (await tx.execute(sql`
      UPDATE drills SET outcome = ${outcome}, reason = ${reason}, finished_at = ${at.toISOString()}::timestamptz,
             duration_ms = (extract(epoch FROM (${at.toISOString()}::timestamptz - started_at)) * 1000)::int,
             failed_step = (SELECT name FROM drill_steps WHERE drill_id = ${drillId} AND status = 'running' ORDER BY position DESC LIMIT 1),
             updated_at = now()
       WHERE id = ${drillId} AND outcome = 'running'
       RETURNING id`)) as unknown as unknown[];
    if (closed.length === 0) return false;
    await tx.execute(sql`UPDATE drill_steps SET status = ${outcome}, finished_at = ${at.toISOString()}::timestamptz, message = ${reason} WHERE drill_id = ${drillId} AND status = 'running'`);
    return true;
  });
}
