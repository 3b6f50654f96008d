import { index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { channels } from './channels.js';
import { notificationEvents } from './notification-events.js';

/** Every delivery attempt of an event to a channel, sent or failed, with what the peer said. */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => notificationEvents.id),
    channelId: text('channel_id')
      .notNull()
      .references(() => channels.id),
    attempt: integer('attempt').notNull(),
    /** sent | failed */
    status: text('status').notNull(),
    /** The peer's answer ("250 2.0.0 queued", "HTTP 200") or why it failed; never a secret. */
    detail: text('detail'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    durationMs: integer('duration_ms').notNull(),
  },
  (table) => [
    uniqueIndex('notifications_attempt_idx').on(table.eventId, table.channelId, table.attempt),
    index('notifications_channel_idx').on(table.channelId, table.startedAt.desc().nullsFirst()),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;
