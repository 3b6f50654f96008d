import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * OpenID Connect sign-ins under way: what the callback must check (nonce, PKCE verifier), keyed
 * by the state's hash. A row is taken (deleted) by the callback that uses it, so a state, and the
 * code it came with, counts once, whichever API instance the browser comes back to.
 */
export const oidcLogins = pgTable('oidc_logins', {
  stateHash: text('state_hash').primaryKey(),
  nonce: text('nonce').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  /** A path of this app to land on once signed in. */
  returnTo: text('return_to').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
},
  // Expired attempts are purged at every new one: by range, not by a scan of the table.
  (table) => [index('oidc_logins_expires_at_idx').on(table.expiresAt)],
);

export type OidcLoginRow = typeof oidcLogins.$inferSelect;
