/**
 * Sign-in throttling per account and per client address, kept in the database so a restart does
 * not reset it. Failures count within a window; reaching the limit locks the key for a while.
 * A success clears the account's count (not the address's: one good password must not launder a
 * spraying address).
 */
import { inArray, sql } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { loginThrottle } from '../../db/schema/login-throttle.js';

const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;
export const ACCOUNT_FAILURE_LIMIT = 5;
export const ADDRESS_FAILURE_LIMIT = 30;

export const accountKey = (email: string) => `account:${email}`;
export const addressKey = (address: string) => `address:${address}`;

/** When the earliest of these keys unlocks, if any is locked now. */
export async function lockedUntil(db: HistoryDb, keys: string[]): Promise<Date | undefined> {
  const rows = await db.select().from(loginThrottle).where(inArray(loginThrottle.key, keys));
  const now = Date.now();
  const locks = rows.map((row) => row.lockedUntil).filter((until): until is Date => until !== null && until.getTime() > now);
  return locks.length > 0 ? new Date(Math.max(...locks.map((d) => d.getTime()))) : undefined;
}

export async function recordFailure(db: HistoryDb, key: string, limit: number): Promise<void> {
  const window = sql.raw(`interval '${WINDOW_MS / 1000} seconds'`);
  const lock = sql.raw(`interval '${LOCK_MS / 1000} seconds'`);
  await db.execute(sql`
    INSERT INTO login_throttle (key, failures, window_started_at, locked_until)
    VALUES (${key}, 1, now(), CASE WHEN ${limit}::int <= 1 THEN now() + ${lock} END)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN login_throttle.window_started_at < now() - ${window} THEN 1 ELSE login_throttle.failures + 1 END,
      window_started_at = CASE WHEN login_throttle.window_started_at < now() - ${window} THEN now() ELSE login_throttle.window_started_at END,
      locked_until = CASE WHEN login_throttle.window_started_at >= now() - ${window} AND login_throttle.failures + 1 >= ${limit}::int THEN now() + ${lock} ELSE login_throttle.locked_until END`);
}

export async function clearFailures(db: HistoryDb, key: string): Promise<void> {
  await db.delete(loginThrottle).where(inArray(loginThrottle.key, [key]));
}
