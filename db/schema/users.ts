import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * People who may use the API. `email` is stored normalised (NFKC, lower case), so look-alike
 * spellings of one address are one account. No password hash means sign-in by password is off
 * for the account (an OIDC-only user, or one whose password a manager has not set yet).
 */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    displayName: text('display_name'),
    /** manager | user */
    role: text('role').notNull(),
    passwordHash: text('password_hash'),
    /** "<issuer> <sub>" of the OpenID Provider identity this account signs in as, once linked. */
    oidcSubject: text('oidc_subject'),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (table) => [uniqueIndex('users_email_idx').on(sql`lower(${table.email})`), uniqueIndex('users_oidc_subject_idx').on(table.oidcSubject)],
);

export type UserRow = typeof users.$inferSelect;
export type Role = 'manager' | 'user';
