import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { BackupRef, DrillInput } from '../../core/drill.js';

/** One row per drill (one Temporal workflow execution; the workflow id is the drill id). */
export const drills = pgTable(
  'drills',
  {
    id: text('id').primaryKey(),
    planId: text('plan_id'),
    engine: text('engine').notNull(),
    sourceUri: text('source_uri').notNull(),
    /** running | passed | failed | error | cancelled */
    outcome: text('outcome').notNull(),
    failedStep: text('failed_step'),
    reason: text('reason'),
    format: text('format'),
    backup: jsonb('backup').$type<BackupRef>(),
    /** The drill's input as the workflow received it (ids and paths only, never secrets). */
    request: jsonb('request').$type<DrillInput>().notNull(),
    tableCount: integer('table_count'),
    totalRows: bigint('total_rows', { mode: 'number' }),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [index('drills_started_at_idx').on(table.startedAt.desc(), table.id), index('drills_plan_id_idx').on(table.planId, table.startedAt.desc())],
);

export type DrillRow = typeof drills.$inferSelect;
