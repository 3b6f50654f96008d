/**
 * `npm run chaos`: drills under worker crashes, counted. Two phases on fresh services:
 *
 * 1. CHAOS_DRILLS (50) drills of every engine and several sizes, sound and cut-short backups, all
 *    submitted at once to one host served by two worker processes, while a random one of them is
 *    SIGKILLed (and restarted) every 5–15 s. Counted: wrong verdicts, drills without a terminal
 *    record, sandboxes or slot claims left behind, and the workers' peak RSS.
 * 2. CHAOS_CONCURRENT (20) sound drills at once on one worker, no kills: all must pass.
 *
 * Exit code 1 when any count is not zero. The figures go to docs/benchmarks.md by hand, with
 * the machine line printed here.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import postgres from 'postgres';
import { loadConfig } from '../../core/config.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import type { DrillRequest, DrillResult } from '../../core/drill.js';
import { formatBytes, formatDuration } from '../../core/duration.js';
import { migrateHistoryDatabase } from '../../db/client.js';
import { RESTORE_DRILL_WORKFLOW } from '../../workflows/definitions.js';
import { drillDataConverter } from '../../worker/payload-codec.js';
import { startHistoryPostgres } from '../services/history-postgres.js';
import { freePort } from '../services/ports.js';
import { startTemporalServer } from '../services/temporal-server.js';
import { WorkerProcesses } from '../services/worker-processes.js';
import { FIXTURE_FILES, makeFixtures } from '../../test/support/fixtures.js';
import { MYSQL_FIXTURE_FILES, makeMysqlFixtures } from '../../test/support/mysql-fixtures.js';
import { MONGO_FIXTURE_FILES, makeMongoFixtures } from '../../test/support/mongo-fixtures.js';
import { ensurePostgresDataset } from './datasets/postgres.js';
import { findPostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { machine } from './harness.js';

const DRILLS = Number(process.env.CHAOS_DRILLS ?? 50);
const CONCURRENT = Number(process.env.CHAOS_CONCURRENT ?? 20);
const TASK_QUEUE = 'restore-drill-chaos';
const WORKER_ID = 'chaos-host';
const KILL_EVERY_MS: [number, number] = [5_000, 15_000];
const LEFTOVER_WAIT_MS = 60_000;

interface Backup {
  label: string;
  request: DrillRequest;
  expected: 'passed' | 'failed';
}

const log = (message: string) => console.log(`chaos: ${message}`);
const config = loadConfig();
// Outside the project's data folder: drills may never read backups from there.
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-drill-chaos-'));
fs.chmodSync(runDir, 0o755);
const sandboxRoot = path.join(runDir, 'sandboxes');
fs.mkdirSync(sandboxRoot, { mode: 0o755 });
fs.chmodSync(sandboxRoot, 0o755);

log(`starting Temporal and the history database in ${runDir}…`);
const temporal = await startTemporalServer({ toolsDir: config.toolsDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(runDir, 'temporal.log'), namespace: config.temporalNamespace });
const history = await startHistoryPostgres({ dataDir: runDir, logFile: path.join(runDir, 'history-postgres.log'), postgresBinDir: config.postgresBinDir, ignoreDatabaseUrl: true });
await migrateHistoryDatabase(history.url);
const connection = await Connection.connect({ address: temporal.address });
const client = new Client({ connection, namespace: config.temporalNamespace, dataConverter: drillDataConverter() });
const db = postgres(history.url, { max: 2, onnotice: () => {} });
const workers = new WorkerProcesses({ temporalAddress: temporal.address, databaseUrl: history.url, taskQueue: TASK_QUEUE, workerId: WORKER_ID, sandboxRoot, logDir: runDir });
let workerCount = 0;

try {
  const backups = await makeBackups();
  const chaos = await chaosPhase(backups);
  const load = await concurrentPhase(backups.filter((b) => b.expected === 'passed' && !b.label.includes('MB dump')));
  console.log('');
  console.log(machine(`Temporal ${temporal.origin}`));
  console.log('');
  console.log(`| phase | drills | wrong verdicts | no terminal record | sandboxes left | worker kills | peak worker RSS | wall time |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  console.log(`| ${DRILLS} mixed drills, random worker kills | ${chaos.drills} | ${chaos.wrong.length} | ${chaos.unrecorded.length} | ${chaos.leftovers.length} | ${chaos.kills} | ${formatBytes(chaos.peakRss)} | ${formatDuration(chaos.wallMs)} |`);
  console.log(`| ${CONCURRENT} concurrent sound drills, one worker | ${load.drills} | ${load.wrong.length} | ${load.unrecorded.length} | ${load.leftovers.length} | 0 | ${formatBytes(load.peakRss)} | ${formatDuration(load.wallMs)} |`);
  for (const line of [...chaos.wrong, ...chaos.unrecorded, ...chaos.leftovers, ...load.wrong, ...load.unrecorded, ...load.leftovers]) console.log(`  ${line}`);
  process.exitCode = [chaos, load].some((p) => p.wrong.length + p.unrecorded.length + p.leftovers.length > 0) ? 1 : 0;
  log(process.exitCode ? `logs and backups kept in ${runDir}` : 'all counts zero');
} finally {
  await workers.killAll();
  await db.end({ timeout: 5 });
  await connection.close();
  await history.stop();
  await temporal.stop();
  if (process.exitCode === 0) fs.rmSync(runDir, { recursive: true, force: true });
}

/** Sound dumps of every engine and format, a larger PostgreSQL dataset, and dumps cut short. */
async function makeBackups(): Promise<Backup[]> {
  const dir = path.join(runDir, 'backups');
  fs.mkdirSync(dir, { mode: 0o755 });
  log('making the backups (real pg_dump, mariadb-dump and mongodump output)…');
  await makeFixtures(history.url.replace(/\/[^/]*$/, '/postgres'), dir);
  await makeMysqlFixtures(dir, sandboxRoot);
  await makeMongoFixtures(dir, sandboxRoot);
  const dataset = await ensurePostgresDataset(dir, 50, await findPostgresBinaries());
  const file = (name: string) => ({ kind: 'file' as const, path: path.join(dir, name) });
  const cut = (name: string) => {
    const target = path.join(dir, `cut-${name}`);
    const bytes = fs.readFileSync(path.join(dir, name));
    fs.writeFileSync(target, bytes.subarray(0, Math.floor(bytes.length / 2)));
    return { kind: 'file' as const, path: target };
  };
  return [
    { label: 'postgres custom', request: { engine: 'postgres', source: file(FIXTURE_FILES.custom) }, expected: 'passed' },
    { label: 'postgres plain', request: { engine: 'postgres', source: file(FIXTURE_FILES.plain) }, expected: 'passed' },
    { label: 'postgres directory', request: { engine: 'postgres', source: file(FIXTURE_FILES.directory) }, expected: 'passed' },
    { label: 'postgres tar', request: { engine: 'postgres', source: file(FIXTURE_FILES.tar) }, expected: 'passed' },
    { label: `postgres custom ${Math.round(fs.statSync(dataset.path).size / 1e6)} MB dump`, request: { engine: 'postgres', source: { kind: 'file', path: dataset.path } }, expected: 'passed' },
    { label: 'mysql plain', request: { engine: 'mysql', source: file(MYSQL_FIXTURE_FILES.plain) }, expected: 'passed' },
    { label: 'mongodb archive', request: { engine: 'mongodb', source: file(MONGO_FIXTURE_FILES.archive) }, expected: 'passed' },
    { label: 'postgres custom, cut short', request: { engine: 'postgres', source: cut(FIXTURE_FILES.custom) }, expected: 'failed' },
    { label: 'mysql plain, cut short', request: { engine: 'mysql', source: cut(MYSQL_FIXTURE_FILES.plain) }, expected: 'failed' },
  ];
}

async function chaosPhase(kinds: Backup[]) {
  const started = Date.now();
  startWorker();
  startWorker();
  const planned = Array.from({ length: DRILLS }, (_, i) => kinds[i % kinds.length]!);
  log(`phase 1: ${DRILLS} drills (${kinds.map((k) => k.label).join(', ')}), two workers, one killed every ${KILL_EVERY_MS[0] / 1000}–${KILL_EVERY_MS[1] / 1000} s…`);
  const ids = await Promise.all(planned.map((backup) => startDrill(backup.request)));
  let finished = false;
  let kills = 0;
  const chaos = (async () => {
    while (!finished) {
      await sleep(KILL_EVERY_MS[0] + Math.random() * (KILL_EVERY_MS[1] - KILL_EVERY_MS[0]));
      if (finished) break;
      const alive = workers.alive();
      const victim = alive[Math.floor(Math.random() * alive.length)];
      if (!victim) continue;
      victim.kill('SIGKILL');
      kills++;
      await sleep(1000);
      startWorker();
    }
  })();
  const sampler = sampleRss();
  const results = await Promise.all(ids.map((id) => awaitDrillResult(client.workflow.getHandle(id).result())));
  finished = true;
  await chaos;
  sampler.stop();
  log(`phase 1 done in ${formatDuration(Date.now() - started)} after ${kills} kills`);
  const outcome = await judge(planned, ids, results);
  await workers.stopAll();
  return { ...outcome, kills, peakRss: sampler.peak(), wallMs: Date.now() - started };
}

async function concurrentPhase(sound: Backup[]) {
  const started = Date.now();
  startWorker();
  const planned = Array.from({ length: CONCURRENT }, (_, i) => sound[i % sound.length]!);
  log(`phase 2: ${CONCURRENT} sound drills at once on one worker…`);
  const sampler = sampleRss();
  const ids = await Promise.all(planned.map((backup) => startDrill(backup.request)));
  const results = await Promise.all(ids.map((id) => awaitDrillResult(client.workflow.getHandle(id).result())));
  sampler.stop();
  log(`phase 2 done in ${formatDuration(Date.now() - started)}`);
  return { ...(await judge(planned, ids, results)), peakRss: sampler.peak(), wallMs: Date.now() - started };
}

async function judge(planned: Backup[], ids: string[], results: DrillResult[]) {
  const wrong = results.flatMap((result, i) => (result.outcome === planned[i]!.expected ? [] : [`wrong verdict: ${planned[i]!.label} (${ids[i]}) ended ${result.outcome}: ${result.reason}`]));
  const rows = await db<{ id: string; outcome: string | null }[]>`SELECT id, outcome FROM drills WHERE id IN ${db(ids)}`;
  const recorded = new Map(rows.map((row) => [row.id, row.outcome]));
  const unrecorded = ids.flatMap((id, i) => (recorded.get(id) === results[i]!.outcome ? [] : [`no terminal record: ${id} (history says ${recorded.get(id) ?? 'nothing'})`]));
  const deadline = Date.now() + LEFTOVER_WAIT_MS;
  let leftovers = listLeftovers();
  while (leftovers.length > 0 && Date.now() < deadline) {
    await sleep(1000);
    leftovers = listLeftovers();
  }
  return { drills: ids.length, wrong, unrecorded, leftovers };
}

function listLeftovers(): string[] {
  const claims = path.join(sandboxRoot, '.restore-drill-slots');
  const dirs = fs.readdirSync(sandboxRoot).filter((name) => !name.startsWith('.')).map((name) => `sandbox left: ${name}`);
  const slots = fs.existsSync(claims) ? fs.readdirSync(claims).map((name) => `slot claim left: ${name}`) : [];
  return [...dirs, ...slots];
}

function startDrill(request: DrillRequest): Promise<string> {
  const workflowId = `chaos-${randomBytes(4).toString('hex')}`;
  return client.workflow.start(RESTORE_DRILL_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId, args: [request] }).then(() => workflowId);
}

function startWorker(): ChildProcess {
  return workers.start(`worker-${++workerCount}`);
}

/** The largest resident set any worker process reached, sampled every 500 ms. */
function sampleRss() {
  let peak = 0;
  const timer = setInterval(() => {
    for (const worker of workers.alive()) {
      // A worker killed a moment ago has no status any more.
      let status: RegExpMatchArray | null = null;
      try {
        status = fs.readFileSync(`/proc/${worker.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      } catch {
        continue;
      }
      if (status) peak = Math.max(peak, Number(status[1]) * 1024);
    }
  }, 500);
  return { stop: () => clearInterval(timer), peak: () => peak };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
