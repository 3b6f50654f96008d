/** Reads of drill history for the API and CLI. */
import { asc, count, desc, eq } from 'drizzle-orm';
import type { TableStat } from '../../core/drill.js';
import type { HistoryDb } from '../client.js';
import { drillChecks, drills, drillSteps, drillTables, type DrillCheckRow, type DrillRow, type DrillStepRow, type DrillTableRow } from '../schema/index.js';

export interface DrillPage {
  drills: DrillRow[];
  total: number;
  limit: number;
  offset: number;
}

export async function listDrills(db: HistoryDb, options: { limit: number; offset: number; planId?: string }): Promise<DrillPage> {
  const where = options.planId ? eq(drills.planId, options.planId) : undefined;
  const [rows, [totals]] = await Promise.all([
    db.select().from(drills).where(where).orderBy(desc(drills.startedAt), desc(drills.id)).limit(options.limit).offset(options.offset),
    db.select({ total: count() }).from(drills).where(where),
  ]);
  return { drills: rows, total: totals?.total ?? 0, limit: options.limit, offset: options.offset };
}

export interface DrillDetail extends DrillRow {
  steps: DrillStepRow[];
  checks: DrillCheckRow[];
  tables: DrillTableRow[];
}

export async function getDrill(db: HistoryDb, drillId: string): Promise<DrillDetail | undefined> {
  const [drill] = await db.select().from(drills).where(eq(drills.id, drillId)).limit(1);
  if (!drill) return undefined;
  const [steps, checks, tables] = await Promise.all([
    db.select().from(drillSteps).where(eq(drillSteps.drillId, drillId)).orderBy(asc(drillSteps.position)),
    db.select().from(drillChecks).where(eq(drillChecks.drillId, drillId)).orderBy(asc(drillChecks.position)),
    db.select().from(drillTables).where(eq(drillTables.drillId, drillId)).orderBy(asc(drillTables.database), asc(drillTables.schema), asc(drillTables.name)),
  ]);
  return { ...drill, steps, checks, tables };
}

/** Every table a drill's inspect step counted (the workflow result carries only the first few hundred). */
export async function readDrillTables(db: HistoryDb, drillId: string): Promise<TableStat[]> {
  return db
    .select({ database: drillTables.database, schema: drillTables.schema, name: drillTables.name, rows: drillTables.rows })
    .from(drillTables)
    .where(eq(drillTables.drillId, drillId));
}
