import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { expect, it } from 'vitest';
import { progressQuery } from '../../workflows/definitions.js';
import { useDrillTestEnv, postgresRequest, sandboxLeftovers, slowPlainDump, type DrillTestEnv } from '../support/drill-env.js';
import { eventually } from '../support/wait.js';

let env: DrillTestEnv;
useDrillTestEnv('cancel', (created) => (env = created));

it('cancelling a drill mid-restore tears the sandbox down and records "cancelled"', async () => {
  const handle = await env.startDrill(postgresRequest(slowPlainDump(env, 120)));
  await eventually('the restore to be running', async () => (await handle.query(progressQuery)).step === 'restore');
  await eventually('the sandbox to exist', async () => sandboxLeftovers(env.sandboxRoot).some((l) => l.startsWith('directory')));
  // Let psql reach the long statement, so cancellation has a running tool to stop.
  await new Promise((r) => setTimeout(r, 1500));

  const cancelledAt = Date.now();
  await handle.cancel();
  const error = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  // The 120 s statement was interrupted, not waited out.
  expect(Date.now() - cancelledAt).toBeLessThan(15_000);

  const [drill] = await env.query<{ outcome: string; failed_step: string }>('SELECT outcome, failed_step FROM drills WHERE id = $1', [handle.workflowId]);
  expect(drill).toEqual({ outcome: 'cancelled', failed_step: 'restore' });
  const steps = await env.query<{ name: string; status: string }>('SELECT name, status FROM drill_steps WHERE drill_id = $1 ORDER BY position', [handle.workflowId]);
  expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual(['locate:passed', 'provision:passed', 'restore:cancelled', 'teardown:passed', 'report:passed']);
  expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);

  const description = await handle.describe();
  expect(description.status.name).toBe('CANCELLED');
  expect(description.searchAttributes.Outcome).toEqual(['cancelled']);
});
