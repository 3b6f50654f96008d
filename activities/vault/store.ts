/** The vault's rows and audit log in the history database: every query the vault runs. */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, ne, notInArray } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { appendAuditEvent } from '../../db/queries/audit-events.js';
import { vaultAudit, vaultSecrets, type NewVaultSecretRow, type VaultAuditRow, type VaultSecretRow } from '../../db/schema/index.js';

export type AuditAction = 'create' | 'use' | 'delete' | 'rotate';

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  credentialName: string;
  kind: string;
  drillId?: string | null;
  purpose?: string | null;
}

type Tx = Parameters<Parameters<HistoryDb['transaction']>[0]>[0];
type Queryable = HistoryDb | Tx;

export function vaultStore(db: HistoryDb) {
  const audit = async (q: Queryable, entry: AuditEntry) => {
    await q.insert(vaultAudit).values({ id: randomUUID(), actor: entry.actor, action: entry.action, credentialName: entry.credentialName, kind: entry.kind, drillId: entry.drillId ?? null, purpose: entry.purpose ?? null });
    // The system-wide trail gets what no API route records: uses by drills, rotations, and the CLI's own writes.
    if (entry.action === 'use' || entry.action === 'rotate' || entry.actor.startsWith('cli:')) {
      await appendAuditEvent(q, { actor: entry.actor, action: `vault.${entry.action}`, target: entry.credentialName, outcome: 'ok', details: { kind: entry.kind, ...(entry.drillId ? { drillId: entry.drillId } : {}), ...(entry.purpose ? { purpose: entry.purpose } : {}) } });
    }
  };

  return {
    async byName(name: string): Promise<VaultSecretRow | undefined> {
      const [row] = await db.select().from(vaultSecrets).where(eq(vaultSecrets.name, name)).limit(1);
      return row;
    },

    /** Inserts the row and its `create` audit entry together; false when the name is taken. */
    async insert(row: NewVaultSecretRow, entry: AuditEntry): Promise<boolean> {
      return db.transaction(async (tx) => {
        const inserted = await tx.insert(vaultSecrets).values(row).onConflictDoNothing({ target: vaultSecrets.name }).returning({ id: vaultSecrets.id });
        if (inserted.length === 0) return false;
        await audit(tx, entry);
        return true;
      });
    },

    /** Metadata of every credential, by name: no secret column is even selected. */
    async list() {
      return db
        .select({ name: vaultSecrets.name, kind: vaultSecrets.kind, backend: vaultSecrets.backend, fingerprint: vaultSecrets.fingerprint, createdAt: vaultSecrets.createdAt, lastUsedAt: vaultSecrets.lastUsedAt, masterKeyId: vaultSecrets.masterKeyId })
        .from(vaultSecrets)
        .orderBy(asc(vaultSecrets.name));
    },

    async recordUse(id: string, entry: AuditEntry): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.update(vaultSecrets).set({ lastUsedAt: new Date() }).where(eq(vaultSecrets.id, id));
        await audit(tx, entry);
      });
    },

    /** Deletes the row (and with it a local secret's ciphertext) and records why, atomically. */
    async delete(id: string, entry: AuditEntry): Promise<boolean> {
      return db.transaction(async (tx) => {
        const deleted = await tx.delete(vaultSecrets).where(eq(vaultSecrets.id, id)).returning({ id: vaultSecrets.id });
        if (deleted.length === 0) return false;
        await audit(tx, entry);
        return true;
      });
    },

    /** Ids of local rows whose data key is wrapped by another master key than `currentKeyId`. */
    async staleLocalIds(currentKeyId: string, limit: number, skip: string[]): Promise<string[]> {
      const rows = await db
        .select({ id: vaultSecrets.id })
        .from(vaultSecrets)
        .where(and(eq(vaultSecrets.backend, 'local'), ne(vaultSecrets.masterKeyId, currentKeyId), skip.length ? notInArray(vaultSecrets.id, skip) : undefined))
        .orderBy(asc(vaultSecrets.id))
        .limit(limit);
      return rows.map((r) => r.id);
    },

    /**
     * One short transaction over a few rows: locks them, lets `rewrap` compute each new wrapped
     * key, writes it with an audit entry. Readers never wait: they see the old or the new row,
     * and both decrypt while the old master key stays configured.
     */
    async rewrapBatch(ids: string[], currentKeyId: string, rewrap: (row: VaultSecretRow) => { wrappedKey: Buffer; masterKeyId: string } | Error, entry: (row: VaultSecretRow) => AuditEntry) {
      return db.transaction(async (tx) => {
        const rows = await tx.select().from(vaultSecrets).where(and(inArray(vaultSecrets.id, ids), ne(vaultSecrets.masterKeyId, currentKeyId))).for('update');
        const failed: Array<{ row: VaultSecretRow; error: Error }> = [];
        let rewrapped = 0;
        for (const row of rows) {
          const result = rewrap(row);
          if (result instanceof Error) {
            failed.push({ row, error: result });
            continue;
          }
          await tx.update(vaultSecrets).set(result).where(eq(vaultSecrets.id, row.id));
          await audit(tx, entry(row));
          rewrapped += 1;
        }
        return { rewrapped, failed };
      });
    },

    async auditLog(options: { name?: string; limit?: number } = {}): Promise<VaultAuditRow[]> {
      return db
        .select()
        .from(vaultAudit)
        .where(options.name ? eq(vaultAudit.credentialName, options.name) : undefined)
        .orderBy(desc(vaultAudit.at), desc(vaultAudit.id))
        .limit(options.limit ?? 100);
    },
  };
}

export type VaultStore = ReturnType<typeof vaultStore>;
