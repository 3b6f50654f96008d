/** Appending to the audit trail, the one way anything writes it (the table refuses updates and deletes). */
import { and, eq } from 'drizzle-orm';
import type { HistoryDb } from '../client.js';
import { auditEvents } from '../schema/audit-events.js';

export type NewAuditEvent = typeof auditEvents.$inferInsert;
type Transaction = Parameters<Parameters<HistoryDb['transaction']>[0]>[0];

/** Inside a transaction when the event must stand or fall with what it records. */
export async function appendAuditEvent(db: HistoryDb | Transaction, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values(event);
}

/** For writers that may run twice (a retried activity): whether this action on this target is recorded. */
export async function auditEventExists(db: HistoryDb, action: string, target: string): Promise<boolean> {
  const [row] = await db.select({ seq: auditEvents.seq }).from(auditEvents).where(and(eq(auditEvents.action, action), eq(auditEvents.target, target))).limit(1);
  return row !== undefined;
}
