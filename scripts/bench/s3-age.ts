/**
 * `BENCH_SOURCE=s3-age npm run bench`: does a backup that comes from S3, age-encrypted and
 * gzip-compressed, restore as fast as the same dump from a local plaintext file? The dump is the
 * PostgreSQL dataset as plain SQL (it streams straight into psql, no copy on disk), so the whole
 * pipeline S3 GET → age decryption → gunzip → psql runs at once inside the restore step.
 *
 * Once: the plain dump and its gzip copy (cached), a fresh age key, the encrypted copy uploaded to
 * a local moto S3 with a `.sha256` sidecar, and two vault credentials added with `drill vault add`
 * (`bench-aws`, `bench-age`). Then, alternating after one discarded warm-up pair, BENCH_RUNS times:
 *   A: drill run --engine postgres --source s3://bench/KEY --credential bench-aws --decrypt-with bench-age
 *   B: drill run --engine postgres --file PLAIN.sql
 * on the same worker. Throughput is uncompressed SQL bytes over the restore step's duration (and
 * over the CLI's wall time); the ratio is A's over B's (target ≥ 0.9). Before the runs it also
 * times the decoding pipeline alone (no database), stage by stage, to show where A's time goes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { findPostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { decryptAge } from '../../activities/transforms/age.js';
import { loadConfig } from '../../core/config.js';
import { formatBytes } from '../../core/duration.js';
import { startMoto, type MotoServer } from '../../test/support/moto.js';
import { log } from './datasets/dataset.js';
import { ensurePlainPostgresDataset, type PlainDataset } from './datasets/postgres-plain.js';
import { ensurePostgresDataset } from './datasets/postgres.js';
import type { BenchEngine } from './engines.js';
import { DRILL_BIN, execFileAsync, machine, median, runDrill, seconds, startBenchServices, type DrillRun } from './harness.js';

const BUCKET = 'bench';
const TARGET = 0.9;

interface Pair {
  a: DrillRun;
  b: DrillRun;
}

interface Stage {
  name: string;
  ms: number;
}

export async function runS3AgeBench(engine: BenchEngine, sizeMb: number, runs: number, benchDir: string): Promise<void> {
  if (engine.engine !== 'postgres') throw new Error('BENCH_SOURCE=s3-age measures PostgreSQL plain dumps only: leave BENCH_ENGINE unset or postgres');
  fs.mkdirSync(benchDir, { recursive: true });
  const bins = await findPostgresBinaries(loadConfig().postgresBinDir);
  const dataset = await ensurePlainPostgresDataset(await ensurePostgresDataset(benchDir, sizeMb, bins), bins);
  const sqlBytes = fs.statSync(dataset.path).size;
  const gzipBytes = fs.statSync(dataset.gzipPath).size;

  // A fresh key per invocation; the encrypted copy and the key live only for this run.
  const work = fs.mkdtempSync(path.join(benchDir, 's3-age-'));
  const keyFile = path.join(work, 'bench-age.key');
  await execFileAsync('age-keygen', ['-o', keyFile]);
  const recipient = (await execFileAsync('age-keygen', ['-y', keyFile])).stdout.trim();
  const encrypted = path.join(work, `${path.basename(dataset.gzipPath)}.age`);
  await execFileAsync('age', ['-r', recipient, '-o', encrypted, dataset.gzipPath]);
  const ageBytes = fs.statSync(encrypted).size;
  log(`dataset: ${dataset.rows.toLocaleString('en-US')} rows; plain SQL ${formatBytes(sqlBytes)}, gzip ${formatBytes(gzipBytes)}, age ${formatBytes(ageBytes)}`);

  let moto: MotoServer | undefined;
  let services: Awaited<ReturnType<typeof startBenchServices>> | undefined;
  try {
    moto = await startMoto();
    const key = path.basename(encrypted);
    await upload(moto, key, encrypted);

    const masterKey = randomBytes(32).toString('base64');
    // The keys come from the vault only, as in production; moto accepts any well-formed pair.
    const secretEnv = { RESTORE_DRILL_MASTER_KEY: masterKey, AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
    services = await startBenchServices(benchDir, secretEnv);
    const vaultEnv = { ...services.cliEnv, DATABASE_URL: services.historyUrl };
    fs.writeFileSync(path.join(work, 'aws.json'), JSON.stringify({ accessKeyId: 'AKIABENCHMARK0000001', secretAccessKey: randomBytes(20).toString('hex') }), { mode: 0o600 });
    await vault(vaultEnv, 'bench-aws', 'aws', path.join(work, 'aws.json'));
    await vault(vaultEnv, 'bench-age', 'age-identity', keyFile);

    const stages = await decodeStages(moto, key, fs.readFileSync(keyFile, 'utf8'));
    log(`decoding alone: ${stages.map((s) => `${s.name} ${seconds(s.ms)}`).join(', ')}`);

    const a = ['--engine', 'postgres', '--source', `s3://${BUCKET}/${key}`, '--credential', 'bench-aws', '--decrypt-with', 'bench-age'];
    const b = ['--engine', 'postgres', '--file', dataset.path];
    const pairs: Pair[] = [];
    for (let i = 0; i <= runs; i += 1) {
      const label = i === 0 ? 'warm-up' : `run ${i}/${runs}`;
      const pair = { a: await runDrill(a, services.cliEnv), b: await runDrill(b, services.cliEnv) };
      log(`${label}: A (s3 → age → gunzip) ${seconds(pair.a.wallMs)}, restore ${seconds(pair.a.steps.restore ?? 0)}; B (local plaintext) ${seconds(pair.b.wallMs)}, restore ${seconds(pair.b.steps.restore ?? 0)}`);
      if (i > 0) pairs.push(pair);
    }
    console.log(report({ dataset, sqlBytes, gzipBytes, ageBytes, runs, stages, pairs, psql: `PostgreSQL ${bins.version}, plain dump streamed into one \`psql\``, moto: await motoVersion() }));
  } finally {
    await services?.stop();
    await moto?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function s3Client(moto: MotoServer): S3Client {
  return new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' } });
}

async function upload(moto: MotoServer, key: string, file: string): Promise<void> {
  const s3 = s3Client(moto);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const body = fs.readFileSync(file);
  const sha256 = (await execFileAsync('sha256sum', [file])).stdout.split(/\s/)[0]!;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  // A sidecar, as backup jobs write: A verifies it while streaming, B hashes its file in locate.
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.sha256`, Body: `${sha256}  ${key}\n` }));
  s3.destroy();
}

async function vault(env: NodeJS.ProcessEnv, name: string, kind: string, file: string): Promise<void> {
  // The history database persists between invocations, the master key does not.
  await execFileAsync(process.execPath, [DRILL_BIN, 'vault', 'rm', name], { env }).catch(() => undefined);
  await execFileAsync(process.execPath, [DRILL_BIN, 'vault', 'add', '--kind', kind, '--name', name, '--from-file', file], { env });
}

/** The decoding pipeline without the database, each stage added in turn, read to the end and discarded. */
async function decodeStages(moto: MotoServer, key: string, identity: string): Promise<Stage[]> {
  const s3 = s3Client(moto);
  const get = async () => (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body as Readable;
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const time = async (name: string, run: () => Promise<void>): Promise<Stage> => {
    const started = process.hrtime.bigint();
    await run();
    return { name, ms: Number(process.hrtime.bigint() - started) / 1e6 };
  };
  const credential = { kind: 'age-identity' as const, identity };
  try {
    return [
      await time('S3 GET', async () => pipeline(await get(), discard())),
      await time('S3 GET → age', async () => pipeline(await decryptAge(await get(), false, credential), discard())),
      await time('S3 GET → age → gunzip', async () => pipeline(await decryptAge(await get(), false, credential), createGunzip(), discard())),
    ];
  } finally {
    s3.destroy();
  }
}

async function motoVersion(): Promise<string> {
  const { stdout } = await execFileAsync(path.join(loadConfig().toolsDir, 'venv', 'bin', 'python'), ['-c', 'import moto; print(moto.__version__)']).catch(() => ({ stdout: '?' }));
  return stdout.trim();
}

interface ReportInput {
  dataset: PlainDataset;
  sqlBytes: number;
  gzipBytes: number;
  ageBytes: number;
  runs: number;
  stages: Stage[];
  pairs: Pair[];
  psql: string;
  moto: string;
}

const MIB = 1024 * 1024;
const rate = (bytes: number, ms: number) => `${(bytes / MIB / (ms / 1000)).toFixed(1)} MiB/s`;

function report(r: ReportInput): string {
  const stepNames = [...new Set(r.pairs.flatMap((p) => [...Object.keys(p.a.steps), ...Object.keys(p.b.steps)]))];
  const row = (run: number, label: string, d: DrillRun) => `| ${run} | ${label} | ${seconds(d.wallMs)} | ${stepNames.map((s) => seconds(d.steps[s] ?? 0)).join(' | ')} | ${rate(r.sqlBytes, d.steps.restore ?? NaN)} | ${rate(r.sqlBytes, d.wallMs)} |`;
  const restoreA = median(r.pairs.map((p) => p.a.steps.restore ?? NaN));
  const restoreB = median(r.pairs.map((p) => p.b.steps.restore ?? NaN));
  const wallA = median(r.pairs.map((p) => p.a.wallMs));
  const wallB = median(r.pairs.map((p) => p.b.wallMs));
  const restoreRatio = restoreB / restoreA;
  const pairRatios = r.pairs.map((p) => (p.b.steps.restore ?? NaN) / (p.a.steps.restore ?? NaN));
  const stepMedians = (pick: (p: Pair) => DrillRun) => stepNames.map((s) => `${s} ${seconds(median(r.pairs.map((p) => pick(p).steps[s] ?? 0)))}`).join(', ');
  return [
    `### S3 → age → gunzip → restore vs local plaintext, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine(`${r.psql}, moto ${r.moto} (\`moto_server\`, same host)`)}.`,
    `Dataset: ${r.dataset.tables} tables with 6 indexes, ${r.dataset.rows.toLocaleString('en-US')} rows, ${formatBytes(r.dataset.databaseBytes)} on disk; plain SQL dump ${formatBytes(r.sqlBytes)} (${r.sqlBytes.toLocaleString('en-US')} bytes), gzip -6 ${formatBytes(r.gzipBytes)}, age-encrypted ${formatBytes(r.ageBytes)}. ${r.runs} alternating runs after a discarded warm-up pair.`,
    '',
    `| run | drill | wall | ${stepNames.join(' | ')} | SQL / restore | SQL / wall |`,
    `| --- | --- | --- | ${stepNames.map(() => '---').join(' | ')} | --- | --- |`,
    ...r.pairs.flatMap((p, i) => [row(i + 1, 'A: S3 → age → gunzip', p.a), row(i + 1, 'B: local plaintext', p.b)]),
    '',
    `- median A: wall **${seconds(wallA)}**, restore **${seconds(restoreA)}** → **${rate(r.sqlBytes, restoreA)}** of SQL per restore second, ${rate(r.sqlBytes, wallA)} per wall second`,
    `- median B: wall **${seconds(wallB)}**, restore **${seconds(restoreB)}** → **${rate(r.sqlBytes, restoreB)}** of SQL per restore second, ${rate(r.sqlBytes, wallB)} per wall second`,
    `- median steps: A ${stepMedians((p) => p.a)}; B ${stepMedians((p) => p.b)}`,
    `- throughput ratio A/B, restore step: **${restoreRatio.toFixed(3)}** (target ≥ ${TARGET}${restoreRatio >= TARGET ? '' : ', **missed**'}); per pair ${pairRatios.map((x) => x.toFixed(3)).join(', ')}`,
    `- throughput ratio A/B, wall time: **${(wallB / wallA).toFixed(3)}**`,
    `- decoding alone (no database, in the bench process, once): ${r.stages.map((s) => `${s.name} ${seconds(s.ms)} (${s.name.endsWith('gunzip') ? `${rate(r.sqlBytes, s.ms)} of SQL` : `${rate(r.ageBytes, s.ms)} of ciphertext`})`).join('; ')}`,
  ].join('\n');
}
