/**
 * Signed-in callers are looked up in the database once per CACHE_TTL_MS, not on every request:
 * that lookup is most of what authentication costs (docs/benchmarks.md). Revocation still takes
 * effect at once: a trigger (migration 0007) NOTIFYs `restore_drill_auth` whenever a session or
 * token is revoked or removed, or a user is disabled, removed, renamed or given another role,
 * and every API instance LISTENing empties its cache. Nothing is cached until the LISTEN is
 * confirmed, and the cache is emptied whenever it is confirmed again (after a reconnect); what a
 * lost notification can leave is bounded by the TTL.
 */
import type { Sql } from 'postgres';

export const CACHE_TTL_MS = 10_000;
export const AUTH_CHANGES_CHANNEL = 'restore_drill_auth';
/** A bound, not an LRU: past it the cache starts over (a flood of distinct credentials is not the common case). */
const MAX_ENTRIES = 10_000;

export class CredentialCache<T> {
  private readonly entries = new Map<string, { value: T; cachedAt: number }>();
  private listening = false;
  /** Bumped by every clear: a lookup that started before a revocation must not be stored after it. */
  private generation = 0;

  /** Take before a database lookup, give back to `set` with its result. */
  mark(): number {
    return this.generation;
  }

  get(key: string, now = Date.now()): T | undefined {
    if (!this.listening) return undefined;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.cachedAt >= CACHE_TTL_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, mark: number, now = Date.now()): void {
    if (!this.listening || mark !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, cachedAt: now });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Caching starts once the database confirms the LISTEN; `stop` ends it. */
  async listen(sql: Sql): Promise<{ stop(): Promise<void> }> {
    const subscription = await sql.listen(
      AUTH_CHANGES_CHANNEL,
      () => this.clear(),
      () => {
        this.clear();
        this.listening = true;
      },
    );
    return {
      stop: async () => {
        this.listening = false;
        this.clear();
        await subscription.unlisten();
      },
    };
  }
}
