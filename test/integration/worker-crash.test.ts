import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { expect, it } from 'vitest';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import type { DrillResult } from '../../core/drill.js';
import { progressQuery } from '../../workflows/definitions.js';
import { FIXTURE_TABLES } from '../support/fixtures.js';
import { useDrillTestEnvWithWorkerProcesses, postgresRequest, sandboxLeftovers, slowPlainDump, type DrillTestEnv } from '../support/drill-env.js';
import { eventually } from '../support/wait.js';
import type { WorkerProcesses } from '../../scripts/services/worker-processes.js';

let env: DrillTestEnv;
let workers: WorkerProcesses;
useDrillTestEnvWithWorkerProcesses('crash', (created, processes) => {
  env = created;
  workers = processes;
});

it('a worker killed mid-restore is replaced and the drill still reaches a verdict, with nothing left behind', async () => {
  const first = workers.start('first');
  const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 5)));
  await eventually('the restore to be running', async () => (await handle.query(progressQuery)).step === 'restore', 60_000);
  await new Promise((r) => setTimeout(r, 1500));

  await workers.kill(first);
  const sandboxesAfterKill = sandboxLeftovers(env.sandboxRoot).filter((l) => l.startsWith('directory'));
  expect(sandboxesAfterKill).toHaveLength(1);

  workers.start('second');
  const result: DrillResult = await handle.result();

  expect(result.outcome).toBe('passed');
  expect(Object.fromEntries(result.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]))).toEqual(FIXTURE_TABLES);
  const steps = await env.query<{ name: string; status: string }>('SELECT name, status FROM drill_steps WHERE drill_id = $1 ORDER BY position', [handle.workflowId]);
  expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual(['locate:passed', 'provision:passed', 'restore:passed', 'inspect:passed', 'teardown:passed', 'report:passed']);
  const [drill] = await env.query<{ outcome: string; table_count: number }>('SELECT outcome, table_count FROM drills WHERE id = $1', [handle.workflowId]);
  expect(drill).toEqual({ outcome: 'passed', table_count: 4 });

  // The restore ran twice: the history shows the retried attempt.
  const history = await handle.fetchHistory();
  const restoreAttempts = history.events?.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
  expect(restoreAttempts?.length).toBeGreaterThanOrEqual(1);

  await eventually('the killed worker\'s orphaned tools to exit', async () => sandboxLeftovers(env.sandboxRoot).length === 0, 30_000);
});

it('a worker asked to stop (SIGTERM) lets the restore under way finish first, so no attempt is lost', async () => {
  // Only the draining worker may pick the drill up: the earlier test's workers go first.
  await workers.killAll();
  const first = workers.start('draining', { RESTORE_DRILL_SHUTDOWN_GRACE: '60s' });
  const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 4)));
  // Bytes read prove the draining worker holds the restore: a task still on its way to a worker
  // that stops polling is another matter (it waits out the heartbeat timeout, then is retried).
  await eventually('the restore to be reading the dump', async () => {
    const progress = await handle.query(progressQuery);
    return progress.step === 'restore' && progress.bytesDone > 0;
  }, 60_000);
  first.kill('SIGTERM');
  // The next steps need a worker: the replacement starts while the first drains.
  workers.start('after-drain');
  const code = await new Promise<number | null>((resolve) => first.once('exit', (exitCode) => resolve(exitCode)));
  expect(code).toBe(0);
  const result: DrillResult = await handle.result();
  expect(result.outcome).toBe('passed');
  const history = await handle.fetchHistory();
  const retried = history.events?.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
  expect(retried).toEqual([]);
  await eventually('no sandbox or tool left', async () => sandboxLeftovers(env.sandboxRoot).length === 0, 30_000);
});

/** Resolves once the drill's restore is running as attempt `attempt` on some worker. */
async function restoreAttemptRunning(handle: WorkflowHandle, attempt: number): Promise<void> {
  await eventually(`restore attempt ${attempt} to be running`, async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    return pending.some((a) => a.activityType?.name === 'restoreBackup' && a.attempt === attempt && String(a.state) === String(temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED));
  }, 60_000);
  // Long enough for the attempt to have started its tools, as a real crash would find it.
  await new Promise((r) => setTimeout(r, 1000));
}

it('workers killed again and again during a restore do not use the drill up: it passes once one stays up', async () => {
  await workers.killAll();
  const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 4)));
  for (let attempt = 1; attempt <= 3; attempt++) {
    workers.start(`killed-${attempt}`);
    await restoreAttemptRunning(handle, attempt);
    await workers.killAll();
  }
  workers.start('stays-up');
  const result: DrillResult = await handle.result();
  expect(result.outcome).toBe('passed');
  const started = (await handle.fetchHistory()).events?.filter((e) => e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt === 4) ?? [];
  expect(started.length, 'the restore that passed was its fourth attempt').toBe(1);
  await eventually('no sandbox or tool left', async () => sandboxLeftovers(env.sandboxRoot).length === 0, 30_000);
}, 240_000);

it('workers lost for longer than the budget end the drill as error saying so, with the sandbox gone', async () => {
  await workers.killAll();
  const budget = { RESTORE_DRILL_LOST_WORKER_BUDGET: '5s' };
  const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 4)));
  // The budget runs from when the first loss is noticed (attempt 2), so attempt 3 is past it.
  for (let attempt = 1; attempt <= 2; attempt++) {
    workers.start(`lost-${attempt}`, budget);
    await restoreAttemptRunning(handle, attempt);
    await workers.killAll();
  }
  workers.start('over-budget', budget);
  const result = await awaitDrillResult(handle.result());
  expect(result.outcome).toBe('error');
  expect(result.failedStep).toBe('restore');
  expect(result.reason).toMatch(/the restore was started 3 times and the worker running it was lost 2 time\(s\) over \d+(\.\d+)?\s?s \(killed, out of memory or hung\), longer than RESTORE_DRILL_LOST_WORKER_BUDGET=5s/);
  await eventually('no sandbox or tool left', async () => sandboxLeftovers(env.sandboxRoot).length === 0, 30_000);
}, 180_000);
