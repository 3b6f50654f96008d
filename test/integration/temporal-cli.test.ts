import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import type { DrillResult } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { findTemporalCli } from '../../scripts/services/temporal-server.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { useDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';

const execFileAsync = promisify(execFile);
let env: DrillTestEnv;
useDrillTestEnv('temporal_cli', (created) => (env = created));

it('the real `temporal` CLI starts a drill that passes, and reads its progress and search attributes', async () => {
  const temporal = findTemporalCli(loadConfig().toolsDir);
  expect(temporal, 'the Temporal CLI is built by scripts/setup.sh').toBeDefined();
  const drillId = `drill-from-temporal-cli-${Date.now()}`;
  const input = JSON.stringify({ engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) } });
  const common = ['--address', env.temporalAddress, '--namespace', 'default'];

  await execFileAsync(temporal as string, ['workflow', 'start', ...common, '--type', 'restoreDrill', '--task-queue', env.taskQueue, '--workflow-id', drillId, '--input', input]);
  const { stdout } = await execFileAsync(temporal as string, ['workflow', 'result', ...common, '--workflow-id', drillId, '--output', 'json']);
  const result = (JSON.parse(stdout) as { result: DrillResult }).result;
  expect(result.outcome).toBe('passed');
  expect(result.tableCount).toBe(4);

  const query = await execFileAsync(temporal as string, ['workflow', 'query', ...common, '--workflow-id', drillId, '--type', 'progress', '--output', 'json']);
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
  expect(result.reason).toMatch(/^invalid drill request: engine: /);
  const [drill] = await env.query<{ outcome: string; reason: string }>('SELECT outcome, reason FROM drills WHERE id = $1', [drillId]);
  expect(drill).toEqual({ outcome: 'error', reason: result.reason });
});
