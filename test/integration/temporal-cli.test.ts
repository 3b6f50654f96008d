import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { codecEndpointFromEnv } from '../../api/codec-endpoint.js';
import type { ApiServer } from '../../api/server.js';
import { loadConfig } from '../../core/config.js';
import type { DrillResult } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { CLI_ENV_NAME, findTemporalCli, writeCliEnvFile } from '../../scripts/services/temporal-server.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';

const execFileAsync = promisify(execFile);
let env: DrillTestEnv;
useDrillTestEnv('temporal_cli', (created) => (env = created));
let api: ApiServer;
const codec = codecEndpointFromEnv();
beforeAll(async () => {
  api = await env.startApi({ codec });
});
afterAll(async () => api?.close());

it('the real `temporal` CLI starts a drill that passes, and reads its progress and search attributes', async () => {
  const temporal = findTemporalCli(loadConfig().toolsDir);
  expect(temporal, 'the Temporal CLI is built by scripts/setup.sh').toBeDefined();
  const drillId = `drill-from-temporal-cli-${Date.now()}`;
  const input = JSON.stringify({ engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) } });
  const common = ['--address', env.temporalAddress, '--namespace', 'default'];

  // The CLI reads the encrypted payloads through the API's codec endpoint, as an operator would:
  // its token in a CLI environment file, not on a command line every account can read.
  const envFile = writeCliEnvFile(fs.mkdtempSync(path.join(env.scratchDir, 'temporal-env-')), { 'codec-endpoint': `${api.url}/codec`, 'codec-auth': `Bearer ${codec.token}` });
  const decoding = ['--env-file', envFile, '--env', CLI_ENV_NAME];

  await execFileAsync(temporal as string, ['workflow', 'start', ...common, '--type', 'restoreDrill', '--task-queue', env.taskQueue, '--workflow-id', drillId, '--input', input]);
  const { stdout } = await execFileAsync(temporal as string, ['workflow', 'result', ...common, ...decoding, '--workflow-id', drillId, '--output', 'json']);
  const result = (JSON.parse(stdout) as { result: DrillResult }).result;
  expect(result.outcome).toBe('passed');
  expect(result.tableCount).toBe(4);

  // Without the codec, history holds only ciphertext.
  const raw = await execFileAsync(temporal as string, ['workflow', 'result', ...common, '--workflow-id', drillId, '--output', 'json']);
  expect(raw.stdout).not.toContain('"outcome"');
  expect(raw.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));

  const query = await execFileAsync(temporal as string, ['workflow', 'query', ...common, ...decoding, '--workflow-id', drillId, '--type', 'progress', '--output', 'json']);
  expect(JSON.parse(query.stdout).queryResult[0]).toMatchObject({ drillId, outcome: 'passed' });

  const listed = await execFileAsync(temporal as string, ['workflow', 'list', ...common, '--query', `Outcome = 'passed' AND Engine = 'postgres' AND WorkflowId = '${drillId}'`, '--output', 'json']);
  expect(JSON.parse(listed.stdout)).toHaveLength(1);

  const [drill] = await env.query<{ outcome: string }>('SELECT outcome FROM drills WHERE id = $1', [drillId]);
  expect(drill?.outcome).toBe('passed');
});

it('a malformed request started from the `temporal` CLI ends in a recorded error naming the field', async () => {
  const temporal = findTemporalCli(loadConfig().toolsDir) as string;
  const drillId = `drill-bad-input-${Date.now()}`;
  const common = ['--address', env.temporalAddress, '--namespace', 'default'];
  const input = JSON.stringify({ engine: 'oracle', source: { kind: 'file', path: '/backups/x.dmp' } });
  await execFileAsync(temporal, ['workflow', 'start', ...common, '--type', 'restoreDrill', '--task-queue', env.taskQueue, '--workflow-id', drillId, '--input', input]);
  const handle = env.client.workflow.getHandle(drillId);
  const result = await awaitDrillResult(handle.result());
  expect((await handle.describe()).status.name).toBe('FAILED');

  expect(result.outcome).toBe('error');
  expect(result.failedStep).toBeNull();
  expect(result.reason).toMatch(/^invalid drill request: plan\.engine: /);
  const [drill] = await env.query<{ outcome: string; reason: string }>('SELECT outcome, reason FROM drills WHERE id = $1', [drillId]);
  expect(drill).toEqual({ outcome: 'error', reason: result.reason });
});

it('the codec endpoint refuses callers without the token and decodes for the Web UI with it in the path', async () => {
  const [encrypted] = await codec.codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"hello":"drill"}') }]);
  const body = JSON.stringify({ payloads: [{ metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(encrypted!.data!).toString('base64') }] });
  const post = (url: string, headers: Record<string, string> = {}) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  expect((await post(`${api.url}/codec/decode`)).status).toBe(401);
  expect((await post(`${api.url}/codec/decode`, { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
  expect((await post(`${api.url}/codec/wrong-token-in-the-path/decode`)).status).toBe(401);

  const decoded = await post(`${api.url}/codec/${codec.token}/decode`, { origin: 'http://127.0.0.1:8233' });
  expect(decoded.status).toBe(200);
  expect(decoded.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
  const payload = ((await decoded.json()) as { payloads: Array<{ data: string }> }).payloads[0]!;
  expect(Buffer.from(payload.data, 'base64').toString()).toBe('{"hello":"drill"}');
});
