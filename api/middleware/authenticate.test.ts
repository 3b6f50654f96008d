import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../auth/sessions.js';
import { createToken, revokeToken } from '../auth/tokens.js';
import { changeUser, createUser } from '../auth/users.js';
import { scratchHistoryDatabase } from '../../test/support/scratch-history.js';
import { authenticate, type AuthEnv } from './authenticate.js';
import { handleErrors } from './errors.js';

let history: Awaited<ReturnType<typeof scratchHistoryDatabase>>;
let app: Hono<AuthEnv>;
const limits = { idleMs: 60 * 60_000, maxAgeMs: 24 * 60 * 60_000 };

beforeAll(async () => {
  history = await scratchHistoryDatabase('authenticate');
  app = new Hono<AuthEnv>()
    .use('*', authenticate({ db: history.db, limits, publicPaths: new Set(['/open']), metricsToken: 'scrape-token-of-sixteen+' }))
    .get('/who', (c) => c.json({ kind: c.var.actor.kind, name: c.var.actor.name }))
    .post('/who', (c) => c.json({ kind: c.var.actor.kind }))
    .get('/open', (c) => c.json({ kind: c.var.actor.kind }))
    .get('/metrics', (c) => c.json({ kind: c.var.actor.kind }));
  app.onError(handleErrors);
});
afterAll(async () => {
  await history?.close();
});

const answer = async (path: string, init?: RequestInit) => {
  const response = await app.request(path, init);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

describe('authenticate', () => {
  it('lets nobody in without credentials but the public paths, and says how to sign in', async () => {
    expect(await answer('/who')).toEqual({ status: 401, body: { code: 'unauthorized', message: expect.stringContaining('sign in first: send an API token') } });
    expect(await answer('/open')).toEqual({ status: 200, body: { kind: 'anonymous' } });
  });

  it('names a token holder, and refuses a revoked, expired or malformed token each with its own words', async () => {
    const user = await createUser(history.db, { email: 'ana@example.com', role: 'user', createdBy: 'test' });
    const { secret, row } = await createToken(history.db, user.id, 'ci', null);
    expect(await answer('/who', { headers: { authorization: `Bearer ${secret}` } })).toEqual({ status: 200, body: { kind: 'user', name: 'ana@example.com (token ci)' } });
    await revokeToken(history.db, user.id, row.id);
    expect(await answer('/who', { headers: { authorization: `Bearer ${secret}` } })).toEqual({ status: 401, body: { code: 'token_invalid', message: 'the API token was revoked' } });
    const expired = await createToken(history.db, user.id, 'old', new Date(Date.now() - 1000));
    expect((await answer('/who', { headers: { authorization: `Bearer ${expired.secret}` } })).body.message).toBe('the API token has expired');
    expect(await answer('/who', { headers: { authorization: 'Bearer rdt_not-a-token' } })).toMatchObject({ status: 401, body: { code: 'token_invalid' } });
    expect(await answer('/who', { headers: { authorization: 'Basic YTpi' } })).toMatchObject({ status: 401, body: { code: 'unauthorized', message: 'the Authorization header must be "Bearer <token>"' } });
  });

  it('takes a session cookie, refuses an expired or malformed one, and a write without Origin', async () => {
    const user = await createUser(history.db, { email: 'bo@example.com', role: 'manager', createdBy: 'test' });
    const { secret } = await createSession(history.db, user.id, limits, { address: 'test' });
    const cookie = { cookie: `rd_session=${secret}` };
    expect(await answer('/who', { headers: cookie })).toEqual({ status: 200, body: { kind: 'user', name: 'bo@example.com' } });
    expect(await answer('/who', { method: 'POST', headers: cookie })).toMatchObject({ status: 403, body: { code: 'forbidden', message: expect.stringContaining('must come from this site') } });
    expect(await answer('/who', { method: 'POST', headers: { ...cookie, origin: 'http://127.0.0.1:8080' } })).toEqual({ status: 200, body: { kind: 'user' } });
    expect(await answer('/who', { headers: { cookie: 'rd_session=garbage' } })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    const stale = await createSession(history.db, user.id, { idleMs: 1, maxAgeMs: 1 }, { address: 'test' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await answer('/who', { headers: { cookie: `rd_session=${stale.secret}` } })).toMatchObject({ status: 401, body: { code: 'session_expired' } });
    // A stale cookie does not stand in the way of signing in again.
    expect(await answer('/open', { headers: { cookie: `rd_session=${stale.secret}` } })).toEqual({ status: 200, body: { kind: 'anonymous' } });
  });

  it('ends a disabled user\'s sessions and tokens at once', async () => {
    const user = await createUser(history.db, { email: 'cy@example.com', role: 'user', createdBy: 'test' });
    const { secret } = await createSession(history.db, user.id, limits, { address: 'test' });
    const token = await createToken(history.db, user.id, 'ci', null);
    await changeUser(history.db, user.id, { disabled: true });
    expect((await answer('/who', { headers: { cookie: `rd_session=${secret}` } })).status).toBe(401);
    expect((await answer('/who', { headers: { authorization: `Bearer ${token.secret}` } })).status).toBe(401);
  });

  it('takes the scrape token on /metrics only', async () => {
    expect(await answer('/metrics', { headers: { authorization: 'Bearer scrape-token-of-sixteen+' } })).toEqual({ status: 200, body: { kind: 'metrics' } });
    expect((await answer('/who', { headers: { authorization: 'Bearer scrape-token-of-sixteen+' } })).status).toBe(401);
  });
});
