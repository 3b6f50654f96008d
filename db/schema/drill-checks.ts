import { boolean, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { drills } from './drills.js';

/** One verdict of one drill: what was observed, what was expected, and whether that passed. */
export const drillChecks = pgTable(
  'drill_checks',
  {
    drillId: text('drill_id')
      .notNull()
      .references(() => drills.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** exists | integrity | restorable | readable | plausible | custom | native */
    level: text('level').notNull().default('restorable'),
    position: integer('position').notNull(),
    passed: boolean('passed').notNull(),
    observed: text('observed').notNull(),
    expected: text('expected').notNull(),
    message: text('message').notNull(),
  },
  (table) => [primaryKey({ columns: [table.drillId, table.name] })],
);

export type DrillCheckRow = typeof drillChecks.$inferSelect;
