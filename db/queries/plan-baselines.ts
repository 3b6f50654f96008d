/**
 * What a drill compares itself with: earlier drills of the same plan. Size drift looks at the
 * previous drill that found a backup; row drift at the last drill that passed, because a failed
 * drill's counts are exactly what must not become the new normal.
 */
import { and, desc, eq, isNotNull, ne } from 'drizzle-orm';
import type { TableStat } from '../../core/drill.js';
import type { HistoryDb } from '../client.js';
import { drills, drillTables } from '../schema/index.js';

export interface PreviousBackup {
  drillId: string;
  sizeBytes: number;
  uri: string;
}

export async function previousBackupOfPlan(db: HistoryDb, planId: string, currentDrillId: string): Promise<PreviousBackup | undefined> {
  const [row] = await db
    .select({ id: drills.id, backup: drills.backup })
    .from(drills)
    .where(and(eq(drills.planId, planId), ne(drills.id, currentDrillId), isNotNull(drills.backup)))
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
    .where(and(eq(drills.planId, planId), ne(drills.id, currentDrillId), eq(drills.outcome, 'passed')))
    .orderBy(desc(drills.startedAt), desc(drills.id))
    .limit(1);
  if (!row) return undefined;
  const tables = await db
    .select({ database: drillTables.database, schema: drillTables.schema, name: drillTables.name, rows: drillTables.rows })
    .from(drillTables)
    .where(eq(drillTables.drillId, row.id));
  return { drillId: row.id, finishedAt: row.finishedAt, tables };
}
