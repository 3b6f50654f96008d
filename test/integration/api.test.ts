/**
 * The HTTP API against the real stack (Temporal dev server, history Postgres, worker): drills
 * history with filters and cursors, plans CRUD with their schedules, live events, metrics,
 * health, errors with stable codes, and an OpenAPI document that covers every mounted route.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../core/config.js';
import { createApp } from '../../api/app.js';
import type { ApiServer } from '../../api/server.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { createDrillTestEnv, postgresRequest, type DrillTestEnv } from '../support/drill-env.js';
import { apiCaller } from '../support/api-calls.js';
import { eventually } from '../support/wait.js';

let env: DrillTestEnv;
let api: ApiServer;
const drillIds: string[] = [];
const call = apiCaller(() => api.url, () => env.manager.token);

beforeAll(async () => {
  env = await createDrillTestEnv('api');
  api = await env.startApi();
  for (const file of [FIXTURE_FILES.custom, FIXTURE_FILES.emptyDatabase, FIXTURE_FILES.plain]) {
    drillIds.push((await env.runDrill(postgresRequest(env.fixture(file)))).drillId);
  }
});
afterAll(async () => {
  await env?.close();
});

describe('health', () => {
  it('GET /healthz and /readyz report the database and Temporal', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok' } });
    expect(await call('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok', temporal: 'ok' } });
  });
});

describe('drills', () => {
  it('GET /api/drills pages through drills, newest first, with a cursor', async () => {
    const all = await call('GET', '/api/drills');
    expect(all.status).toBe(200);
    expect(all.body.drills.map((d: { id: string }) => d.id)).toEqual([...drillIds].reverse());
    expect(all.body.nextCursor).toBeNull();

    const first = await call('GET', '/api/drills?limit=2');
    expect(first.body.drills.map((d: { id: string }) => d.id)).toEqual([drillIds[2], drillIds[1]]);
    expect(first.body.drills[1]).toMatchObject({ outcome: 'failed', failedStep: 'inspect', trigger: 'manual', planId: null });
    const second = await call('GET', `/api/drills?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.drills.map((d: { id: string }) => d.id)).toEqual([drillIds[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('filters by outcome, engine and start time', async () => {
    const failed = await call('GET', '/api/drills?outcome=failed');
    expect(failed.body.drills.map((d: { id: string }) => d.id)).toEqual([drillIds[1]]);
    expect((await call('GET', '/api/drills?engine=mysql')).body.drills).toEqual([]);
    expect((await call('GET', `/api/drills?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).body.drills).toEqual([]);
  });

  it('rejects bad paging and filters with 400 and the parameter', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['outcome=maybe', 'outcome'],
      ['cursor=not-a-cursor', 'cursor'],
    ]) {
      const answer = await call('GET', `/api/drills?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('validation_failed');
      expect(answer.body.message).toMatch(new RegExp(`^${field}: `));
    }
  });

  it('GET /api/drills/:id returns steps, checks, table counts and, for a failure, its feedback', async () => {
    const { status, body } = await call('GET', `/api/drills/${drillIds[0]}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: drillIds[0], outcome: 'passed', engine: 'postgres', format: 'custom', tableCount: 4, totalRows: 4617, feedback: null, notifications: [] });
    expect(body.steps.map((s: { name: string }) => s.name)).toEqual(['locate', 'provision', 'restore', 'inspect', 'teardown', 'report']);
    expect(body.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
    expect(body.tables).toContainEqual(expect.objectContaining({ schema: 'public', name: 'orders', rows: 3400 }));
    expect(body.links.temporal).toBe(`http://temporal-ui.test/namespaces/default/workflows/${drillIds[0]}`);

    const failed = (await call('GET', `/api/drills/${drillIds[1]}`)).body;
    expect(failed.feedback).toMatchObject({ failedStep: 'inspect', level: 'readable' });
    expect(failed.feedback.failedChecks[0]).toMatchObject({ name: 'tables', observed: expect.any(String), expected: expect.any(String) });
    expect(failed.feedback.log).toContain(failed.feedback.log.find((l: string) => l.startsWith('inspect failed')));
  });

  it('GET /api/drills/:id answers 404 with a stable code for an unknown drill', async () => {
    expect(await call('GET', '/api/drills/nope')).toMatchObject({ status: 404, body: { code: 'not_found', message: 'no drill with id "nope"' } });
  });

  it('POST /api/drills starts an ad-hoc drill; its events stream progress and then the verdict', async () => {
    const started = await call('POST', '/api/drills', { plan: { name: 'ad hoc via API', engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.tar) } } });
    expect(started.status).toBe(202);
    const response = await fetch(`${api.url}/api/drills/${started.body.drillId}/events`, { headers: { authorization: `Bearer ${env.manager.token}` } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({ event: m[1], data: JSON.parse(m[2]!) }));
    expect(events.at(-1)).toMatchObject({ event: 'verdict', data: { id: started.body.drillId, outcome: 'passed', format: 'tar', planName: 'ad hoc via API' } });
    const steps = new Set(events.filter((e) => e.event === 'progress').flatMap((e) => e.data.steps.map((s: { name: string }) => s.name)));
    expect([...steps]).toEqual(expect.arrayContaining(['locate', 'provision', 'restore', 'inspect']));
  });

  it('cancels a running drill, and says so for one that is not running', async () => {
    expect(await call('POST', `/api/drills/${drillIds[0]}/cancel`)).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(await call('POST', '/api/drills/nope/cancel')).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});

describe('plans', () => {
  const source = () => ({ kind: 'file', path: env.fixture(FIXTURE_FILES.custom) });

  it('creates, reads, edits and deletes a plan with its Temporal Schedule, keeping its history', async () => {
    const created = await call('POST', '/api/plans', { name: 'Nightly app', engine: 'postgres', source: source(), schedule: { frequency: 'daily', at: '03:30', timeZone: 'Europe/Paris' } });
    expect(created.status).toBe(201);
    const { id } = created.body;
    expect(id).toMatch(/^nightly-app-[0-9a-f]{6}$/);
    expect(created.body.schedule).toMatchObject({ id: `${env.taskQueue}:plan:${id}`, description: 'daily at 03:30 (Europe/Paris)', paused: false });
    expect(new Date(created.body.schedule.nextRuns[0]).toLocaleString('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' })).toBe('03:30');
    const schedule = env.client.schedule.getHandle(created.body.schedule.id);
    expect((await schedule.describe()).state.note).toBe('Nightly app (postgres): daily at 03:30 (Europe/Paris), catch-up 6h');

    expect((await call('GET', '/api/plans/Nightly%20app')).body.id).toBe(id);
    const duplicate = await call('POST', '/api/plans', { name: 'nightly APP', engine: 'postgres', source: source() });
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'conflict' } });

    const edited = await call('PATCH', `/api/plans/${id}`, { schedule: { frequency: 'weekly', days: ['mon', 'thu'], at: '04:00' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, schedule: { description: 'weekly on Mon, Thu at 04:00 (UTC)' } });
    expect((await schedule.describe()).state.note).toBe('Nightly app (postgres): weekly on Mon, Thu at 04:00 (UTC), catch-up 6h');

    const drill = await call('POST', '/api/drills', { planId: id });
    expect(drill.status).toBe(202);
    await env.client.workflow.getHandle(drill.body.drillId).result();
    const summary = await call('GET', `/api/plans/${id}/summary`);
    expect(summary.body).toMatchObject({ planId: id, status: 'passing', lastRun: { drillId: drill.body.drillId, outcome: 'passed' }, streak: { count: 0 }, overdue: false, drills: 1 });
    expect(summary.body.nextRun).toBe(edited.body.schedule.nextRuns[0]);

    // A PATCH changes what it names and nothing else; null clears an optional field.
    const routed = await call('PATCH', `/api/plans/${id}`, { checks: { minTables: 2 }, alertRepeat: 'every-drill' });
    expect(routed.status).toBe(200);
    const onlyRpo = await call('PATCH', `/api/plans/${id}`, { rpoHours: 30 });
    expect(onlyRpo.body.plan).toMatchObject({ rpoHours: 30, alertRepeat: 'every-drill', checks: { minTables: 2 }, schedule: { frequency: 'weekly', days: ['mon', 'thu'], at: '04:00' } });
    expect((await schedule.describe()).state.note).toContain('weekly on Mon, Thu at 04:00');
    const cleared = await call('PATCH', `/api/plans/${id}`, { rpoHours: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.plan).not.toHaveProperty('rpoHours');

    const deleted = await call('DELETE', `/api/plans/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ drillsKept: 1 });
    expect(deleted.body.deletedAt).not.toBeNull();
    await expect(schedule.describe()).rejects.toThrow(/not found/i);
    expect((await call('GET', `/api/drills?planId=${id}`)).body.drills.map((d: { id: string }) => d.id)).toEqual([drill.body.drillId]);
    expect((await call('GET', '/api/plans')).body.plans.map((p: { id: string }) => p.id)).not.toContain(id);
    expect((await call('GET', '/api/plans?includeDeleted=true')).body.plans.map((p: { id: string }) => p.id)).toContain(id);
    // A deleted plan no longer drills, with a reason that says so.
    expect(await call('POST', '/api/drills', { planId: id })).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });

  it('refuses unknown fields, bad schedules, missing references, non-JSON and oversized bodies with stable codes', async () => {
    const base = { name: 'Refused', engine: 'postgres', source: source() };
    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ ...base, colour: 'red' }, 400, 'validation_failed', /Unrecognized key.*colour/],
      [{ ...base, schedule: { frequency: 'daily', at: '25:00' } }, 400, 'validation_failed', /schedule\.at: a 24-hour time/],
      [{ ...base, schedule: { frequency: 'cron', cron: '0 3 1 * mon' } }, 400, 'validation_failed', /day of month or the day of week, not both/],
      [{ ...base, schedule: { frequency: 'daily', at: '03:00', timeZone: 'Mars/Olympus' } }, 400, 'validation_failed', /IANA time zone/],
      [{ ...base, notify: [{ channel: 'nowhere' }] }, 422, 'reference_invalid', /channel "nowhere" does not exist/],
      [{ ...base, decryptWith: 'no-such-key' }, 422, 'reference_invalid', /vault credential "no-such-key", which does not exist/],
      ['{"name": ', 400, 'malformed_json', /not valid JSON/],
    ];
    for (const [body, status, code, message] of cases) {
      const answer = await call('POST', '/api/plans', body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.code).toBe(code);
      expect(answer.body.message).toMatch(message);
    }
    expect(await call('POST', '/api/plans', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    // A drill runs a saved plan as stored, or an unsaved one: never another plan under a saved one's name.
    const saved = (await call('GET', '/api/plans')).body.plans[0];
    expect(await call('POST', '/api/drills', { planId: saved?.id ?? 'x', plan: { ...base, name: 'impostor' } })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    expect(await call('POST', '/api/drills', { planId: saved?.id ?? 'x', trigger: 'schedule' })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    // Cross-site requests and other host names (DNS rebinding) are refused.
    expect(await call('POST', `/api/drills`, { plan: base }, { origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const rebound = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.get(`${api.url}/api/plans`, { headers: { host: 'evil.example:8080' } }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).code).toBe('forbidden');
    expect(await call('POST', '/api/plans', { ...base, description: 'x'.repeat(2 * 1024 * 1024) })).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
    expect((await call('GET', '/api/plans')).body.plans.map((p: { name: string }) => p.name)).not.toContain('Refused');
  });

  it('pauses and resumes with a note, and reports drift repairs through reconcile', async () => {
    const { body: plan } = await call('POST', '/api/plans', { name: 'Pausable', engine: 'postgres', source: source(), schedule: { frequency: 'interval', every: '6h' } });
    const paused = await call('POST', `/api/plans/${plan.id}/schedule/pause`, { note: 'storage migration until Friday' });
    expect(paused.body.schedule).toMatchObject({ paused: true, pauseNote: 'storage migration until Friday', nextRuns: [] });
    const described = await env.client.schedule.getHandle(plan.schedule.id).describe();
    expect(described.state).toMatchObject({ paused: true, note: 'PAUSED (storage migration until Friday) Pausable (postgres): every 6h, catch-up 6h' });
    const resumed = await call('POST', `/api/plans/${plan.id}/schedule/resume`, {});
    expect(resumed.body.schedule).toMatchObject({ paused: false, pauseNote: null });
    expect((await env.client.schedule.getHandle(plan.schedule.id).describe()).state.paused).toBe(false);
    expect(await call('POST', `/api/plans/${plan.id}/schedule/pause`, {})).toMatchObject({ status: 400, body: { code: 'validation_failed' } });

    const reconcile = await call('POST', '/api/schedules/reconcile');
    expect(reconcile.status).toBe(200);
    expect(reconcile.body.failures).toEqual([]);
    expect(reconcile.body.repairs.filter((r: { planId: string }) => r.planId === plan.id)).toEqual([]);
  });

  it('summarises every live plan in one call', async () => {
    const answer = await call('GET', '/api/plans/summary');
    expect(answer.status).toBe(200);
    expect(answer.body.plans.map((p: { name: string }) => p.name)).toContain('Pausable');
    expect(answer.body.plans.find((p: { name: string }) => p.name === 'Pausable')).toMatchObject({ status: 'never-run', schedule: 'every 6h', lastRun: null, verifiedRpo: { breached: false } });
  });
});

describe('metrics', () => {
  it('exports per-plan gauges and outcome counters in Prometheus format', async () => {
    const { body: plan } = await call('POST', '/api/plans', { name: 'Metered', engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.plain) } });
    const drill = await call('POST', '/api/drills', { planId: plan.id });
    await env.client.workflow.getHandle(drill.body.drillId).result();
    const metrics = await eventually('the drill in /metrics', async () => {
      const answer = await call('GET', '/metrics');
      return answer.body.includes(`restore_drill_drills_total{plan_id="${plan.id}",plan="Metered",outcome="passed"} 1`) && answer;
    });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = metrics.body as string;
    expect(text).toMatch(new RegExp(`restore_drill_plan_last_success_timestamp_seconds\\{plan_id="${plan.id}",plan="Metered"\\} \\d{10}`));
    expect(text).toMatch(new RegExp(`restore_drill_plan_verified_rpo_seconds\\{plan_id="${plan.id}",plan="Metered"\\} \\d+`));
    expect(text).toMatch(new RegExp(`restore_drill_plan_last_duration_seconds\\{plan_id="${plan.id}",plan="Metered"\\} [\\d.]+`));
    expect(text).toMatch(/^restore_drill_sandboxes_alive 0$/m);
  });
});

describe('OpenAPI', () => {
  it('documents every mounted route, and serves the document', async () => {
    expect(await call('GET', '/api/openapi.json')).toMatchObject({ status: 200, body: { openapi: '3.1.0' } });
    // The full app, codec endpoint included.
    const app = createApp(env.apiDeps({ codec: { codec: { encode: async (p) => p, decode: async (p) => p }, token: 'x'.repeat(32), allowedOrigins: [] } }));
    const answer = { body: (await (await app.request('/api/openapi.json', { headers: { authorization: `Bearer ${env.manager.token}` } })).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } } };
    const documented = new Set(Object.entries(answer.body.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)));
    const mounted = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    // The document itself is the one route it need not describe.
    mounted.delete('GET /api/openapi.json');
    const undocumented = [...mounted].filter((route) => !documented.has(route));
    expect(undocumented).toEqual([]);
    expect(mounted.size).toBeGreaterThan(25);
    // Every documented operation says how it fails, with the shared error shape where it can.
    expect(answer.body.components.schemas).toHaveProperty('Error');
    expect(answer.body.components.schemas).toHaveProperty('Plan');

    // docs/api.md shows a curl call for every route.
    const curls = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'api.md'), 'utf8').split('\n').filter((line) => line.includes('curl '));
    const withoutExample = [...mounted, 'GET /api/openapi.json'].filter((route) => {
      const [method, routePath] = route.split(' ') as [string, string];
      const pathPattern = new RegExp(`\\$API${routePath.replace(/:\w+/g, '(?:\\$\\([^)]*\\)|[^/\\s"?]+)')}(?=[?"'\\s]|$)`);
      return !curls.some((line) => pathPattern.test(line) && (method === 'GET' ? !/ -X /.test(line) : line.includes(`-X ${method} `)));
    });
    expect(withoutExample).toEqual([]);
  });
});
