/**
 * Sign-in end to end against the real API and history database: passwords, sessions, throttling
 * that survives a restart, tokens, roles and the last-manager rule, the first manager's setup,
 * and the audit trail of all of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareApiAuth } from '../../api/auth/api-auth.js';
import { loadConfig } from '../../core/config.js';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { apiCaller } from '../support/api-calls.js';
import { TEST_PASSWORD, useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { scratchHistoryDatabase } from '../support/scratch-history.js';

let env: DrillTestEnv;
useDrillTestEnv('auth', (created) => (env = created));

let api: ApiServer;
const anonymous = apiCaller(() => api.url);
const asManager = apiCaller(() => api.url, () => env.manager.token);

beforeAll(async () => {
  api = await env.startApi();
});

async function login(email: string, password: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email, password }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cookie: response.headers.get('set-cookie') ?? '' };
}

describe('password sign-in', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie that logout ends on the server', async () => {
    const user = await env.signIn('signin@example.com', 'user');
    const answer = await login('SignIn@Example.com', user.password);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ user: { email: 'signin@example.com', role: 'user' }, via: 'session' });
    expect(answer.cookie).toMatch(/^rd_session=rds_[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const cookie = answer.cookie.split(';')[0]!;
    const me = await anonymous('GET', '/api/auth/me', undefined, { cookie });
    expect(me).toMatchObject({ status: 200, body: { user: { email: 'signin@example.com' } } });
    expect((await anonymous('POST', '/api/auth/logout', undefined, { cookie, origin: api.url })).status).toBe(204);
    expect(await anonymous('GET', '/api/auth/me', undefined, { cookie })).toMatchObject({ status: 401, body: { code: 'unauthorized', message: 'the session was ended: sign in again' } });
  });

  it('answers a wrong password, an unknown account and a disabled one alike', async () => {
    const disabled = await env.signIn('disabled@example.com', 'user');
    expect((await asManager('PATCH', '/api/users/disabled@example.com', { disabled: true })).status).toBe(200);
    const answers = await Promise.all([login('signin@example.com', 'not the password at all'), login('nobody@example.com', TEST_PASSWORD), login(disabled.email, disabled.password)]);
    for (const answer of answers) expect(answer).toMatchObject({ status: 401, body: { code: 'invalid_credentials', message: 'wrong email or password' }, cookie: '' });
  });

  it('locks an account after 5 failures, and the lock survives a restart of the API', async () => {
    const user = await env.signIn('throttled@example.com', 'user');
    for (let i = 0; i < 5; i++) expect((await login(user.email, `wrong password ${i}`)).status).toBe(401);
    const locked = await fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(await locked.json()).toMatchObject({ code: 'too_many_attempts' });
    const restarted = await env.startApi();
    const again = await fetch(`${restarted.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) });
    expect(again.status).toBe(429);
  });

  it('refuses malformed bodies, confusable emails and oversized requests with specific codes', async () => {
    expect(await anonymous('POST', '/api/auth/login', { email: 'not an email', password: 'x' })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect(await anonymous('POST', '/api/auth/login', '{"email":')).toMatchObject({ status: 400, body: { code: 'malformed_json' } });
    expect(await anonymous('POST', '/api/auth/login', { email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) })).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    // Full-width letters fold into the plain address: one account, not a look-alike second one.
    expect(await asManager('POST', '/api/users', { email: 'ｓｉｇｎｉｎ@example.com', role: 'user' })).toMatchObject({ status: 409, body: { code: 'conflict' } });
  });
});

describe('tokens, roles and the last manager', () => {
  it('a token is shown once, works until revoked, and a user cannot reach manager routes', async () => {
    const user = await env.signIn('tokens@example.com', 'user');
    const asUser = apiCaller(() => api.url, () => user.token);
    const made = await asUser('POST', '/api/tokens', { name: 'ci', expiresInDays: 30 });
    expect(made).toMatchObject({ status: 201, body: { name: 'ci', token: expect.stringMatching(/^rdt_[\w-]{43}$/), prefix: expect.stringMatching(/^rdt_.{6}…$/) } });
    const secret = (made.body as { token: string; id: string }).token;
    const listed = await asUser('GET', '/api/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await anonymous('GET', '/api/plans', undefined, { authorization: `Bearer ${secret}` })).status).toBe(200);
    expect(await asUser('GET', '/api/users')).toMatchObject({ status: 403, body: { code: 'forbidden', message: 'users are for managers; ask a manager to change your role' } });
    expect((await asUser('DELETE', `/api/tokens/${(made.body as { id: string }).id}`)).status).toBe(204);
    expect(await anonymous('GET', '/api/plans', undefined, { authorization: `Bearer ${secret}` })).toMatchObject({ status: 401, body: { code: 'token_invalid', message: 'the API token was revoked' } });
  });

  it('the last active manager cannot be demoted, disabled or removed; removing a user ends their tokens at once', async () => {
    const history = await scratchHistoryDatabase('last-manager');
    try {
      const dataDir = fs.mkdtempSync(path.join(env.scratchDir, 'last-manager-'));
      const own = await startApiServer({ ...env.apiDeps(), db: history.db, auth: await prepareApiAuth(history.db, { ...loadConfig(), dataDir }, () => {}), host: '127.0.0.1', port: 0 });
      try {
        const token = fs.readFileSync(path.join(dataDir, 'setup-token'), 'utf8').trim();
        const setup = await fetch(`${own.url}/api/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ setupToken: token, email: 'only@example.com', password: TEST_PASSWORD }) });
        expect(setup.status).toBe(201);
        expect(fs.existsSync(path.join(dataDir, 'setup-token'))).toBe(false);
        const cookie = setup.headers.get('set-cookie')!.split(';')[0]!;
        const call = apiCaller(() => own.url);
        const asOnly = { cookie, origin: own.url };
        const again = await call('POST', '/api/auth/setup', { setupToken: token, email: 'second@example.com', password: TEST_PASSWORD });
        expect(again).toMatchObject({ status: 409, body: { code: 'already_set_up' } });
        for (const change of [{ role: 'user' }, { disabled: true }]) {
          expect(await call('PATCH', '/api/users/only@example.com', change, asOnly)).toMatchObject({ status: 409, body: { code: 'last_manager', message: 'only@example.com is the last active manager: make someone else a manager first' } });
        }
        expect((await call('DELETE', '/api/users/only@example.com', undefined, asOnly)).status).toBe(409);
        const added = await call('POST', '/api/users', { email: 'temp@example.com', role: 'user' }, asOnly);
        const password = (added.body as { initialPassword: string }).initialPassword;
        expect(password).toMatch(/^[\w-]{24}$/);
        const tempLogin = await fetch(`${own.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'temp@example.com', password }) });
        const tempCookie = tempLogin.headers.get('set-cookie')!.split(';')[0]!;
        const tempToken = (await call('POST', '/api/tokens', { name: 'script' }, { cookie: tempCookie, origin: own.url })).body as { token: string };
        expect((await call('DELETE', '/api/users/temp@example.com', undefined, asOnly)).status).toBe(204);
        expect((await call('GET', '/api/plans', undefined, { authorization: `Bearer ${tempToken.token}` })).status).toBe(401);
        expect((await call('GET', '/api/plans', undefined, { cookie: tempCookie })).status).toBe(401);
      } finally {
        await own.close();
      }
    } finally {
      await history.close();
    }
  });
});

describe('the audit trail', () => {
  it('records sign-ins and their failures, user changes and plan writes, and cannot be changed', async () => {
    await login('audited@example.com', 'no such account here');
    await asManager('POST', '/api/users', { email: 'audited@example.com', role: 'user' });
    await asManager('PATCH', '/api/users/audited@example.com', { role: 'manager' });
    await asManager('POST', '/api/plans', { name: 'audited plan', engine: 'postgres', source: { kind: 'file', path: '/backups/x.dump' } });
    const page = await asManager('GET', '/api/audit?limit=500');
    const events = (page.body as { events: Array<{ action: string; actor: string; target: string | null; outcome: string; address: string | null }> }).events;
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'auth.login', target: 'audited@example.com', outcome: 'denied', actor: expect.stringMatching(/^anonymous /) }),
        expect.objectContaining({ action: 'users.create', target: 'audited@example.com', outcome: 'ok', actor: `${env.manager.email} (token tests)` }),
        expect.objectContaining({ action: 'users.role', target: 'audited@example.com', outcome: 'ok' }),
        expect.objectContaining({ action: 'plans.create', outcome: 'ok' }),
      ]),
    );
    expect(events.every((e) => e.address !== null)).toBe(true);
    const filtered = await asManager('GET', '/api/audit?action=users.&limit=1');
    expect((filtered.body as { events: unknown[]; nextCursor: string | null }).events).toHaveLength(1);
    expect((filtered.body as { nextCursor: string | null }).nextCursor).toMatch(/^\d+$/);
    await expect(env.query('UPDATE audit_events SET outcome = $1', ['ok'])).rejects.toThrow(/audit_events is append-only: UPDATE is refused/);
    await expect(env.query('DELETE FROM audit_events')).rejects.toThrow(/append-only: DELETE is refused/);
    await expect(env.query('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE is refused/);
  });
});
