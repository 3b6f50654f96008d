/** The API's entries in the audit trail: who the gate found, and what the route did. */
import type { HistoryDb } from '../../db/client.js';
import { appendAuditEvent } from '../../db/queries/audit-events.js';
import type { Actor } from './actor.js';

export interface AuditEntry {
  action: string;
  target?: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  details?: Record<string, unknown>;
}

export async function recordAudit(db: HistoryDb, actor: Actor, entry: AuditEntry): Promise<void> {
  await appendAuditEvent(db, {
    actorId: actor.kind === 'user' ? actor.userId : null,
    actor: actor.name,
    address: actor.address,
    action: entry.action,
    target: entry.target ?? null,
    outcome: entry.outcome,
    details: entry.details ?? null,
  });
}
