import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { createDrillTestEnv, postgresRequest, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
let api: ApiServer;
const drillIds: string[] = [];

beforeAll(async () => {
  env = await createDrillTestEnv('api');
  api = await startApiServer({ db: env.history.db, host: '127.0.0.1', port: 0 });
  for (const file of [FIXTURE_FILES.custom, FIXTURE_FILES.emptyDatabase, FIXTURE_FILES.plain]) {
    drillIds.push((await env.runDrill(postgresRequest(env.fixture(file)))).drillId);
  }
});
afterAll(async () => {
  await api?.close();
  await env?.close();
});

async function get(resource: string) {
  const response = await fetch(`${api.url}${resource}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

it('GET /healthz reports a reachable database', async () => {
  expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
});

it('GET /api/drills pages through drills, newest first', async () => {
  const all = await get('/api/drills');
  expect(all.status).toBe(200);
  expect(all.body.total).toBe(3);
  expect(all.body.drills.map((d: { id: string }) => d.id)).toEqual([...drillIds].reverse());

  const page = await get('/api/drills?limit=1&offset=1');
  expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
  expect(page.body.drills.map((d: { id: string }) => d.id)).toEqual([drillIds[1]]);
  expect(page.body.drills[0]).toMatchObject({ outcome: 'failed', failedStep: 'inspect' });
});

it('GET /api/drills rejects bad paging with a 400 naming the parameter', async () => {
  const response = await get('/api/drills?limit=0');
  expect(response.status).toBe(400);
  expect(response.body.error).toMatch(/^limit: /);
});

it('GET /api/drills/:id returns steps, checks and table counts', async () => {
  const { status, body } = await get(`/api/drills/${drillIds[0]}`);
  expect(status).toBe(200);
  expect(body).toMatchObject({ id: drillIds[0], outcome: 'passed', engine: 'postgres', format: 'custom', tableCount: 4, totalRows: 4617 });
  expect(body.steps.map((s: { name: string }) => s.name)).toEqual(['locate', 'provision', 'restore', 'inspect', 'teardown', 'report']);
  expect(body.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
  expect(body.tables).toContainEqual(expect.objectContaining({ schema: 'public', name: 'orders', rows: 3400 }));
});

it('GET /api/drills/:id answers 404 for an unknown drill', async () => {
  const { status, body } = await get('/api/drills/nope');
  expect(status).toBe(404);
  expect(body.error).toMatch(/no drill with id "nope"/);
});
