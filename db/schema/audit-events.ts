import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Who did what through the API, append-only: the code has no update or delete path, and a trigger
 * (migration 0004) refuses UPDATE, DELETE and TRUNCATE. No foreign keys: the trail outlives the
 * users and plans it names. `seq` orders events and pages them.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The user's id, when one was signed in. */
    actorId: text('actor_id'),
    /** "ana@example.com", "ana@example.com (token ci)", "anonymous". */
    actor: text('actor').notNull(),
    address: text('address'),
    /** "auth.login", "plan.create", "user.role", … */
    action: text('action').notNull(),
    target: text('target'),
    /** ok | denied | failed */
    outcome: text('outcome').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (table) => [index('audit_events_at_idx').on(table.at), index('audit_events_actor_idx').on(table.actorId, table.seq)],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
