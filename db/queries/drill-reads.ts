/** Reads of drill history for the API and CLI. */
import { and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { TableStat } from '../../core/drill.js';
import type { HistoryDb } from '../client.js';
import { drillChecks, drills, drillSteps, drillTables, type DrillCheckRow, type DrillRow, type DrillStepRow, type DrillTableRow } from '../schema/index.js';

export interface DrillFilter {
  planId?: string;
  outcome?: string;
  engine?: string;
  trigger?: string;
  /** Started at or after. */
  from?: Date;
  /** Started before. */
  to?: Date;
}

/** Where a page ends: the last row's sort key (drills are listed newest first). */
export interface DrillCursor {
  startedAt: Date;
  id: string;
}

export interface DrillPage {
  drills: DrillRow[];
  next: DrillCursor | null;
}

/** One page, newest first; keyset-paginated so page 1000 costs what page 1 costs. */
export async function listDrills(db: HistoryDb, options: DrillFilter & { limit: number; after?: DrillCursor }): Promise<DrillPage> {
  const conditions = [
    options.planId ? eq(drills.planId, options.planId) : undefined,
    options.outcome ? eq(drills.outcome, options.outcome) : undefined,
    options.engine ? eq(drills.engine, options.engine) : undefined,
    options.trigger ? eq(drills.trigger, options.trigger) : undefined,
    options.from ? gte(drills.startedAt, options.from) : undefined,
    options.to ? lt(drills.startedAt, options.to) : undefined,
    options.after ? sql`(${drills.startedAt}, ${drills.id}) < (${options.after.startedAt.toISOString()}::timestamptz, ${options.after.id})` : undefined,
  ].filter((c) => c !== undefined);
  const rows = await db
    .select()
    .from(drills)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(drills.startedAt), desc(drills.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return { drills: page, next: rows.length > options.limit && last ? { startedAt: last.startedAt, id: last.id } : null };
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

/** Which of these drill ids are taken. */
export async function existingDrillIds(db: HistoryDb, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.select({ id: drills.id }).from(drills).where(inArray(drills.id, ids));
  return new Set(rows.map((r) => r.id));
}
