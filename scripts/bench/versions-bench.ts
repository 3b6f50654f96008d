/**
 * `BENCH_SUITE=versions npm run bench`: what PostgreSQL majors side by side cost.
 *  1. Provision time per major: a sandbox cluster copied from that major's pristine template and
 *     started, BENCH_RUNS rounds interleaved across majors (the first, template-building start of
 *     each major reported apart).
 *  2. The same data as a PostgreSQL 15 custom dump (the restore benchmark's dataset), as a
 *     PostgreSQL 17 custom dump and as a PostgreSQL 17 pg_basebackup (tar, WAL streamed), each
 *     drilled through the CLI, interleaved, medians and ratios against the 15 dump.
 * The 17 copies are made once from the 15 dump (restored into a 17 server, dumped and base-backed
 * up there) and cached beside it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { configuredPostgresInstallations } from '../../activities/engines/postgres/installations.js';
import type { PostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { startPostgresServer, stopPostgresServer } from '../../activities/engines/postgres/server.js';
import { sandboxSlotAccount } from '../../activities/sandboxes/accounts.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import { formatBytes } from '../../core/duration.js';
import { log } from './datasets/dataset.js';
import { ensurePostgresDataset } from './datasets/postgres.js';
import { machine, median, runDrill, seconds, startBenchServices } from './harness.js';

const execFileAsync = promisify(execFile);

export async function runVersionsBench(benchDir: string, sizeMb: number, runs: number): Promise<string> {
  const installations = configuredPostgresInstallations();
  const majors = (await installations.list()).filter((install) => install.major >= 14).sort((a, b) => a.major - b.major);
  const pg15 = majors.find((install) => install.major === 15);
  const pg17 = majors.find((install) => install.major === 17);
  if (!pg15 || !pg17) throw new Error('the versions benchmark needs PostgreSQL 15 and 17: run `npm run setup`');

  const provisioning = await provisionTimes(majors, runs);
  const dataset = await ensurePostgresDataset(benchDir, sizeMb, pg15);
  const copies = await ensure17Copies(benchDir, dataset.path, pg17);

  const services = await startBenchServices(benchDir);
  const variants = [
    { label: 'PostgreSQL 15 custom dump (baseline)', args: ['--file', dataset.path] },
    { label: 'PostgreSQL 17 custom dump', args: ['--file', copies.dump] },
    { label: 'PostgreSQL 17 pg_basebackup (tar, WAL streamed)', args: ['--file', copies.baseBackup] },
  ];
  const walls = variants.map(() => [] as number[]);
  try {
    for (let round = 0; round <= runs; round += 1) {
      for (const [i, variant] of variants.entries()) {
        const drill = await runDrill(['--engine', 'postgres', ...variant.args], services.cliEnv);
        log(`${round === 0 ? 'warm-up' : `run ${round}/${runs}`}: ${variant.label} ${seconds(drill.wallMs)}`);
        if (round > 0) walls[i]!.push(drill.wallMs);
      }
    }
  } finally {
    await services.stop();
  }
  const baseline = median(walls[0]!);
  return [
    `### PostgreSQL majors side by side, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine('PostgreSQL ' + majors.map((m) => m.version).join(', '))}. \`BENCH_SUITE=versions BENCH_RUNS=${runs} BENCH_SIZE_MB=${sizeMb} npm run bench\`.`,
    '',
    '| major | first start of the run | provision median (template copy + start) |',
    '| --- | --- | --- |',
    ...provisioning.map((p) => `| ${p.version} (${p.origin}) | ${seconds(p.firstMs)} | ${seconds(median(p.samplesMs))} |`),
    '',
    `Same data (${dataset.rows.toLocaleString('en-US')} rows, ${formatBytes(dataset.databaseBytes)} on disk), each drilled ${runs} times after a warm-up, interleaved:`,
    '',
    '| backup | size | drill median | ratio vs 15 dump |',
    '| --- | --- | --- | --- |',
    ...variants.map((variant, i) => `| ${variant.label} | ${formatBytes(sizeOf(variant.args[1]!))} | ${seconds(median(walls[i]!))} | ${(median(walls[i]!) / baseline).toFixed(3)} |`),
  ].join('\n');
}

async function provisionTimes(majors: PostgresBinaries[], runs: number) {
  const results = majors.map((bins) => ({ version: bins.version, origin: bins.origin, firstMs: 0, samplesMs: [] as number[] }));
  for (let round = 0; round <= runs; round += 1) {
    for (const [i, bins] of majors.entries()) {
      const sandbox = await createLocalSandbox(`bench-provision-${bins.major}`, 'postgres', { hostTaskQueue: 'bench' });
      try {
        const started = process.hrtime.bigint();
        await startPostgresServer(sandbox, bins);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (round === 0) results[i]!.firstMs = ms;
        else results[i]!.samplesMs.push(ms);
      } finally {
        await stopPostgresServer(sandbox);
        await removeLocalSandbox(sandbox);
      }
    }
  }
  for (const result of results) log(`provision ${result.version}: first ${seconds(result.firstMs)}, median ${seconds(median(result.samplesMs))}`);
  return results;
}

/** The 15 dump's data as PostgreSQL 17 writes it: a custom dump and a tar base backup, cached. */
async function ensure17Copies(benchDir: string, dump15: string, bins: PostgresBinaries): Promise<{ dump: string; baseBackup: string }> {
  const dump = dump15.replace(/\.dump$/, `.pg${bins.major}.dump`);
  const baseBackup = dump15.replace(/\.dump$/, `.pg${bins.major}.base`);
  if (fs.existsSync(dump) && fs.existsSync(path.join(baseBackup, 'base.tar'))) return { dump, baseBackup };
  log(`making PostgreSQL ${bins.major} copies of ${path.basename(dump15)} (once)…`);
  const account = await sandboxSlotAccount(1);
  const scratch = fs.mkdtempSync(path.join(benchDir, `pg${bins.major}-source-`));
  fs.chownSync(scratch, account.uid, account.gid);
  const dataDir = path.join(scratch, 'data');
  const asAccount = { uid: account.uid, gid: account.gid, cwd: scratch, env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8' } };
  const connect = ['-h', scratch, '-p', '5499', '-U', 'postgres'];
  await execFileAsync(bins.path('initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync'], asAccount);
  await execFileAsync(bins.path('pg_ctl'), ['-D', dataDir, '-l', path.join(scratch, 'log'), '-w', '-o', `-p 5499 -c listen_addresses='' -c unix_socket_directories=${scratch} -c fsync=off -c max_wal_size=4GB`, 'start'], asAccount);
  try {
    await execFileAsync(bins.path('psql'), [...connect, '-d', 'postgres', '-c', 'CREATE DATABASE bench']);
    await execFileAsync(bins.path('pg_restore'), [...connect, '-d', 'bench', '-j', '2', dump15]);
    await execFileAsync(bins.path('pg_dump'), [...connect, '-Fc', '-f', dump, 'bench']);
    fs.rmSync(baseBackup, { recursive: true, force: true });
    await execFileAsync(bins.path('pg_basebackup'), [...connect, '-D', baseBackup, '-Ft', '-X', 'stream', '--checkpoint=fast']);
  } finally {
    await execFileAsync(bins.path('pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], asAccount).catch(() => {});
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return { dump, baseBackup };
}

function sizeOf(file: string): number {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(file).reduce((total, name) => total + fs.statSync(path.join(file, name)).size, 0);
}
