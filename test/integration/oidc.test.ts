/**
 * Sign-in through a real OpenID Provider (oidc-provider on loopback): code + PKCE, the state bound
 * to the browser, users matched by subject or verified email, a claim that makes managers, and
 * the refusals (wrong state, replayed code, expired ID token, unverified email, no account,
 * access denied, an open redirect), each with its stable code; then SSO-only mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oidcSignIn, type ApiAuth } from '../../api/auth/api-auth.js';
import { startApiServer, type ApiServer } from '../../api/server.js';
import type { OidcConfig } from '../../core/config.js';
import { freePort } from '../../scripts/services/ports.js';
import { apiCaller } from '../support/api-calls.js';
import { useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { startOidcProvider, type TestOidcAccount, type TestOidcProvider } from '../support/oidc-provider.js';

let env: DrillTestEnv;
useDrillTestEnv('oidc', (created) => (env = created));

const ana: TestOidcAccount = { sub: 'ana-0001', email: 'ana.oidc@example.com', emailVerified: true, name: 'Ana', groups: ['staff'] };
const boss: TestOidcAccount = { sub: 'boss-0002', email: 'boss.oidc@example.com', emailVerified: true, groups: ['staff', 'rd-managers'] };
const unverified: TestOidcAccount = { sub: 'eve-0003', email: 'ana.oidc@example.com', emailVerified: false };
const stranger: TestOidcAccount = { sub: 'zed-0004', email: 'zed.oidc@example.com', emailVerified: true };

let provider: TestOidcProvider;
const apis: Record<'plain' | 'creating' | 'skewed' | 'ssoOnly', ApiServer> = {} as never;

beforeAll(async () => {
  const ports = { plain: await freePort(), creating: await freePort(), skewed: await freePort(), ssoOnly: await freePort() };
  // A 20 s ID token: valid for a host whose clock agrees, expired for one 60 s ahead (past openid-client's 30 s tolerance).
  provider = await startOidcProvider({ redirectUris: Object.values(ports).map((port) => `http://127.0.0.1:${port}/api/auth/oidc/callback`), accounts: [ana], idTokenTtlSeconds: 20 });
  await env.vault.add({ name: 'oidc-test-client', kind: 'oidc-client', material: `${provider.clientSecret}\n` });
  const oidc = (createUsers: boolean): OidcConfig => ({ issuer: provider.issuer, clientId: provider.clientId, clientSecretCredential: 'oidc-test-client', scopes: 'openid email profile groups', managerClaim: { claim: 'groups', value: 'rd-managers' }, createUsers });
  const start = async (name: keyof typeof apis, createUsers: boolean, extra: Partial<ApiAuth> = {}, clockSkewSeconds?: number) => {
    const base = env.apiDeps();
    const publicUrl = `http://127.0.0.1:${ports[name]}`;
    const auth: ApiAuth = { ...base.auth, oidc: oidcSignIn(env.history.db, { oidc: oidc(createUsers), publicUrl }, env.vault, { clockSkewSeconds }), ...extra };
    apis[name] = await startApiServer({ ...base, links: { ...base.links, appUrl: publicUrl }, auth, host: '127.0.0.1', port: ports[name] });
  };
  await start('plain', false);
  await start('creating', true);
  await start('skewed', false, {}, 60);
  await start('ssoOnly', false, { passwordSignIn: false });
  await env.signIn(ana.email, 'user');
});

afterAll(async () => {
  for (const api of Object.values(apis)) await api?.close();
  await provider?.close();
});

interface Attempt {
  status: number;
  location: string | null;
  session: string | null;
  body: unknown;
}

/** The browser's part: start, sign in at the provider as `account`, come back with the state cookie. */
async function signInThrough(api: ApiServer, account: TestOidcAccount | null, options: { returnTo?: string; stateCookie?: (own: string) => string } = {}): Promise<Attempt & { callback: URL; stateCookie: string }> {
  const started = await fetch(`${api.url}/api/auth/oidc/start${options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ''}`, { redirect: 'manual' });
  expect(started.status).toBe(302);
  const stateCookie = started.headers.get('set-cookie')!.split(';')[0]!;
  expect(stateCookie).toMatch(/^rd_oidc_state=/);
  provider.signInAs(account);
  const callback = await provider.authorize(started.headers.get('location')!);
  return { ...(await comeBack(api, callback, options.stateCookie ? options.stateCookie(stateCookie) : stateCookie)), callback, stateCookie };
}

async function comeBack(api: ApiServer, callback: URL, stateCookie: string): Promise<Attempt> {
  expect(callback.origin).toBe(new URL(api.url).origin);
  const response = await fetch(`${api.url}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: stateCookie } });
  const session = response.headers.getSetCookie().find((c) => c.startsWith('rd_session='))?.split(';')[0] ?? null;
  const text = await response.text();
  return { status: response.status, location: response.headers.get('location'), session, body: text ? JSON.parse(text) : null };
}

const me = async (api: ApiServer, session: string) => apiCaller(() => api.url)('GET', '/api/auth/me', undefined, { cookie: session });

describe('OpenID Connect sign-in', () => {
  it('signs an existing user in by verified email, lands where they were going, and keeps them a user', async () => {
    const attempt = await signInThrough(apis.plain, ana, { returnTo: '/drills?plan=nightly' });
    expect(attempt).toMatchObject({ status: 302, location: '/drills?plan=nightly', session: expect.stringMatching(/^rd_session=rds_/) });
    expect(await me(apis.plain, attempt.session!)).toMatchObject({ status: 200, body: { user: { email: ana.email, role: 'user' }, via: 'session' } });
    const call = apiCaller(() => apis.plain.url);
    expect((await call('GET', '/api/plans', undefined, { cookie: attempt.session! })).status).toBe(200);
    expect(await call('GET', '/api/users', undefined, { cookie: attempt.session! })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const [linked] = await env.query<{ oidc_subject: string }>('SELECT oidc_subject FROM users WHERE email = $1', [ana.email]);
    expect(linked!.oidc_subject).toBe(`${provider.issuer} ${ana.sub}`);
  });

  it('refuses a callback whose state is not the one this browser started, without using up the sign-in', async () => {
    const mine = await signInThrough(apis.plain, ana, { stateCookie: () => 'rd_oidc_state=someone-elses-state' });
    expect(mine).toMatchObject({ status: 400, session: null, body: { code: 'oidc_state_mismatch' } });
    // The same callback with its own browser's cookie still works: a forged request cannot burn it.
    expect(await comeBack(apis.plain, mine.callback, mine.stateCookie)).toMatchObject({ status: 302, session: expect.any(String) });
  });

  it('refuses a replayed callback, and a code someone else redeemed first at the provider', async () => {
    const first = await signInThrough(apis.plain, ana);
    expect(first.status).toBe(302);
    expect(await comeBack(apis.plain, first.callback, first.stateCookie)).toMatchObject({ status: 400, session: null, body: { code: 'oidc_state_mismatch' } });

    const started = await fetch(`${apis.plain.url}/api/auth/oidc/start`, { redirect: 'manual' });
    const stateCookie = started.headers.get('set-cookie')!.split(';')[0]!;
    provider.signInAs(ana);
    const callback = await provider.authorize(started.headers.get('location')!);
    // A thief with the code and the verifier redeems it first: the provider then refuses the real callback.
    const [login] = await env.query<{ code_verifier: string }>('SELECT code_verifier FROM oidc_logins ORDER BY created_at DESC LIMIT 1');
    const stolen = await fetch(`${provider.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: `${apis.plain.url}/api/auth/oidc/callback`, code_verifier: login!.code_verifier }),
    });
    expect(stolen.status).toBe(200);
    expect(await comeBack(apis.plain, callback, stateCookie)).toMatchObject({ status: 401, session: null, body: { code: 'oidc_failed', message: expect.stringContaining('invalid_grant') } });
    expect(provider.rejections).toContainEqual(expect.objectContaining({ error: 'invalid_grant', detail: 'authorization code already consumed' }));
  });

  it('refuses an ID token that has expired by the time it arrives', async () => {
    const attempt = await signInThrough(apis.skewed, ana);
    expect(attempt).toMatchObject({ status: 401, session: null, body: { code: 'oidc_failed', message: expect.stringContaining("check that this host's clock and the provider's agree") } });
  });

  it('never matches an unverified email, and says when no account exists', async () => {
    expect(await signInThrough(apis.plain, unverified)).toMatchObject({ status: 403, session: null, body: { code: 'oidc_no_account', message: expect.stringContaining('(ana.oidc@example.com is unverified)') } });
    expect(await signInThrough(apis.plain, stranger)).toMatchObject({ status: 403, session: null, body: { code: 'oidc_no_account', message: 'there is no Restore Drill account for zed.oidc@example.com: ask a manager to add you (drill user add)' } });
    expect(await signInThrough(apis.plain, null)).toMatchObject({ status: 401, session: null, body: { code: 'oidc_failed', message: expect.stringContaining('access_denied') } });
  });

  it('creates accounts when configured, and makes managers of the group the claim names', async () => {
    const attempt = await signInThrough(apis.creating, boss);
    expect(attempt.status).toBe(302);
    expect(await me(apis.creating, attempt.session!)).toMatchObject({ body: { user: { email: boss.email, role: 'manager', passwordSignIn: false } } });
    expect((await apiCaller(() => apis.creating.url)('GET', '/api/users', undefined, { cookie: attempt.session! })).status).toBe(200);
    // Leaving the group at the provider demotes at the next sign-in.
    const demoted = await signInThrough(apis.creating, { ...boss, groups: ['staff'] });
    expect(await me(apis.creating, demoted.session!)).toMatchObject({ body: { user: { email: boss.email, role: 'user' } } });
  });

  it('does not let a look-alike address take over an account', async () => {
    const lookalike: TestOidcAccount = { sub: 'mallory-0005', email: 'ａｎａ.oidc@example.com', emailVerified: true };
    expect(await signInThrough(apis.creating, lookalike)).toMatchObject({ status: 403, session: null, body: { code: 'oidc_no_account', message: expect.stringContaining('not one this system can match safely') } });
  });

  it('refuses an open redirect as the landing page', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const response = await fetch(`${apis.plain.url}/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('in SSO-only mode refuses passwords and says how to sign in', async () => {
    const call = apiCaller(() => apis.ssoOnly.url);
    expect(await call('GET', '/api/auth/providers')).toMatchObject({ status: 200, body: { password: false, oidc: { issuer: provider.issuer, start: '/api/auth/oidc/start' } } });
    expect(await call('POST', '/api/auth/login', { email: env.manager.email, password: env.manager.password })).toMatchObject({ status: 403, body: { code: 'password_sign_in_disabled' } });
    expect((await signInThrough(apis.ssoOnly, ana)).status).toBe(302);
    expect(await apiCaller(() => apis.plain.url)('GET', '/api/auth/providers')).toMatchObject({ body: { password: true } });
  });

  it('records every OpenID sign-in, good or refused, in the audit trail', async () => {
    const audit = await apiCaller(() => apis.plain.url, () => env.manager.token)('GET', '/api/audit?action=auth.oidc&limit=100');
    expect(audit.status).toBe(200);
    const events = audit.body.events as Array<{ actor: string; outcome: string; target: string | null; details: { code?: string } }>;
    expect(events).toContainEqual(expect.objectContaining({ actor: ana.email, outcome: 'ok', target: ana.email }));
    // Linking an account, creating one and a role set by the claim are each named.
    expect(events).toContainEqual(expect.objectContaining({ target: ana.email, details: expect.objectContaining({ changes: ['linked'] }) }));
    expect(events).toContainEqual(expect.objectContaining({ target: boss.email, details: expect.objectContaining({ changes: ['created'] }) }));
    expect(events).toContainEqual(expect.objectContaining({ target: boss.email, details: expect.objectContaining({ changes: ['demoted'] }) }));
    expect(events).toContainEqual(expect.objectContaining({ outcome: 'denied', details: expect.objectContaining({ code: 'oidc_state_mismatch' }) }));
    expect(events).toContainEqual(expect.objectContaining({ outcome: 'denied', details: expect.objectContaining({ code: 'oidc_no_account' }) }));
    expect(provider.serverErrors).toEqual([]);
  });
});
