import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { drills } from './drills.js';

/** Exact row count of every restored table; what later drills compare against for drift. */
export const drillTables = pgTable(
  'drill_tables',
  {
    drillId: text('drill_id')
      .notNull()
      .references(() => drills.id, { onDelete: 'cascade' }),
    database: text('database').notNull(),
    schema: text('schema').notNull(),
    name: text('name').notNull(),
    rows: bigint('rows', { mode: 'number' }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.drillId, table.database, table.schema, table.name] })],
);

export type DrillTableRow = typeof drillTables.$inferSelect;
