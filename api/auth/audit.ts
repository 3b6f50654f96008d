/** Writing the audit trail: insert only (the table's trigger refuses anything else). */
import type { HistoryDb } from '../../db/client.js';
import { auditEvents } from '../../db/schema/audit-events.js';
import type { Actor } from './actor.js';

export interface AuditEntry {
  action: string;
  target?: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  details?: Record<string, unknown>;
}

export async function recordAudit(db: HistoryDb, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.insert(auditEvents).values({
    actorId: actor.kind === 'user' ? actor.userId : null,
    actor: actor.name,
    address: actor.address,
    action: entry.action,
    target: entry.target ?? null,
    outcome: entry.outcome,
    details: entry.details ?? null,
  });
}
