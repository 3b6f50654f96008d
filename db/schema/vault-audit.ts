import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every write to the vault and every read of a credential, by whom and why. Kept when the
 * credential is removed (no foreign key on purpose): the log outlives what it describes.
 */
export const vaultAudit = pgTable(
  'vault_audit',
  {
    id: text('id').primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** "cli:<os user>" for the CLI, "worker:<host>" for drills, the signed-in manager ("ana@example.com (token ci)") for the API. */
    actor: text('actor').notNull(),
    /** create | use | delete | rotate */
    action: text('action').notNull(),
    credentialName: text('credential_name').notNull(),
    kind: text('kind').notNull(),
    drillId: text('drill_id'),
    purpose: text('purpose'),
  },
  (table) => [index('vault_audit_credential_idx').on(table.credentialName, table.at.desc().nullsFirst()), index('vault_audit_at_idx').on(table.at.desc().nullsFirst())],
);

export type VaultAuditRow = typeof vaultAudit.$inferSelect;
