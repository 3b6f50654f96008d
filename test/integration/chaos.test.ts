/**
 * Chaos, bounded: ten drills at once on one host while one of its two worker processes is
 * SIGKILLed and restarted again and again and the other hangs (SIGSTOP) for half a minute. Every
 * drill must still end, with the verdict its backup deserves, a complete record, and nothing left
 * on the host. (`npm run chaos` runs the larger version and reports figures.)
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import type { DrillResult } from '../../core/drill.js';
import { useDrillTestEnvWithWorkerProcesses, postgresRequest, sandboxLeftovers, scratchCopy, slowPlainDump, type DrillTestEnv } from '../support/drill-env.js';
import { eventually } from '../support/wait.js';
import type { WorkerProcesses } from '../../scripts/services/worker-processes.js';

let env: DrillTestEnv;
let workers: WorkerProcesses;
useDrillTestEnvWithWorkerProcesses('chaos', (created, processes) => {
  env = created;
  workers = processes;
});

/** A custom dump cut off half-way: no restore can give its data back. */
function truncatedDump(): string {
  const file = scratchCopy(env, 'good.custom.dump', 'truncated.dump');
  fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
  return file;
}

it('ten drills under worker kills and a hung worker all end with the right verdict, complete records and nothing left', async () => {
  let killer = workers.start('killed-0');
  const hung = workers.start('hung');
  const backups = [...Array.from({ length: 7 }, () => ({ file: slowPlainDump(env, 3), expected: 'passed' })), ...Array.from({ length: 3 }, () => ({ file: truncatedDump(), expected: 'failed' }))];
  const handles = await Promise.all(backups.map((backup) => env.startDrill(postgresRequest(backup.file))));
  const settled = Promise.all(handles.map((handle) => awaitDrillResult(handle.result())));

  // The chaos: the hung worker stops for 30 s holding whatever it had; the other is killed every
  // 6 s, four times, each time replaced.
  await new Promise((r) => setTimeout(r, 3000));
  hung.kill('SIGSTOP');
  const resumeHung = setTimeout(() => hung.kill('SIGCONT'), 30_000);
  for (let round = 1; round <= 4; round++) {
    await new Promise((r) => setTimeout(r, 6000));
    await workers.kill(killer);
    killer = workers.start(`killed-${round}`);
  }

  const results: DrillResult[] = await settled;
  clearTimeout(resumeHung);
  hung.kill('SIGCONT');
  expect(results.map((r) => r.outcome)).toEqual(backups.map((b) => b.expected));
  for (const result of results.filter((r) => r.outcome === 'failed')) expect(result.failedStep).toBe('restore');

  for (const handle of handles) {
    const [drill] = await env.query<{ outcome: string }>('SELECT outcome FROM drills WHERE id = $1', [handle.workflowId]);
    const steps = await env.query<{ name: string; status: string }>('SELECT name, status FROM drill_steps WHERE drill_id = $1 ORDER BY position', [handle.workflowId]);
    expect(drill?.outcome, `drill ${handle.workflowId} recorded`).toBe(results[handles.indexOf(handle)]!.outcome);
    expect(steps.slice(-2).map((s) => `${s.name}:${s.status}`), `drill ${handle.workflowId} tore down and reported`).toEqual(['teardown:passed', 'report:passed']);
  }
  await eventually('no sandbox, slot claim or tool left', async () => sandboxLeftovers(env.sandboxRoot).length === 0, 60_000);
}, 300_000);
