/**
 * `npm run bench`: how much a Restore Drill drill costs over the restore check a sysadmin would
 * script by hand. Generates a PostgreSQL dataset (BENCH_SIZE_MB, default 1024 MB on disk, several
 * indexed tables), dumps it in custom format, then alternates (A) the full drill through the CLI
 * and (B) scripts/bench/baseline-restore.sh, BENCH_RUNS times each (default 3) after one discarded
 * warm-up pair. Prints medians, the ratio A/B and the drill's orchestration overhead (wall time
 * minus the sum of its step durations), as Markdown for docs/benchmarks.md.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { findPostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { RESTORE_JOBS } from '../../activities/engines/postgres/restore.js';
import { SANDBOX_SUPERUSER, startPostgresServer, stopPostgresServer, THROWAWAY_SERVER_SETTINGS } from '../../activities/engines/postgres/server.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import { loadConfig, PROJECT_ROOT } from '../../core/config.js';
import { formatBytes } from '../../core/duration.js';
import { migrateHistoryDatabase } from '../../db/client.js';
import { startHistoryPostgres } from '../services/history-postgres.js';
import { freePort } from '../services/ports.js';
import { startTemporalServer } from '../services/temporal-server.js';

const execFileAsync = promisify(execFile);
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? 1024);
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
  const bins = await findPostgresBinaries(config.postgresBinDir);
  const dump = await ensureDataset(bins);
  const dumpSize = fs.statSync(dump.path).size;
  log(`dataset: ${dump.tables} tables, ${dump.rows.toLocaleString('en-US')} rows, ${formatBytes(dump.databaseBytes)} on disk; dump ${formatBytes(dumpSize)}`);

  const temporal = await startTemporalServer({ toolsDir: config.toolsDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(benchDir, 'temporal.log'), namespace: config.temporalNamespace });
  const history = await startHistoryPostgres({ dataDir: benchDir, logFile: path.join(benchDir, 'history-postgres.log'), postgresBinDir: config.postgresBinDir, ignoreDatabaseUrl: true });
  await migrateHistoryDatabase(history.url);
  const worker = startWorker({ TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: history.url, RESTORE_DRILL_TASK_QUEUE: TASK_QUEUE });
  const serverOptions = Object.entries(THROWAWAY_SERVER_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ');

  try {
    const drills: DrillRun[] = [];
    const baselines: number[] = [];
    for (let i = 0; i <= RUNS; i += 1) {
      const label = i === 0 ? 'warm-up' : `run ${i}/${RUNS}`;
      const drill = await runDrill(dump.path, temporal.address);
      const baseline = await runBaseline(dump.path, bins.binDir, serverOptions);
      log(`${label}: drill ${seconds(drill.wallMs)} (steps ${seconds(drill.stepsMs)}), baseline ${seconds(baseline)}`);
      if (i > 0) {
        drills.push(drill);
        baselines.push(baseline);
      }
    }
    console.log(report(dump, dumpSize, drills, baselines, bins.version));
  } finally {
    worker.kill('SIGTERM');
    await history.stop();
    await temporal.stop();
  }
}

async function ensureDataset(bins: Awaited<ReturnType<typeof findPostgresBinaries>>) {
  const dumpPath = path.join(benchDir, `dataset-${SIZE_MB}mb.dump`);
  const metaPath = `${dumpPath}.json`;
  if (fs.existsSync(dumpPath) && fs.existsSync(metaPath)) return { path: dumpPath, ...JSON.parse(fs.readFileSync(metaPath, 'utf8')) } as { path: string; tables: number; rows: number; databaseBytes: number };

  log(`generating a ${SIZE_MB} MB dataset (once; cached in ${benchDir})…`);
  const sandbox = await createLocalSandbox('bench-dataset', 'postgres', { hostTaskQueue: 'bench' });
  try {
    await startPostgresServer(sandbox, bins);
    const admin = postgres({ host: sandbox.socketDir, port: sandbox.port, user: SANDBOX_SUPERUSER, database: 'postgres', max: 1, onnotice: () => {} });
    await admin.unsafe('CREATE DATABASE bench');
    await admin.end();
    const sql = postgres({ host: sandbox.socketDir, port: sandbox.port, user: SANDBOX_SUPERUSER, database: 'bench', max: 1, onnotice: () => {} });
    await sql.unsafe(`
      CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL);
      CREATE TABLE orders (id bigint PRIMARY KEY, user_id int NOT NULL, status text NOT NULL, total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL);
      CREATE TABLE line_items (order_id bigint NOT NULL, line int NOT NULL, sku text NOT NULL, quantity int NOT NULL, price numeric(10,2) NOT NULL, PRIMARY KEY (order_id, line));
      CREATE TABLE events (id bigint PRIMARY KEY, user_id int NOT NULL, kind text NOT NULL, payload jsonb NOT NULL, created_at timestamptz NOT NULL);
    `);
    const target = SIZE_MB * 1024 * 1024;
    for (let round = 0; ; round += 1) {
      const u = round * 20_000;
      const o = round * 100_000;
      const e = round * 250_000;
      await sql.unsafe(`
        INSERT INTO users SELECT g, 'user' || g || '@example.test', 'User ' || g, now() - g * interval '1 minute' FROM generate_series(${u + 1}, ${u + 20_000}) g;
        INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % ${u + 20_000}, (ARRAY['new','paid','shipped','returned'])[1 + g % 4], (g % 100000) / 100.0, now() - g * interval '1 second' FROM generate_series(${o + 1}, ${o + 100_000}) g;
        INSERT INTO line_items SELECT 1 + g / 3 + ${o}, g % 3, 'SKU-' || (g % 5000), 1 + g % 9, (g % 20000) / 100.0 FROM generate_series(0, 299999) g;
        INSERT INTO events SELECT g, 1 + g % ${u + 20_000}, (ARRAY['login','view','click','purchase'])[1 + g % 4], jsonb_build_object('page', '/p/' || (g % 977), 'ms', g % 3000, 'agent', 'bench-agent/' || (g % 13)), now() - g * interval '100 milliseconds' FROM generate_series(${e + 1}, ${e + 250_000}) g;
      `);
      const [{ size }] = (await sql.unsafe(`SELECT pg_database_size('bench') AS size`)) as unknown as [{ size: string }];
      // Secondary indexes come last and add about a fifth; stop early enough to land near the target.
      if (Number(size) * 1.2 >= target) break;
    }
    await sql.unsafe(`
      CREATE UNIQUE INDEX users_email_idx ON users (email);
      CREATE INDEX orders_user_idx ON orders (user_id);
      CREATE INDEX orders_created_idx ON orders (created_at);
      CREATE INDEX events_user_created_idx ON events (user_id, created_at);
    `);
    const [stats] = (await sql.unsafe(`SELECT pg_database_size('bench') AS bytes, (SELECT count(*) FROM users) + (SELECT count(*) FROM orders) + (SELECT count(*) FROM line_items) + (SELECT count(*) FROM events) AS rows`)) as unknown as [{ bytes: string; rows: string }];
    await sql.end();
    await execFileAsync(bins.path('pg_dump'), ['-h', sandbox.socketDir, '-p', String(sandbox.port), '-U', SANDBOX_SUPERUSER, '-Fc', '-f', dumpPath, 'bench']);
    const meta = { tables: 4, rows: Number(stats.rows), databaseBytes: Number(stats.bytes) };
    fs.writeFileSync(metaPath, JSON.stringify(meta));
    return { path: dumpPath, ...meta };
  } finally {
    await stopPostgresServer(sandbox);
    await removeLocalSandbox(sandbox);
  }
}

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const logFile = fs.openSync(path.join(benchDir, 'worker.log'), 'w');
  return spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], { env: { ...process.env, ...env }, stdio: ['ignore', logFile, logFile] });
}

async function runDrill(dumpPath: string, temporalAddress: string): Promise<DrillRun> {
  const started = process.hrtime.bigint();
  const { stdout } = await execFileAsync(process.execPath, [path.join(PROJECT_ROOT, 'cli', 'bin.js'), 'run', '--engine', 'postgres', '--file', dumpPath, '--json'], {
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, RESTORE_DRILL_TASK_QUEUE: TASK_QUEUE },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result = JSON.parse(stdout) as { outcome: string; reason: string | null; timings: { totalMs: number; steps: Record<string, number> } };
  if (result.outcome !== 'passed') throw new Error(`benchmark drill did not pass: ${result.reason}`);
  const stepsMs = Object.values(result.timings.steps).reduce((a, b) => a + b, 0);
  return { wallMs, workflowMs: result.timings.totalMs, stepsMs, steps: result.timings.steps };
}

async function runBaseline(dumpPath: string, binDir: string, serverOptions: string): Promise<number> {
  const started = process.hrtime.bigint();
  await execFileAsync('bash', [path.join(PROJECT_ROOT, 'scripts', 'bench', 'baseline-restore.sh'), dumpPath, String(RESTORE_JOBS), binDir, serverOptions]);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function report(dump: { tables: number; rows: number; databaseBytes: number }, dumpSize: number, drills: DrillRun[], baselines: number[], pgVersion: string): string {
  const a = median(drills.map((d) => d.wallMs));
  const b = median(baselines);
  const overhead = median(drills.map((d) => d.wallMs - d.stepsMs));
  const workflowOverhead = median(drills.map((d) => d.workflowMs - d.stepsMs));
  const stepNames = Object.keys(drills[0]?.steps ?? {});
  const cpu = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
  const rows = drills.map((d, i) => `| ${i + 1} | ${seconds(d.wallMs)} | ${stepNames.map((s) => seconds(d.steps[s] ?? 0)).join(' | ')} | ${seconds(d.wallMs - d.stepsMs)} | ${seconds(baselines[i] ?? 0)} |`);
  return [
    `### PostgreSQL custom-format restore, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: ${os.cpus().length} × ${cpu}, ${formatBytes(os.totalmem())} RAM, Node ${process.version}, PostgreSQL ${pgVersion}, pg_restore -j ${RESTORE_JOBS}.`,
    `Dataset: ${dump.tables} tables with 6 indexes, ${dump.rows.toLocaleString('en-US')} rows, ${formatBytes(dump.databaseBytes)} on disk; custom-format dump ${formatBytes(dumpSize)}. ${RUNS} alternating runs after a discarded warm-up pair.`,
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

function log(message: string) {
  console.error(`bench: ${message}`);
}

await main();
