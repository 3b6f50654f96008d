/**
 * Server-side sessions: the cookie carries a random secret, this table its hash. A session is
 * good until its absolute expiry, until it has been idle too long, until it is revoked, or until
 * its user is disabled; `lastSeenAt` is written at most once a minute per session.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { sessions, type SessionRow } from '../../db/schema/sessions.js';
import { users, type UserRow } from '../../db/schema/users.js';
import { hashSecret, newId, newSecret } from './secrets.js';

export const SESSION_COOKIE = 'rd_session';
const TOUCH_EVERY_MS = 60_000;

export interface SessionLimits {
  idleMs: number;
  maxAgeMs: number;
}

export async function createSession(db: HistoryDb, userId: string, limits: SessionLimits, client: { address: string; userAgent?: string }): Promise<{ secret: string; row: SessionRow }> {
  const { secret, hash } = newSecret('rds');
  const [row] = await db
    .insert(sessions)
    .values({ id: newId('ses'), secretHash: hash, userId, expiresAt: new Date(Date.now() + limits.maxAgeMs), address: client.address, userAgent: client.userAgent?.slice(0, 300) ?? null })
    .returning();
  return { secret, row: row! };
}

export type SessionLookup = { found: { session: SessionRow; user: UserRow } } | { refused: 'unknown' | 'expired' | 'revoked' | 'disabled' };

export async function lookupSession(db: HistoryDb, secret: string, limits: SessionLimits): Promise<SessionLookup> {
  const [row] = await db.select({ session: sessions, user: users }).from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.secretHash, hashSecret(secret)));
  if (!row) return { refused: 'unknown' };
  const now = Date.now();
  if (row.session.revokedAt) return { refused: 'revoked' };
  if (row.user.disabledAt) return { refused: 'disabled' };
  if (row.session.expiresAt.getTime() <= now || row.session.lastSeenAt.getTime() + limits.idleMs <= now) return { refused: 'expired' };
  if (now - row.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) await db.update(sessions).set({ lastSeenAt: new Date(now) }).where(eq(sessions.id, row.session.id));
  return { found: row };
}

export async function revokeSession(db: HistoryDb, userId: string, sessionId: string): Promise<boolean> {
  const revoked = await db.update(sessions).set({ revokedAt: new Date() }).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt))).returning({ id: sessions.id });
  return revoked.length > 0;
}

export async function revokeAllSessions(db: HistoryDb, userId: string): Promise<number> {
  const revoked = await db.update(sessions).set({ revokedAt: new Date() }).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))).returning({ id: sessions.id });
  return revoked.length;
}

export function listSessions(db: HistoryDb, userId: string): Promise<SessionRow[]> {
  return db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))).orderBy(desc(sessions.lastSeenAt));
}
