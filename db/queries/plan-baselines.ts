/**
 * What a drill compares itself with: the plan's last drill that passed (canaries aside), for size
 * and row drift alike, because a failed drill's backup (cut in half, say) is exactly what must
 * not become the new normal: the good backup after it would look like it doubled.
 */
import { and, desc, eq, isNotNull, ne } from 'drizzle-orm';
import type { TableStat } from '../../core/drill.js';
import type { HistoryDb } from '../client.js';
import { drillChecks, drills, drillTables } from '../schema/index.js';

export interface PreviousBackup {
  drillId: string;
  sizeBytes: number;
  uri: string;
}

export async function previousBackupOfPlan(db: HistoryDb, planId: string, currentDrillId: string): Promise<PreviousBackup | undefined> {
  const [row] = await db
    .select({ id: drills.id, backup: drills.backup })
    .from(drills)
    .where(and(eq(drills.planId, planId), ne(drills.id, currentDrillId), isNotNull(drills.backup), eq(drills.outcome, 'passed'), ne(drills.trigger, 'canary')))
    .orderBy(desc(drills.startedAt), desc(drills.id))
    .limit(1);
  if (!row?.backup) return undefined;
  return { drillId: row.id, sizeBytes: row.backup.sizeBytes, uri: row.backup.uri };
}

export interface PassingBaseline {
  drillId: string;
  finishedAt: Date | null;
  tables: TableStat[];
}

export async function lastPassingDrillOfPlan(db: HistoryDb, planId: string, currentDrillId: string): Promise<PassingBaseline | undefined> {
  const [row] = await db
    .select({ id: drills.id, finishedAt: drills.finishedAt })
    .from(drills)
    .where(and(eq(drills.planId, planId), ne(drills.id, currentDrillId), eq(drills.outcome, 'passed'), ne(drills.trigger, 'canary')))
    .orderBy(desc(drills.startedAt), desc(drills.id))
    .limit(1);
  if (!row) return undefined;
  const tables = await db
    .select({ database: drillTables.database, schema: drillTables.schema, name: drillTables.name, rows: drillTables.rows })
    .from(drillTables)
    .where(eq(drillTables.drillId, row.id));
  return { drillId: row.id, finishedAt: row.finishedAt, tables };
}

/** The plan's previous drill (canaries aside), when it was refused at locate for its backup's size. */
export async function previousSizeRefusal(db: HistoryDb, planId: string, currentDrillId: string): Promise<PreviousBackup | undefined> {
  const [row] = await db
    .select({ id: drills.id, backup: drills.backup, failedStep: drills.failedStep, outcome: drills.outcome })
    .from(drills)
    .where(and(eq(drills.planId, planId), ne(drills.id, currentDrillId), ne(drills.trigger, 'canary'), ne(drills.outcome, 'running'), ne(drills.outcome, 'cancelled')))
    .orderBy(desc(drills.startedAt), desc(drills.id))
    .limit(1);
  if (!row?.backup || row.outcome !== 'failed' || row.failedStep !== 'locate') return undefined;
  const [refusal] = await db
    .select({ name: drillChecks.name })
    .from(drillChecks)
    .where(and(eq(drillChecks.drillId, row.id), eq(drillChecks.name, 'size-change'), eq(drillChecks.passed, false)))
    .limit(1);
  return refusal ? { drillId: row.id, sizeBytes: row.backup.sizeBytes, uri: row.backup.uri } : undefined;
}
