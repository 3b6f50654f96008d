/**
 * The credential cache against a real database: it caches (a lookup that would now fail still
 * answers from it), and any revocation, made by whatever path, empties it at once through the
 * trigger's NOTIFY, in every instance listening.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchHistoryDatabase } from '../../test/support/scratch-history.js';
import { eventually } from '../../test/support/wait.js';
import { sqlClientOf } from '../../db/client.js';
import { authenticate, type AuthEnv, type CachedCaller } from '../middleware/authenticate.js';
import { handleErrors } from '../middleware/errors.js';
import { CredentialCache } from './credential-cache.js';
import { createToken } from './tokens.js';
import { createUser } from './users.js';

let history: Awaited<ReturnType<typeof scratchHistoryDatabase>>;
const instances: Array<{ app: Hono<AuthEnv>; stop(): Promise<void> }> = [];
const limits = { idleMs: 60 * 60_000, maxAgeMs: 24 * 60 * 60_000 };

beforeAll(async () => {
  history = await scratchHistoryDatabase('credential_cache');
  for (let i = 0; i < 2; i++) {
    const cache = new CredentialCache<CachedCaller>();
    const feed = await cache.listen(sqlClientOf(history.db)!);
    const app = new Hono<AuthEnv>().use('*', authenticate({ db: history.db, limits, publicPaths: new Set(), cache })).get('/who', (c) => c.json({ name: c.var.actor.name }));
    app.onError(handleErrors);
    instances.push({ app, stop: feed.stop });
  }
});
afterAll(async () => {
  for (const instance of instances) await instance.stop();
  await history?.close();
});

const sql = (...args: Parameters<NonNullable<ReturnType<typeof sqlClientOf>>>) => sqlClientOf(history.db)!(...args);
const status = async (instance: number, secret: string) => (await instances[instance]!.app.request('/who', { headers: { authorization: `Bearer ${secret}` } })).status;

describe('credential cache', () => {
  it('answers from the cache, and forgets everything the moment access is revoked in the database', async () => {
    const user = await createUser(history.db, { email: 'cached@example.com', role: 'user', createdBy: 'test' });
    const { secret, row } = await createToken(history.db, user.id, 'ci', null);
    expect([await status(0, secret), await status(1, secret)]).toEqual([200, 200]);
    // The trigger does not watch secret_hash: only a cache can still know this token now.
    await sql`UPDATE api_tokens SET secret_hash = 'changed' WHERE id = ${row.id}`;
    expect([await status(0, secret), await status(1, secret)]).toEqual([200, 200]);
    // A revocation that no API instance made (a script, psql): both stop accepting the token.
    await sql`UPDATE api_tokens SET revoked_at = now() WHERE id = ${row.id}`;
    await eventually('both instances to refuse the revoked token', async () => (await status(0, secret)) === 401 && (await status(1, secret)) === 401, 2_000);
  });

  it('does not keep a lookup that was under way when access was revoked', async () => {
    const cache = new CredentialCache<string>();
    const feed = await cache.listen(sqlClientOf(history.db)!);
    try {
      const before = cache.mark();
      cache.clear();
      cache.set('caller', 'read before the revocation', before);
      expect(cache.get('caller')).toBeUndefined();
      cache.set('caller', 'read after it', cache.mark());
      expect(cache.get('caller')).toBe('read after it');
    } finally {
      await feed.stop();
    }
  });

  it('forgets a user disabled behind its back', async () => {
    const user = await createUser(history.db, { email: 'disabled-later@example.com', role: 'user', createdBy: 'test' });
    const { secret } = await createToken(history.db, user.id, 'ci', null);
    expect(await status(0, secret)).toBe(200);
    await sql`UPDATE users SET disabled_at = now() WHERE id = ${user.id}`;
    await eventually('the disabled user to be refused', async () => (await status(0, secret)) === 401, 2_000);
  });
});
