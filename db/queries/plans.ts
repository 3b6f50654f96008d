/**
 * Reads and writes of plans. Writes of one plan are serialized by a transaction-scoped advisory
 * lock (`lockPlan`): the Temporal Schedule update that goes with a write has no conflict token,
 * so two concurrent edits must not interleave their schedule updates.
 */
import { and, asc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import type { Plan } from '../../core/plan.js';
import type { HistoryDb } from '../client.js';
import { plans, type PlanRow } from '../schema/index.js';

export type Tx = Parameters<Parameters<HistoryDb['transaction']>[0]>[0];
type Db = HistoryDb | Tx;

export async function lockPlan(tx: Tx, planId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`restore-drill-plan:${planId}`}, 0))`);
}

export async function getPlanRow(db: Db, planId: string, options: { includeDeleted?: boolean } = {}): Promise<PlanRow | undefined> {
  const [row] = await db
    .select()
    .from(plans)
    .where(options.includeDeleted ? eq(plans.id, planId) : and(eq(plans.id, planId), isNull(plans.deletedAt)))
    .limit(1);
  return row;
}

/** A live plan by id, or else by name (case-insensitive): what CLI users type. */
export async function findLivePlan(db: Db, idOrName: string): Promise<PlanRow | undefined> {
  const [byId] = await db.select().from(plans).where(and(eq(plans.id, idOrName), isNull(plans.deletedAt))).limit(1);
  if (byId) return byId;
  const [byName] = await db.select().from(plans).where(and(sql`lower(${plans.name}) = lower(${idOrName})`, isNull(plans.deletedAt))).limit(1);
  return byName;
}

export async function livePlanNamed(db: Db, name: string): Promise<PlanRow | undefined> {
  const [row] = await db.select().from(plans).where(and(sql`lower(${plans.name}) = lower(${name})`, isNull(plans.deletedAt))).limit(1);
  return row;
}

export async function listPlanRows(db: Db, options: { includeDeleted?: boolean } = {}): Promise<PlanRow[]> {
  return db
    .select()
    .from(plans)
    .where(options.includeDeleted ? undefined : isNull(plans.deletedAt))
    .orderBy(asc(sql`lower(${plans.name})`), asc(plans.id));
}

export type PlanHead = Omit<PlanRow, 'spec'>;

/** Live plans without their spec (the costly column to fetch), for callers that keep parsed specs. */
export async function listLivePlanHeads(db: Db): Promise<PlanHead[]> {
  const { spec: _spec, ...columns } = getTableColumns(plans);
  return db.select(columns).from(plans).where(isNull(plans.deletedAt)).orderBy(asc(sql`lower(${plans.name})`), asc(plans.id));
}

export async function planSpecs(db: Db, ids: string[]): Promise<Map<string, Plan>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: plans.id, spec: plans.spec }).from(plans).where(inArray(plans.id, ids));
  return new Map(rows.map((r) => [r.id, r.spec]));
}

export async function insertPlan(db: Db, values: { id: string; plan: Plan; createdBy: string | null }): Promise<PlanRow> {
  const [row] = await db
    .insert(plans)
    .values({ id: values.id, name: values.plan.name, spec: values.plan, createdBy: values.createdBy, scheduleSince: values.plan.schedule ? new Date() : null })
    .returning();
  return row!;
}

/** Replaces the plan's spec, bumping its version; a changed schedule restarts the watchdog's clock. */
export async function updatePlanSpec(db: Db, current: PlanRow, plan: Plan): Promise<PlanRow> {
  // jsonb hands keys back in its own order: compare contents, not spellings.
  const scheduleChanged = canonicalJson(current.spec.schedule ?? null) !== canonicalJson(plan.schedule ?? null);
  const [row] = await db
    .update(plans)
    .set({
      name: plan.name,
      spec: plan,
      version: sql`${plans.version} + 1`,
      updatedAt: sql`now()`,
      ...(scheduleChanged ? { scheduleSince: plan.schedule ? new Date() : null } : {}),
    })
    .where(eq(plans.id, current.id))
    .returning();
  return row!;
}

/** A resume restarts the watchdog's clock (the plan had no chance to run while paused); a pause does not. */
export async function setPlanPaused(db: Db, current: PlanRow, paused: boolean, note: string | null): Promise<PlanRow> {
  const resumed = current.paused && !paused;
  const [row] = await db
    .update(plans)
    .set({ paused, pauseNote: note, updatedAt: sql`now()`, ...(resumed ? { scheduleSince: sql`now()` } : {}) })
    .where(eq(plans.id, current.id))
    .returning();
  return row!;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function softDeletePlan(db: Db, planId: string): Promise<PlanRow> {
  const [row] = await db.update(plans).set({ deletedAt: sql`now()`, updatedAt: sql`now()`, scheduleFingerprint: null }).where(eq(plans.id, planId)).returning();
  return row!;
}

export async function setScheduleFingerprint(db: Db, planId: string, fingerprint: string | null): Promise<void> {
  await db.update(plans).set({ scheduleFingerprint: fingerprint }).where(eq(plans.id, planId));
}
