/**
 * Accounts and roles. Changes that could leave nobody able to manage the system (removing,
 * disabling or demoting the last active manager) are refused, under a lock so that two managers
 * demoting each other at once cannot both succeed. Disabling or removing a user ends their
 * sessions and tokens at once.
 */
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { apiTokens } from '../../db/schema/api-tokens.js';
import { sessions } from '../../db/schema/sessions.js';
import { users, type Role, type UserRow } from '../../db/schema/users.js';
import { normalizeEmail } from '../../core/email.js';
import { isUniqueViolation } from '../services/db-errors.js';
import { ApiError } from '../middleware/errors.js';
import { hashPassword } from './passwords.js';
import { newId } from './secrets.js';

export interface NewUser {
  email: string;
  role: Role;
  displayName?: string;
  password?: string;
  createdBy: string;
}

export async function createUser(db: HistoryDb, input: NewUser): Promise<UserRow> {
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  try {
    const [row] = await db.insert(users).values({ id: newId('usr'), email: input.email, role: input.role, displayName: input.displayName ?? null, passwordHash, createdBy: input.createdBy }).returning();
    return row!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError(409, 'conflict', `a user with the email ${input.email} exists already`);
    throw err;
  }
}

export function listUsers(db: HistoryDb): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.email));
}

export async function findUserByEmail(db: HistoryDb, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, normalizeEmail(email)));
  return row;
}

export async function findUser(db: HistoryDb, idOrEmail: string): Promise<UserRow> {
  const row = idOrEmail.startsWith('usr_') ? (await db.select().from(users).where(eq(users.id, idOrEmail)))[0] : await findUserByEmail(db, idOrEmail);
  if (!row) throw new ApiError(404, 'not_found', `no user ${idOrEmail}`);
  return row;
}

export async function countUsers(db: HistoryDb): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

type UserChange = { role: Role } | { disabled: boolean } | { password: string } | { remove: true };

/** Applies one change to a user; returns the user as it now is (or as it was, when removed). */
export async function changeUser(db: HistoryDb, idOrEmail: string, change: UserChange): Promise<UserRow> {
  const passwordHash = 'password' in change ? await hashPassword(change.password) : undefined;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('restore-drill:users'))`);
    const user = await findUser(tx as unknown as HistoryDb, idOrEmail);
    const losesManager = user.role === 'manager' && user.disabledAt === null && (('role' in change && change.role !== 'manager') || ('disabled' in change && change.disabled) || 'remove' in change);
    if (losesManager) {
      const [row] = await tx.select({ n: count() }).from(users).where(and(eq(users.role, 'manager'), isNull(users.disabledAt)));
      if ((row?.n ?? 0) <= 1) throw new ApiError(409, 'last_manager', `${user.email} is the last active manager: make someone else a manager first`);
    }
    if ('remove' in change) {
      // Sessions and tokens go with the user (ON DELETE CASCADE).
      await tx.delete(users).where(eq(users.id, user.id));
      return user;
    }
    const now = new Date();
    const values = 'role' in change ? { role: change.role } : 'disabled' in change ? { disabledAt: change.disabled ? now : null } : { passwordHash: passwordHash! };
    const [updated] = await tx.update(users).set({ ...values, updatedAt: now }).where(eq(users.id, user.id)).returning();
    if (('disabled' in change && change.disabled) || 'password' in change) {
      await tx.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)));
    }
    if ('disabled' in change && change.disabled) await tx.update(apiTokens).set({ revokedAt: now }).where(and(eq(apiTokens.userId, user.id), isNull(apiTokens.revokedAt)));
    return updated!;
  });
}

/** What the API shows of a user: never the password hash. */
export function userView(row: UserRow) {
  return { id: row.id, email: row.email, displayName: row.displayName, role: row.role as Role, disabled: row.disabledAt !== null, passwordSignIn: row.passwordHash !== null, createdAt: row.createdAt.toISOString(), createdBy: row.createdBy };
}
