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
 *
 * BENCH_SOURCE=s3-age (PostgreSQL only) measures the streaming path instead: an age-encrypted
 * gzip plain dump drilled from S3 (moto) against the same dump drilled from a local plaintext
 * file; see s3-age.ts.
 *
 * BENCH_SUITE picks another suite instead of this restore benchmark: `api` (GET /api/drills over
 * 100,000 drills, drills-api-bench.ts), `auth` (sign-in and the gate's cost per request, auth-bench.ts), `plans` (plan summaries over 1,000 plans,
 * plans-summary-bench.ts), `alerts` (verdict → SMTP receipt, alerts-bench.ts), `versions`
 * (provision per PostgreSQL major; the same data as a 15 dump, a 17 dump and a 17 base backup,
 * versions-bench.ts) or `guards` (the plain-dump script guards against plain streaming, guards-bench.ts).
 */
import fs from 'node:fs';
import { formatBytes } from '../../core/duration.js';
import { log } from './datasets/dataset.js';
import { benchEngine, type PreparedBench } from './engines.js';
import { execFileAsync, machine, median, runDrill, seconds, startBenchServices, type DrillRun } from './harness.js';
import { runS3AgeBench } from './s3-age.js';

const ENGINE = benchEngine(process.env.BENCH_ENGINE ?? 'postgres');
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? ENGINE.defaultSizeMb);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SOURCE = process.env.BENCH_SOURCE ?? 'file';
const SUITE = process.env.BENCH_SUITE ?? 'restore';
// Outside the project's data folder, which drills may never read backups from (file-confinement.ts).
const benchDir = process.env.RESTORE_DRILL_BENCH_DIR || '/var/tmp/restore-drill-bench';

async function main() {
  fs.mkdirSync(benchDir, { recursive: true });
  const bench = await ENGINE.prepare(benchDir, SIZE_MB);
  const dump = bench.dataset;
  const dumpSize = fs.statSync(dump.path).size;
  log(`dataset: ${dump.tables} tables, ${dump.rows.toLocaleString('en-US')} rows, ${formatBytes(dump.databaseBytes)} on disk; dump ${formatBytes(dumpSize)}`);

  const services = await startBenchServices(benchDir);

  try {
    const drills: DrillRun[] = [];
    const baselines: number[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      const label = i === 0 ? 'warm-up' : `run ${i}/${RUNS}`;
      const drill = await runDrill(['--engine', ENGINE.engine, '--file', dump.path], services.cliEnv);
      const baseline = await runBaseline(bench.baselineArgs);
      log(`${label}: drill ${seconds(drill.wallMs)} (steps ${seconds(drill.stepsMs)}), baseline ${seconds(baseline)}`);
      if (i > 0) {
        drills.push(drill);
        baselines.push(baseline);
      }
    }
    console.log(report(bench, dumpSize, drills, baselines));
  } finally {
    await services.stop();
  }
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
  const rows = drills.map((d, i) => `| ${i + 1} | ${seconds(d.wallMs)} | ${stepNames.map((s) => seconds(d.steps[s] ?? 0)).join(' | ')} | ${seconds(d.wallMs - d.stepsMs)} | ${seconds(baselines[i] ?? 0)} |`);
  return [
    `### ${bench.heading}, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine(bench.server)}.`,
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

function restoreSuite(): Promise<void> {
  if (SOURCE === 's3-age') return runS3AgeBench(ENGINE, SIZE_MB, RUNS, benchDir);
  if (SOURCE === 'file') return main();
  throw new Error(`BENCH_SOURCE must be file (the default) or s3-age, not "${SOURCE}"`);
}

// Loaded on demand: the alert suite pulls in the worker and the test SMTP server, the restore suite neither.
const SUITES: Record<string, () => Promise<void>> = {
  restore: restoreSuite,
  api: async () => (await import('./drills-api-bench.js')).runDrillsApiBench(benchDir),
  auth: async () => (await import('./auth-bench.js')).runAuthBench(benchDir),
  plans: async () => (await import('./plans-summary-bench.js')).runPlansSummaryBench(benchDir),
  alerts: async () => (await import('./alerts-bench.js')).runAlertsBench(benchDir),
  versions: async () => console.log(await (await import('./versions-bench.js')).runVersionsBench(benchDir, SIZE_MB, RUNS)),
  guards: async () => console.log(await (await import('./guards-bench.js')).runGuardsBench(benchDir, Number(process.env.BENCH_SIZE_MB ?? 256), RUNS)),
};
const suite = SUITES[SUITE];
if (!suite) throw new Error(`BENCH_SUITE must be one of ${Object.keys(SUITES).join(', ')} (restore is the default), not "${SUITE}"`);
fs.mkdirSync(benchDir, { recursive: true });
await suite();
