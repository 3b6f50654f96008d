/**
 * `BENCH_SUITE=auth npm run bench`: what sign-in costs (target: p95 of a password sign-in at the
 * chosen argon2id cost) and what authentication adds to every request (target: ≤ 2 ms p95 on
 * `GET /api/drills`). Interleaved, round after round:
 *
 * - sign-in: **A** `POST /api/auth/login` over HTTP (throttle lookups, argon2id verify, session
 *   insert, audit row, cookie); **B** (baseline) the argon2id verify alone, in-process;
 * - `GET /api/drills?limit=50`: **T** with a personal API token, **S** with a session cookie, both
 *   through the whole app; **N** (baseline) the same drill routes mounted behind no gate at all (a
 *   fixed actor), on their own server in this process.
 *
 * The history is the cached bench dataset at BENCH_PLANS (100) plans and BENCH_DRILLS (10,000)
 * drills; BENCH_REQUESTS (500) rounds after BENCH_WARMUP (50).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { authenticate, type AuthEnv } from '../../api/middleware/authenticate.js';
import type { AddressInfo } from 'node:net';
import { hashPassword, verifyPassword } from '../../api/auth/passwords.js';
import { lookupSession } from '../../api/auth/sessions.js';
import { lookupToken } from '../../api/auth/tokens.js';
import { createUser, findUserByEmail } from '../../api/auth/users.js';
import { loadEvidenceSigner } from '../../api/evidence/signing-key.js';
import { drillRoutes } from '../../api/routes/drills.js';
import { router } from '../../api/routes/route-kit.js';
import { drillStarts } from '../../api/services/drill-starts.js';
import { startBenchApi, startBenchInfrastructure } from './api-stack.js';
import { log } from './datasets/dataset.js';
import { ensureHistoryDataset } from './datasets/history.js';
import { describeDataset, readRounds } from './history-report.js';
import { httpTimer } from './http-timer.js';
import { sampleInterleaved } from './interleaved-samples.js';
import { machine } from './harness.js';
import { againstTarget, ms, percentiles, ratio } from './latency.js';

const OVERHEAD_TARGET_MS = 2;
const LIST = '/api/drills?limit=50';
const PASSWORD = 'bench password of some length';
const SESSION_LIMITS = { idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000 };

export async function runAuthBench(benchDir: string): Promise<void> {
  const shape = { plans: Number(process.env.BENCH_PLANS ?? 100), drills: Number(process.env.BENCH_DRILLS ?? 10_000) };
  const rounds = readRounds({ warmup: 50, timed: 500 });
  const infrastructure = await startBenchInfrastructure(benchDir);
  const closers: Array<() => unknown> = [];
  try {
    const dataset = await ensureHistoryDataset(infrastructure.history.url, shape);
    const api = await startBenchApi(infrastructure, dataset.url);
    closers.push(() => api.close());
    const db = api.history.db;

    const email = `bench-signin-${process.pid}@restore-drill.invalid`;
    const user = (await findUserByEmail(db, email)) ?? (await createUser(db, { email, role: 'user', password: PASSWORD, createdBy: 'bench' }));
    const login = () =>
      fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: PASSWORD }) }).then(async (response) => {
        if (response.status !== 200) throw new Error(`sign-in: HTTP ${response.status}: ${await response.text()}`);
        return response.headers.get('set-cookie')!.split(';')[0]!;
      });
    const cookie = await login();
    const tokenSecret = (api.headers.authorization ?? '').replace(/^Bearer /, '');
    const sessionSecret = cookie.replace(/^rd_session=/, '');
    const hash = await hashPassword(PASSWORD);

    // The same drill routes behind nothing: what a request costs without the gate, same-origin, audit or headers.
    const bare = router();
    bare.use('*', async (c, next) => {
      c.set('actor', { kind: 'user', via: 'token', tokenId: 'bench', userId: user.id, email: user.email, role: 'user', name: user.email, address: '127.0.0.1' });
      await next();
    });
    const evidence = { db, signer: loadEvidenceSigner({ dataDir: await mkdtemp(path.join(os.tmpdir(), 'restore-drill-bench-evidence-')) }), issuer: 'bench' };
    bare.route('/api/drills', drillRoutes({ db, temporal: api.temporal, links: { appUrl: null, temporalUiUrl: null, namespace: 'default' }, starts: drillStarts(db, api.temporal), evidence }));
    const bareUrl = await new Promise<string>((resolve) => {
      const server = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => resolve(`http://127.0.0.1:${info.port}`));
      closers.push(() => new Promise((done) => server.close(() => done(undefined))));
    });

    const byToken = httpTimer(api.url, api.headers);
    const bySession = httpTimer(api.url, { cookie });
    const unauthenticated = httpTimer(bareUrl);
    closers.push(() => [byToken, bySession, unauthenticated].forEach((t) => t.close()));
    const sizes = await Promise.all([byToken, bySession, unauthenticated].map(async (t) => (await t.getOk(LIST)).body.length));
    if (new Set(sizes).size !== 1) throw new Error(`the three ways answer differently (${sizes.join(', ')} bytes): the comparison would be unfair`);

    // The gate alone, in-process: the same trivial handler behind authenticate() (with the API's cache) and behind nothing.
    const gated = new Hono<AuthEnv>().use('*', authenticate({ db, limits: SESSION_LIMITS, publicPaths: new Set(), cache: api.authCache })).get('/x', (c) => c.text(c.var.actor.name));
    const ungated = new Hono<AuthEnv>().get('/x', (c) => c.text('anonymous'));
    const inProcess = async (app: Hono<AuthEnv>, headers: Record<string, string>) => {
      const response = await app.request('/x', { headers });
      if (response.status !== 200) throw new Error(`in-process gate: HTTP ${response.status}`);
      return response.text();
    };

    log(`timing sign-in and ${LIST}: ${rounds.warmup} warm-up + ${rounds.timed} timed rounds…`);
    const samples = await sampleInterleaved(
      [
        { query: 'sign-in', ways: [{ name: 'login', run: () => login() }, { name: 'argon2', run: () => verifyPassword(hash, PASSWORD) }] },
        { query: 'gate', ways: [{ name: 'token', run: () => inProcess(gated, api.headers) }, { name: 'session', run: () => inProcess(gated, { cookie }) }, { name: 'none', run: () => inProcess(ungated, {}) }] },
        { query: 'lookup', ways: [{ name: 'token', run: () => lookupToken(db, tokenSecret) }, { name: 'session', run: () => lookupSession(db, sessionSecret, SESSION_LIMITS) }] },
        {
          query: 'list',
          ways: [
            { name: 'token', run: () => byToken.getOk(LIST) },
            { name: 'session', run: () => bySession.getOk(LIST) },
            { name: 'none', run: () => unauthenticated.getOk(LIST) },
          ],
        },
      ],
      rounds,
    );
    const p = (query: string, way: string) => percentiles(samples.get(query)!.get(way)!);
    const [loginP, argonP, tokenP, sessionP, noneP] = [p('sign-in', 'login'), p('sign-in', 'argon2'), p('list', 'token'), p('list', 'session'), p('list', 'none')];
    const [tokenLookupP, sessionLookupP] = [p('lookup', 'token'), p('lookup', 'session')];
    const [gateTokenP, gateSessionP, gateNoneP] = [p('gate', 'token'), p('gate', 'session'), p('gate', 'none')];
    console.log(
      [
        `### Sign-in and authentication overhead, ${new Date().toISOString().slice(0, 10)}`,
        '',
        `${machine(infrastructure.describe())}.`,
        `Dataset: ${describeDataset(dataset)}.`,
        `Method: ${rounds.timed} timed rounds after ${rounds.warmup} warm-up rounds, ways interleaved in rotating order; argon2id at m=19 MiB, t=2, p=1 (OWASP's minimum, api/auth/passwords.ts); sign-in with fetch, the lists over one keep-alive loopback connection per way, to the real API (\`createApp\` behind \`@hono/node-server\`) in this process.`,
        '',
        '| what | way | p50 | p95 | p99 | n |',
        '| --- | --- | --- | --- | --- | --- |',
        `| sign-in | **A** POST /api/auth/login | ${ms(loginP.p50)} | **${ms(loginP.p95)}** | ${ms(loginP.p99)} | ${loginP.count} |`,
        `| sign-in | **B** argon2id verify alone | ${ms(argonP.p50)} | ${ms(argonP.p95)} | ${ms(argonP.p99)} | ${argonP.count} |`,
        `| GET ${LIST} | **T** API token | ${ms(tokenP.p50)} | ${ms(tokenP.p95)} | ${ms(tokenP.p99)} | ${tokenP.count} |`,
        `| GET ${LIST} | **S** session cookie | ${ms(sessionP.p50)} | ${ms(sessionP.p95)} | ${ms(sessionP.p99)} | ${sessionP.count} |`,
        `| GET ${LIST} | **N** no gate (baseline) | ${ms(noneP.p50)} | ${ms(noneP.p95)} | ${ms(noneP.p99)} | ${noneP.count} |`,
        `| the gate in-process (cached caller) | token | ${ms(gateTokenP.p50)} | ${ms(gateTokenP.p95)} | ${ms(gateTokenP.p99)} | ${gateTokenP.count} |`,
        `| the gate in-process (cached caller) | session cookie | ${ms(gateSessionP.p50)} | ${ms(gateSessionP.p95)} | ${ms(gateSessionP.p99)} | ${gateSessionP.count} |`,
        `| the gate in-process | no gate (baseline) | ${ms(gateNoneP.p50)} | ${ms(gateNoneP.p95)} | ${ms(gateNoneP.p99)} | ${gateNoneP.count} |`,
        `| the gate's uncached lookup alone | token (one SELECT … JOIN users) | ${ms(tokenLookupP.p50)} | ${ms(tokenLookupP.p95)} | ${ms(tokenLookupP.p99)} | ${tokenLookupP.count} |`,
        `| the gate's uncached lookup alone | session (one SELECT … JOIN users) | ${ms(sessionLookupP.p50)} | ${ms(sessionLookupP.p95)} | ${ms(sessionLookupP.p99)} | ${sessionLookupP.count} |`,
        '',
        `- sign-in over HTTP vs argon2id alone: ${ratio(loginP.p50, argonP.p50)} at p50 (${ms(loginP.p50 - argonP.p50)} for the rest of the route)`,
        `- the gate itself, in-process (cached): token p50 ${ms(gateTokenP.p50 - gateNoneP.p50)}, p95 **${ms(gateTokenP.p95 - gateNoneP.p95)}**: ${againstTarget(gateTokenP.p95 - gateNoneP.p95, OVERHEAD_TARGET_MS)}; session p50 ${ms(gateSessionP.p50 - gateNoneP.p50)}, p95 **${ms(gateSessionP.p95 - gateNoneP.p95)}**: ${againstTarget(gateSessionP.p95 - gateNoneP.p95, OVERHEAD_TARGET_MS)}`,
        `- the whole app's middleware over HTTP (gate, same-origin and Host checks, secure headers, body limit, audit, the full router) against the bare drill routes:`,
        `  - token (T − N): p50 ${ms(tokenP.p50 - noneP.p50)}, p95 **${ms(tokenP.p95 - noneP.p95)}**: ${againstTarget(tokenP.p95 - noneP.p95, OVERHEAD_TARGET_MS)}`,
        `  - session (S − N): p50 ${ms(sessionP.p50 - noneP.p50)}, p95 **${ms(sessionP.p95 - noneP.p95)}**: ${againstTarget(sessionP.p95 - noneP.p95, OVERHEAD_TARGET_MS)}`,
      ].join('\n'),
    );
  } finally {
    for (const close of closers.reverse()) await close();
    await infrastructure.stop();
  }
}
