import { bigint, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { drills } from './drills.js';

/** The saga's steps of one drill, written as they start and end (live progress) and at the end. */
export const drillSteps = pgTable(
  'drill_steps',
  {
    drillId: text('drill_id')
      .notNull()
      .references(() => drills.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    /** running | passed | failed | error | cancelled | skipped */
    status: text('status').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    durationMs: integer('duration_ms'),
    bytes: bigint('bytes', { mode: 'number' }),
    message: text('message'),
  },
  (table) => [primaryKey({ columns: [table.drillId, table.name] })],
);

export type DrillStepRow = typeof drillSteps.$inferSelect;
