/**
 * What every `npm run bench` mode shares: the Temporal dev server, history database and worker
 * process the drills run on, one drill through the real CLI, and the report's number formatting.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, PROJECT_ROOT } from '../../core/config.js';
import { formatBytes } from '../../core/duration.js';
import { migrateHistoryDatabase } from '../../db/client.js';
import { startHistoryPostgres } from '../services/history-postgres.js';
import { freePort } from '../services/ports.js';
import { startTemporalServer } from '../services/temporal-server.js';
import { WorkerProcesses } from '../services/worker-processes.js';

export const execFileAsync = promisify(execFile);
export const TASK_QUEUE = 'restore-drill-bench';
export const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');

export interface DrillRun {
  wallMs: number;
  workflowMs: number;
  stepsMs: number;
  steps: Record<string, number>;
}

export interface BenchServices {
  temporalAddress: string;
  historyUrl: string;
  /** Environment for `drill` CLI processes: this Temporal server and task queue. */
  cliEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * Temporal, the history database (migrated) and one worker process. `workerEnv` is added to the
 * worker's environment (and to cliEnv), after this process's own. The `drill run` CLI needs no
 * DATABASE_URL (the worker writes history); `drill vault` does: add historyUrl for it.
 */
export async function startBenchServices(benchDir: string, workerEnv: NodeJS.ProcessEnv = {}): Promise<BenchServices> {
  const config = loadConfig();
  const temporal = await startTemporalServer({ toolsDir: config.toolsDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(benchDir, 'temporal.log'), namespace: config.temporalNamespace });
  const history = await startHistoryPostgres({ dataDir: benchDir, logFile: path.join(benchDir, 'history-postgres.log'), postgresBinDir: config.postgresBinDir, ignoreDatabaseUrl: true });
  await migrateHistoryDatabase(history.url);
  const target = { TEMPORAL_ADDRESS: temporal.address, RESTORE_DRILL_TASK_QUEUE: TASK_QUEUE };
  const workers = new WorkerProcesses({ temporalAddress: temporal.address, databaseUrl: history.url, taskQueue: TASK_QUEUE, logDir: benchDir, env: workerEnv });
  workers.start('worker');
  return {
    temporalAddress: temporal.address,
    historyUrl: history.url,
    cliEnv: { ...process.env, ...workerEnv, ...target },
    async stop() {
      await workers.stopAll();
      await history.stop();
      await temporal.stop();
    },
  };
}

/** One `drill run … --json` through the CLI; throws unless the drill passed. */
export async function runDrill(args: string[], env: NodeJS.ProcessEnv): Promise<DrillRun> {
  const started = process.hrtime.bigint();
  const { stdout } = await execFileAsync(process.execPath, [DRILL_BIN, 'run', ...args, '--json'], { env, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = JSON.parse(stdout) as { outcome: string; reason: string | null; timings: { totalMs: number; steps: Record<string, number> } };
  if (result.outcome !== 'passed') throw new Error(`benchmark drill did not pass: ${result.reason}`);
  const stepsMs = Object.values(result.timings.steps).reduce((a, b) => a + b, 0);
  return { wallMs, workflowMs: result.timings.totalMs, stepsMs, steps: result.timings.steps };
}

/** The report's machine line, without the trailing period. */
export function machine(server: string): string {
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  return `Machine: ${os.cpus().length} × ${cpu}, ${formatBytes(os.totalmem())} RAM, Node ${process.version}, ${server}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
