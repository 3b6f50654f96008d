import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ChannelConfig } from '../../core/notify.js';

/**
 * A notification channel, configured once and routed to by plans by name. `config` holds vault
 * names for anything secret. The health columns are updated by every delivery attempt, so a
 * channel that keeps failing is visible in the API and in /metrics.
 */
export const channels = pgTable(
  'channels',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    config: jsonb('config').$type<ChannelConfig>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true, mode: 'date' }),
    lastFailureAt: timestamp('last_failure_at', { withTimezone: true, mode: 'date' }),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastError: text('last_error'),
  },
  (table) => [uniqueIndex('channels_live_name_idx').on(sql`lower(${table.name})`).where(sql`${table.deletedAt} IS NULL`)],
);

export type ChannelRow = typeof channels.$inferSelect;
