import { sql } from 'drizzle-orm';
import { check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { bytea } from './bytea.js';

/**
 * One credential of the vault. Only ever what is needed to find and decrypt it: for the `local`
 * backend an AES-256-GCM envelope (the secret encrypted with a per-secret data key, the data key
 * wrapped with a master key named by `master_key_id`); for `aws` only the Secrets Manager ARN.
 * Removing a credential deletes its row (the audit log keeps the history).
 */
export const vaultSecrets = pgTable(
  'vault_secrets',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    /** One of CREDENTIAL_KINDS (core/credentials.ts). */
    kind: text('kind').notNull(),
    /** local | aws */
    backend: text('backend').notNull(),
    /** Non-secret identifier shown in lists: SSH/PGP fingerprint, age recipient, masked access key id… */
    fingerprint: text('fingerprint'),
    /** local: the secret's JSON, AES-256-GCM under the data key. */
    ciphertext: bytea('ciphertext'),
    iv: bytea('iv'),
    tag: bytea('tag'),
    /** local: the data key, AES-256-GCM under the master key: iv (12) ‖ ciphertext (32) ‖ tag (16). */
    wrappedKey: bytea('wrapped_key'),
    /** local: short hash of the master key that wrapped `wrapped_key`. */
    masterKeyId: text('master_key_id'),
    /** aws: the Secrets Manager secret's ARN; the secret itself never touches this database. */
    awsSecretArn: text('aws_secret_arn'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    check('vault_secrets_backend_check', sql`${table.backend} IN ('local', 'aws')`),
    check(
      'vault_secrets_envelope_check',
      sql`(${table.backend} = 'local' AND ${table.ciphertext} IS NOT NULL AND ${table.iv} IS NOT NULL AND ${table.tag} IS NOT NULL AND ${table.wrappedKey} IS NOT NULL AND ${table.masterKeyId} IS NOT NULL AND ${table.awsSecretArn} IS NULL)
        OR (${table.backend} = 'aws' AND ${table.awsSecretArn} IS NOT NULL AND ${table.ciphertext} IS NULL AND ${table.wrappedKey} IS NULL)`,
    ),
  ],
);

export type VaultSecretRow = typeof vaultSecrets.$inferSelect;
export type NewVaultSecretRow = typeof vaultSecrets.$inferInsert;
