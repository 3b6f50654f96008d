import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { findPostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { serverPid, startPostgresServer } from '../../activities/engines/postgres/server.js';
import { createLocalSandbox, findLocalSandboxes, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import { progressQuery } from '../../workflows/definitions.js';
import { hostTaskQueueFor } from '../../worker/worker.js';
import { reapOrphanedSandboxes } from '../../worker/sandbox-reaper.js';
import { useDrillTestEnv, postgresRequest, sandboxLeftovers, slowPlainDump, type DrillTestEnv } from '../support/drill-env.js';
import { eventually } from '../support/wait.js';

let env: DrillTestEnv;
useDrillTestEnv('reaper', (created) => (env = created));

it('destroys sandboxes whose drill is not running and keeps those of running drills', async () => {
  const hostTaskQueue = hostTaskQueueFor(env.taskQueue, env.workerId);
  // A sandbox whose drill is gone (terminated by an operator, say), with its server up.
  const orphan = await createLocalSandbox('drill-that-was-terminated', 'postgres', { hostTaskQueue, rootDir: env.sandboxRoot });
  await startPostgresServer(orphan, await findPostgresBinaries());
  const orphanPid = await serverPid(orphan);
  expect(orphanPid).toBeDefined();
  // What ran in it deleted its marker (the directory is the sandbox account's): its slot claim still says what it is.
  fs.rmSync(path.join(orphan.dir, 'sandbox.json'));
  // Another host's sandbox in the same directory is not this worker's to judge.
  const foreign = await createLocalSandbox('drill-of-another-host', 'postgres', { hostTaskQueue: `${env.taskQueue}@elsewhere`, rootDir: env.sandboxRoot });

  const running = await env.startDrill(postgresRequest(slowPlainDump(env, 60)));
  await eventually('the running drill to restore', async () => (await running.query(progressQuery)).step === 'restore');

  const reaped = await reapOrphanedSandboxes({ client: env.client, hostTaskQueue, sandboxRootDir: env.sandboxRoot });

  expect(reaped).toEqual(['drill-that-was-terminated']);
  expect(fs.existsSync(orphan.dir)).toBe(false);
  expect(isRunning(orphanPid as number)).toBe(false);
  expect(fs.existsSync(foreign.dir)).toBe(true);
  const remaining = fs.readdirSync(env.sandboxRoot).filter((entry) => !entry.startsWith('.'));
  expect(remaining).toHaveLength(2);

  await running.cancel();
  await running.result().catch(() => undefined);
  await removeLocalSandbox(foreign);
  expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
});

/** Exited processes may linger as zombies until PID 1 reaps them; those count as gone. */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

it('a sandbox whose making was cut short (its worker died before the marker) is found by the retry and destroyed, slot and all', async () => {
  const hostTaskQueue = hostTaskQueueFor(env.taskQueue, env.workerId);
  const made = await createLocalSandbox('drill-whose-worker-died', 'postgres', { hostTaskQueue, rootDir: env.sandboxRoot });
  // What a worker killed in the middle of createLocalSandbox leaves: no marker, no work dir, the slot claimed.
  fs.rmSync(path.join(made.dir, 'sandbox.json'));
  fs.rmSync(made.workDir, { recursive: true });
  const found = await findLocalSandboxes('drill-whose-worker-died', env.sandboxRoot);
  expect(found.map((handle) => handle.dir)).toEqual([made.dir]);
  for (const handle of found) await removeLocalSandbox(handle);
  expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
});
