import { boolean, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { plans } from './plans.js';

/**
 * Something worth telling people: a failed drill, a recovery, an overdue plan… The id is derived
 * from what the event is about (e.g. the first drill of a failing streak), so deciding twice, or a
 * retried activity, finds the event already there instead of alerting again.
 */
export const notificationEvents = pgTable(
  'notification_events',
  {
    id: text('id').primaryKey(),
    /** One of NOTIFY_EVENTS, or "test" for a channel's test message. */
    kind: text('kind').notNull(),
    planId: text('plan_id').references(() => plans.id),
    /** No foreign key: a "started" event exists before the drill's first row is written. */
    drillId: text('drill_id'),
    /** True for a canary drill's alert. */
    canary: boolean('canary').notNull().default(false),
    subject: text('subject').notNull(),
    /** What the templates render from (plan, drill, reason, links, …): non-secret facts only. */
    facts: jsonb('facts').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [index('notification_events_plan_idx').on(table.planId, table.createdAt.desc().nullsFirst()), index('notification_events_drill_idx').on(table.drillId)],
);

export type NotificationEventRow = typeof notificationEvents.$inferSelect;
