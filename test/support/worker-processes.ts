/**
 * Real worker processes (worker/main.ts, as `npm start` runs it) for a drill test env: for tests
 * that kill, hang or stop workers. Each keeps its output in the scratch dir for diagnosis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/config.js';
import type { DrillTestEnv } from './drill-env.js';

export class WorkerProcesses {
  private readonly children: ChildProcess[] = [];

  constructor(private readonly env: DrillTestEnv) {}

  start(logName: string, extraEnv: Record<string, string> = {}): ChildProcess {
    const log = fs.openSync(path.join(this.env.scratchDir, `${this.env.name}-${logName}.log`), 'w');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: this.env.temporalAddress,
        DATABASE_URL: this.env.databaseUrl,
        RESTORE_DRILL_TASK_QUEUE: this.env.taskQueue,
        RESTORE_DRILL_WORKER_ID: this.env.workerId,
        RESTORE_DRILL_SANDBOX_DIR: this.env.sandboxRoot,
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
}
