/**
 * Writes of drill history. Every write is an upsert keyed by drill id (and step/check/table name),
 * so an activity Temporal retries after a crash rewrites the same rows instead of adding more.
 */
import { eq, sql } from 'drizzle-orm';
import { checkLevel } from '../../core/checks.js';
import type { CanaryRecord, DrillResult, PlanSnapshot, StepRecord, TableStat } from '../../core/drill.js';
import type { HistoryDb } from '../client.js';
import { drillChecks, drills, drillSteps, drillTables } from '../schema/index.js';

const TABLE_INSERT_CHUNK = 1000;

export interface DrillProgressRecord {
  drillId: string;
  snapshot: PlanSnapshot;
  sourceUri: string;
  startedAt: string;
  steps: StepRecord[];
}

function planColumns(snapshot: PlanSnapshot) {
  return { planId: snapshot.planId, planName: snapshot.plan.name, planVersion: snapshot.planVersion, trigger: snapshot.trigger, engine: snapshot.plan.engine, request: snapshot };
}

export async function recordDrillProgress(db: HistoryDb, progress: DrillProgressRecord): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(drills)
      .values({
        id: progress.drillId,
        ...planColumns(progress.snapshot),
        sourceUri: progress.sourceUri,
        outcome: 'running',
        startedAt: new Date(progress.startedAt),
      })
      // A late progress write must never turn a finished drill back into a running one.
      .onConflictDoUpdate({ target: drills.id, set: { updatedAt: sql`now()` }, setWhere: eq(drills.outcome, 'running') });
    await upsertSteps(tx, progress.drillId, progress.steps);
  });
}

export async function recordDrillReport(db: HistoryDb, snapshot: PlanSnapshot, sourceUri: string, result: DrillResult): Promise<void> {
  const values = {
    id: result.drillId,
    ...planColumns(snapshot),
    sourceUri: result.backup?.uri ?? sourceUri,
    outcome: result.outcome,
    failedStep: result.failedStep,
    reason: result.reason,
    format: result.format,
    backup: result.backup,
    tableCount: result.tableCount,
    totalRows: result.totalRows,
    sandboxServer: result.sandboxServer ?? null,
    startedAt: new Date(result.startedAt),
    finishedAt: new Date(result.finishedAt),
    durationMs: result.durationMs,
  };
  await db.transaction(async (tx) => {
    const { id: _id, ...update } = values;
    await tx.insert(drills).values(values).onConflictDoUpdate({ target: drills.id, set: { ...update, updatedAt: sql`now()` } });
    await upsertSteps(tx, result.drillId, result.steps);
    await tx.delete(drillChecks).where(eq(drillChecks.drillId, result.drillId));
    if (result.checks.length > 0) {
      await tx.insert(drillChecks).values(result.checks.map((check, position) => ({ drillId: result.drillId, position, level: checkLevel(check.name), ...check })));
    }
  });
}

export async function recordCanaryResult(db: HistoryDb, drillId: string, canary: CanaryRecord): Promise<void> {
  await db.update(drills).set({ canary, updatedAt: sql`now()` }).where(eq(drills.id, drillId));
}

export async function replaceDrillTables(db: HistoryDb, drillId: string, tables: TableStat[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(drillTables).where(eq(drillTables.drillId, drillId));
    for (let i = 0; i < tables.length; i += TABLE_INSERT_CHUNK) {
      await tx.insert(drillTables).values(tables.slice(i, i + TABLE_INSERT_CHUNK).map((t) => ({ drillId, ...t })));
    }
  });
}

type Tx = Parameters<Parameters<HistoryDb['transaction']>[0]>[0];

async function upsertSteps(tx: Tx, drillId: string, steps: StepRecord[]): Promise<void> {
  for (const [position, step] of steps.entries()) {
    const row = {
      drillId,
      name: step.name,
      position,
      status: step.status,
      startedAt: new Date(step.startedAt),
      finishedAt: step.finishedAt ? new Date(step.finishedAt) : null,
      durationMs: step.durationMs ?? null,
      bytes: step.bytes ?? null,
      message: step.message ?? null,
    };
    const { drillId: _d, name: _n, ...update } = row;
    await tx.insert(drillSteps).values(row).onConflictDoUpdate({ target: [drillSteps.drillId, drillSteps.name], set: update });
  }
}
