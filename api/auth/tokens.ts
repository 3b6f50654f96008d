/** Personal API tokens: made, listed and revoked by their owner; disabled or removed users lose them at once. */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { apiTokens, type ApiTokenRow } from '../../db/schema/api-tokens.js';
import { users, type UserRow } from '../../db/schema/users.js';
import { hashSecret, newId, newSecret } from './secrets.js';

const TOUCH_EVERY_MS = 60_000;

export async function createToken(db: HistoryDb, userId: string, name: string, expiresAt: Date | null): Promise<{ secret: string; row: ApiTokenRow }> {
  const { secret, hash, prefix } = newSecret('rdt');
  const [row] = await db.insert(apiTokens).values({ id: newId('tok'), userId, name, secretHash: hash, prefix, expiresAt }).returning();
  return { secret, row: row! };
}

export type TokenLookup = { found: { token: ApiTokenRow; user: UserRow } } | { refused: 'unknown' | 'expired' | 'revoked' | 'disabled' };

export async function lookupToken(db: HistoryDb, secret: string): Promise<TokenLookup> {
  const [row] = await db.select({ token: apiTokens, user: users }).from(apiTokens).innerJoin(users, eq(users.id, apiTokens.userId)).where(eq(apiTokens.secretHash, hashSecret(secret)));
  if (!row) return { refused: 'unknown' };
  if (row.token.revokedAt) return { refused: 'revoked' };
  if (row.user.disabledAt) return { refused: 'disabled' };
  const now = Date.now();
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= now) return { refused: 'expired' };
  if (!row.token.lastUsedAt || now - row.token.lastUsedAt.getTime() > TOUCH_EVERY_MS) await db.update(apiTokens).set({ lastUsedAt: new Date(now) }).where(eq(apiTokens.id, row.token.id));
  return { found: row };
}

export function listTokens(db: HistoryDb, userId: string): Promise<ApiTokenRow[]> {
  return db.select().from(apiTokens).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).orderBy(desc(apiTokens.createdAt));
}

export async function revokeToken(db: HistoryDb, userId: string, tokenId: string): Promise<boolean> {
  const revoked = await db.update(apiTokens).set({ revokedAt: new Date() }).where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).returning({ id: apiTokens.id });
  return revoked.length > 0;
}

export function tokenView(row: ApiTokenRow) {
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.createdAt.toISOString(), expiresAt: row.expiresAt?.toISOString() ?? null, lastUsedAt: row.lastUsedAt?.toISOString() ?? null };
}
