/**
 * `npm run bench`: how much a Restore Drill drill costs over the restore check a sysadmin would
 * script by hand. BENCH_ENGINE picks the engine (postgres, the default, or mysql; see engines.ts).
 * Generates a dataset once (BENCH_SIZE_MB on disk, default 1024 MB for PostgreSQL and 300 MB for
 * MySQL/MariaDB, several indexed tables), dumps it (PostgreSQL custom format; MariaDB plain SQL),
 * then alternates (A) the full drill through the CLI and (B) the engine's hand-written baseline
 * script (scripts/bench/baseline-restore.sh, baseline-mysql-restore.sh), BENCH_RUNS times each
 * (default 3) after one discarded warm-up pair. Prints medians, the ratio A/B and the drill's
 * orchestration overhead (wall time minus the sum of its step durations), as Markdown for
 * docs/benchmarks.md.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
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
import { log } from './datasets/dataset.js';
import { benchEngine, type PreparedBench } from './engines.js';

const execFileAsync = promisify(execFile);
const ENGINE = benchEngine(process.env.BENCH_ENGINE ?? 'postgres');
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? ENGINE.defaultSizeMb);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASK_QUEUE = 'restore-drill-bench';
const config = loadConfig();
const benchDir = path.join(config.dataDir, 'bench');

interface DrillRun {
  wallMs: number;
  workflowMs: number;
  stepsMs: number;
  steps: Record<string, number>;
}

async function main() {
  fs.mkdirSync(benchDir, { recursive: true });
  const bench = await ENGINE.prepare(benchDir, SIZE_MB);
  const dump = bench.dataset;
  const dumpSize = fs.statSync(dump.path).size;
  log(`dataset: ${dump.tables} tables, ${dump.rows.toLocaleString('en-US')} rows, ${formatBytes(dump.databaseBytes)} on disk; dump ${formatBytes(dumpSize)}`);

  const temporal = await startTemporalServer({ toolsDir: config.toolsDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(benchDir, 'temporal.log'), namespace: config.temporalNamespace });
  const history = await startHistoryPostgres({ dataDir: benchDir, logFile: path.join(benchDir, 'history-postgres.log'), postgresBinDir: config.postgresBinDir, ignoreDatabaseUrl: true });
  await migrateHistoryDatabase(history.url);
  const worker = startWorker({ TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: history.url, RESTORE_DRILL_TASK_QUEUE: TASK_QUEUE });

  try {
    const drills: DrillRun[] = [];
    const baselines: number[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      const label = i === 0 ? 'warm-up' : `run ${i}/${RUNS}`;
      const drill = await runDrill(dump.path, temporal.address);
      const baseline = await runBaseline(bench.baselineArgs);
      log(`${label}: drill ${seconds(drill.wallMs)} (steps ${seconds(drill.stepsMs)}), baseline ${seconds(baseline)}`);
      if (i > 0) {
        drills.push(drill);
        baselines.push(baseline);
      }
    }
    console.log(report(bench, dumpSize, drills, baselines));
  } finally {
    worker.kill('SIGTERM');
    await history.stop();
    await temporal.stop();
  }
}

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const logFile = fs.openSync(path.join(benchDir, 'worker.log'), 'w');
  return spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', logFile, logFile] });
}

async function runDrill(dumpPath: string, temporalAddress: string): Promise<DrillRun> {
  const started = process.hrtime.bigint();
  const { stdout } = await execFileAsync(process.execPath, [path.join(PROJECT_ROOT, 'cli', 'bin.js'), 'run', '--engine', ENGINE.engine, '--file', dumpPath, '--json'], {
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, RESTORE_DRILL_TASK_QUEUE: TASK_QUEUE },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = JSON.parse(stdout) as { outcome: string; reason: string | null; timings: { totalMs: number; steps: Record<string, number> } };
  if (result.outcome !== 'passed') throw new Error(`benchmark drill did not pass: ${result.reason}`);
  const stepsMs = Object.values(result.timings.steps).reduce((a, b) => a + b, 0);
  return { wallMs, workflowMs: result.timings.totalMs, stepsMs, steps: result.timings.steps };
}

async function runBaseline(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await execFileAsync('bash', args);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function report(bench: PreparedBench, dumpSize: number, drills: DrillRun[], baselines: number[]): string {
  const a = median(drills.map((d) => d.wallMs));
  const b = median(baselines);
  const overhead = median(drills.map((d) => d.wallMs - d.stepsMs));
  const workflowOverhead = median(drills.map((d) => d.workflowMs - d.stepsMs));
  const stepNames = Object.keys(drills[0]?.steps ?? {});
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const rows = drills.map((d, i) => `| ${i + 1} | ${seconds(d.wallMs)} | ${stepNames.map((s) => seconds(d.steps[s] ?? 0)).join(' | ')} | ${seconds(d.wallMs - d.stepsMs)} | ${seconds(baselines[i] ?? 0)} |`);
  return [
    `### ${bench.heading}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus().length} × ${cpu}, ${formatBytes(os.totalmem())} RAM, Node ${process.version}, ${bench.server}.`,
    `Dataset: ${bench.describeDataset(dumpSize)}. ${RUNS} alternating runs after a discarded warm-up pair.`,
    '',
    `| run | A: drill via CLI | ${stepNames.join(' | ')} | A overhead | B: hand-written baseline |`,
    `| --- | --- | ${stepNames.map(() => '---').join(' | ')} | --- | --- |`,
    ...rows,
    '',
    `- median A (drill through \`npx drill run\`): **${seconds(a)}**`,
    `- median B (baseline script): **${seconds(b)}**`,
    `- ratio A/B: **${(a / b).toFixed(3)}** (target ≤ 1.10)`,
    `- orchestration overhead, CLI wall time − sum of step durations: **${seconds(overhead)}** median (target ≤ 1 s); of which inside the workflow (workflow duration − steps): ${seconds(workflowOverhead)}`,
  ].join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

await main();
