import { sql } from 'drizzle-orm';
import { boolean, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { Plan } from '../../core/plan.js';

/**
 * One backup under test. Edits bump `version`; deleting sets `deleted_at` (drills keep pointing
 * here, so history survives). `paused` and `pause_note` are the schedule's desired state: the
 * Temporal Schedule is made to match them, never the other way round.
 */
export const plans = pgTable(
  'plans',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    spec: jsonb('spec').$type<Plan>().notNull(),
    version: integer('version').notNull().default(1),
    paused: boolean('paused').notNull().default(false),
    pauseNote: text('pause_note'),
    /**
     * Since when the plan's current schedule has been in force (created, changed or resumed): the
     * watchdog does not call a plan overdue before it had the chance to run.
     */
    scheduleSince: timestamp('schedule_since', { withTimezone: true, mode: 'date' }),
    /** Hash of the Temporal Schedule as last written here: a different one means someone else changed it. */
    scheduleFingerprint: text('schedule_fingerprint'),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [uniqueIndex('plans_live_name_idx').on(sql`lower(${table.name})`).where(sql`${table.deletedAt} IS NULL`)],
);

export type PlanRow = typeof plans.$inferSelect;
