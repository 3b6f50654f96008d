import fs from 'node:fs';
import type { WorkflowExecutionInfo, WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { expect, inject, it } from 'vitest';
import { drillDataConverter } from '../../worker/payload-codec.js';
import { progressQuery, RESTORE_DRILL_WORKFLOW } from '../../workflows/definitions.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { useDrillTestEnv, postgresRequest, slowPlainDump, type DrillTestEnv } from '../support/drill-env.js';
import { eventually } from '../support/wait.js';

let env: DrillTestEnv;
useDrillTestEnv('replay', (created) => (env = created));

/**
 * Guards future edits of the workflow: every drill history this run produced (here and, when they
 * finished first, in the other test files) must replay through today's workflow code.
 */
it('drill histories replay without determinism errors', async () => {
  const own: WorkflowHandle[] = [];
  for (const request of [postgresRequest(env.fixture(FIXTURE_FILES.custom)), postgresRequest(env.fixture(FIXTURE_FILES.emptyDatabase)), postgresRequest(`${env.scratchDir}/missing.dump`)]) {
    const handle = await env.startDrill(request);
    // Drills that do not pass end as Failed executions; their histories are what matters here.
    await handle.result().catch(() => undefined);
    own.push(handle);
  }
  const cancelled = await env.startDrill(postgresRequest(slowPlainDump(env, 60)));
  await eventually('the restore to start', async () => (await cancelled.query(progressQuery)).step === 'restore');
  await cancelled.cancel();
  await cancelled.result().catch(() => undefined);
  own.push(cancelled);

  // Visibility (what `list` reads) trails execution state by a moment.
  const closed = await eventually('this file\'s drills to be listed as closed', async () => {
    const executions: WorkflowExecutionInfo[] = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowType = '${RESTORE_DRILL_WORKFLOW}' AND ExecutionStatus != 'Running'` })) executions.push(execution);
    return own.every((h) => executions.some((e) => e.workflowId === h.workflowId)) && executions;
  });
  const histories = [];
  for (const execution of closed) {
    histories.push({ workflowId: execution.workflowId, history: await env.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory() });
  }

  // Histories hold encrypted payloads: replay decodes them with the deployment's codec, like a worker.
  const results = Worker.runReplayHistories({ workflowBundle: { code: fs.readFileSync(inject('workflowBundlePath'), 'utf8') }, dataConverter: drillDataConverter() }, histories);
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of results) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(histories.length);
});
