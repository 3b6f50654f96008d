/**
 * Every route of the OpenAPI document, called as nobody, as a user and as a manager: who gets in is
 * the table below, and a route that is not in the table fails the test, so a new route cannot
 * ship without someone deciding who may call it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import { useDrillTestEnv, type DrillTestEnv, type TestUser } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('auth-routes', (created) => (env = created));

/** in: let through (whatever the route then answers); 401/403: refused at the gate. */
type Gate = 'in' | 401 | 403;
const PUBLIC = { anonymous: 'in', user: 'in', manager: 'in' } as const;
const SIGNED_IN = { anonymous: 401, user: 'in', manager: 'in' } as const;
const MANAGERS = { anonymous: 401, user: 403, manager: 'in' } as const;

const EXPECTED: Record<string, { anonymous: Gate; user: Gate; manager: Gate }> = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': MANAGERS,
  'POST /api/auth/login': PUBLIC,
  'POST /api/auth/setup': PUBLIC,
  'GET /api/auth/providers': PUBLIC,
  'POST /api/auth/logout': SIGNED_IN,
  'GET /api/auth/me': SIGNED_IN,
  'GET /api/auth/sessions': SIGNED_IN,
  'DELETE /api/auth/sessions': SIGNED_IN,
  'DELETE /api/auth/sessions/{id}': SIGNED_IN,
  'GET /api/tokens': SIGNED_IN,
  'POST /api/tokens': SIGNED_IN,
  'DELETE /api/tokens/{id}': SIGNED_IN,
  'GET /api/users': MANAGERS,
  'POST /api/users': MANAGERS,
  'GET /api/users/{id}': MANAGERS,
  'PATCH /api/users/{id}': MANAGERS,
  'DELETE /api/users/{id}': MANAGERS,
  'GET /api/audit': MANAGERS,
  'GET /api/channels': MANAGERS,
  'POST /api/channels': MANAGERS,
  'GET /api/channels/{id}': MANAGERS,
  'PUT /api/channels/{id}': MANAGERS,
  'DELETE /api/channels/{id}': MANAGERS,
  'POST /api/channels/{id}/test': MANAGERS,
  'POST /api/schedules/reconcile': MANAGERS,
  'GET /api/vault': MANAGERS,
  'POST /api/vault': MANAGERS,
  'DELETE /api/vault/{name}': MANAGERS,
  'GET /api/plans': SIGNED_IN,
  'POST /api/plans': SIGNED_IN,
  'GET /api/plans/summary': SIGNED_IN,
  'GET /api/plans/{id}': SIGNED_IN,
  'GET /api/plans/{id}/summary': SIGNED_IN,
  'PUT /api/plans/{id}': SIGNED_IN,
  'PATCH /api/plans/{id}': SIGNED_IN,
  'DELETE /api/plans/{id}': SIGNED_IN,
  'POST /api/plans/{id}/canary': SIGNED_IN,
  'POST /api/plans/{id}/schedule/trigger': SIGNED_IN,
  'POST /api/plans/{id}/schedule/backfill': SIGNED_IN,
  'POST /api/plans/{id}/schedule/pause': SIGNED_IN,
  'POST /api/plans/{id}/schedule/resume': SIGNED_IN,
  'GET /api/drills': SIGNED_IN,
  'POST /api/drills': SIGNED_IN,
  'GET /api/drills/{id}': SIGNED_IN,
  'POST /api/drills/{id}/cancel': SIGNED_IN,
  'GET /api/drills/{id}/events': SIGNED_IN,
  'GET /api/drills/{id}/evidence': SIGNED_IN,
  'GET /api/evidence/key': SIGNED_IN,
};

let api: ApiServer;
let user: TestUser;
let manager: TestUser;
let routes: string[];

beforeAll(async () => {
  api = await env.startApi();
  user = await env.signIn('matrix-user@example.com', 'user');
  manager = await env.signIn('matrix-manager@example.com', 'manager');
  const doc = (await (await fetch(`${api.url}/api/openapi.json`, { headers: { authorization: `Bearer ${manager.token}` } })).json()) as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
});

async function gate(route: string, token: string | undefined): Promise<Gate> {
  const [method, path] = route.split(' ') as [string, string];
  const url = `${api.url}${path.replace(/\{[^}]+\}/g, 'no-such-thing')}`;
  const response = await fetch(url, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
    body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
    signal: AbortSignal.timeout(15_000),
  });
  // Event streams stay open: the status is all this needs.
  await response.body?.cancel();
  return response.status === 401 || response.status === 403 ? (response.status as 401 | 403) : 'in';
}

describe('who may call each route', () => {
  it('the table names every route of the OpenAPI document, and nothing else', () => {
    expect(routes.filter((route) => !(route in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((route) => !routes.includes(route))).toEqual([]);
  });

  it('anonymous callers, users and managers get exactly what the table says', async () => {
    const observed: Record<string, { anonymous: Gate; user: Gate; manager: Gate }> = {};
    for (const route of Object.keys(EXPECTED)) {
      observed[route] = { anonymous: await gate(route, undefined), user: await gate(route, user.token), manager: await gate(route, manager.token) };
    }
    expect(observed).toEqual(EXPECTED);
  });
});
