/**
 * Real worker processes (worker/main.ts, as `npm start` runs it), for tests, benchmarks and the
 * chaos script that kill, hang or stop workers. Each keeps its output in `logDir`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/config.js';

export interface WorkerTarget {
  temporalAddress: string;
  databaseUrl: string;
  taskQueue: string;
  logDir: string;
  /** Names the host's own queue; workers given the same one serve the same host. */
  workerId?: string;
  sandboxRoot?: string;
  /** Added to every worker's environment (after this process's own). */
  env?: NodeJS.ProcessEnv;
}

export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly target: WorkerTarget) {}

  start(logName: string, extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
    const { target } = this;
    const log = fs.openSync(path.join(target.logDir, `${logName}.log`), 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
      env: {
        ...process.env,
        ...target.env,
        TEMPORAL_ADDRESS: target.temporalAddress,
        DATABASE_URL: target.databaseUrl,
        RESTORE_DRILL_TASK_QUEUE: target.taskQueue,
        ...(target.workerId ? { RESTORE_DRILL_WORKER_ID: target.workerId } : {}),
        ...(target.sandboxRoot ? { RESTORE_DRILL_SANDBOX_DIR: target.sandboxRoot } : {}),
        ...extraEnv,
      },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.children.push(child);
    return child;
  }

  alive(): ChildProcess[] {
    return this.children.filter((child) => child.exitCode === null && child.signalCode === null);
  }

  async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // A stopped process only dies of SIGKILL once it runs again.
    child.kill('SIGKILL');
    child.kill('SIGCONT');
    await exited;
  }

  async killAll(): Promise<void> {
    for (const child of this.alive()) await this.kill(child);
  }

  /** SIGTERM to every worker (they drain), resolved once all have exited. */
  async stopAll(): Promise<void> {
    const running = this.alive();
    for (const child of running) child.kill('SIGTERM');
    await Promise.all(running.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)))));
  }
}
