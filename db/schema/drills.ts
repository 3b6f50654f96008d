import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { BackupRef, CanaryRecord, PlanSnapshot } from '../../core/drill.js';
import { plans } from './plans.js';

/** One row per drill (one Temporal workflow execution; the workflow id is the drill id). */
export const drills = pgTable(
  'drills',
  {
    id: text('id').primaryKey(),
    /** Null for ad-hoc drills. */
    planId: text('plan_id').references(() => plans.id),
    /** The plan's name and version when the drill started (plans can be renamed and edited later). */
    planName: text('plan_name'),
    planVersion: integer('plan_version'),
    /** manual | schedule | api | canary */
    trigger: text('trigger').notNull().default('manual'),
    engine: text('engine').notNull(),
    sourceUri: text('source_uri').notNull(),
    /** running | passed | failed | error | cancelled */
    outcome: text('outcome').notNull(),
    failedStep: text('failed_step'),
    reason: text('reason'),
    format: text('format'),
    backup: jsonb('backup').$type<BackupRef>(),
    /** The plan snapshot the drill ran (ids, paths and vault names only, never secrets). */
    request: jsonb('request').$type<PlanSnapshot>().notNull(),
    canary: jsonb('canary').$type<CanaryRecord>(),
    tableCount: integer('table_count'),
    totalRows: bigint('total_rows', { mode: 'number' }),
    /** The sandbox server as it reported itself ("PostgreSQL 17.11"); null before inspect ran. */
    sandboxServer: text('sandbox_server'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  // Descending columns are NULLS FIRST, PostgreSQL's default for DESC, so that the queries' plain
  // ORDER BY … DESC can read them in order (NULLS LAST would make every list a sort).
  (table) => [
    index('drills_started_at_idx').on(table.startedAt.desc().nullsFirst(), table.id.desc().nullsFirst()),
    index('drills_plan_id_idx').on(table.planId, table.startedAt.desc().nullsFirst(), table.id.desc().nullsFirst()),
    index('drills_outcome_idx').on(table.outcome, table.startedAt.desc().nullsFirst(), table.id.desc().nullsFirst()),
    index('drills_engine_idx').on(table.engine, table.startedAt.desc().nullsFirst(), table.id.desc().nullsFirst()),
    // A plan's last canary and its drill running now, looked up for every plan in its summary.
    index('drills_plan_canary_idx').on(table.planId, table.startedAt.desc().nullsFirst(), table.id.desc().nullsFirst()).where(sql`${table.trigger} = 'canary'`),
    index('drills_plan_running_idx').on(table.planId, table.startedAt.desc().nullsFirst()).where(sql`${table.outcome} = 'running'`),
  ],
);

export type DrillRow = typeof drills.$inferSelect;
