/**
 * `BENCH_SUITE=guards npm run bench`: what reading a plain dump through the script guards costs
 * (psql's restricted-mode filter, the MySQL attempt scanner) against plain streaming of the same
 * bytes, on a generated dump of BENCH_SIZE_MB (default 256) shaped like pg_dump and mysqldump
 * output. Runs alternate, after one discarded warm-up; medians and ratios against the baseline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import { PsqlScriptGuard } from '../../activities/engines/postgres/psql-guard.js';
import { MysqlScriptGuard } from '../../activities/engines/mysql/script-guard.js';
import { log } from './datasets/dataset.js';
import { machine, median } from './harness.js';

function ensureDump(file: string, sizeMb: number, line: (i: number) => string, header: string, footer: string): void {
  if (fs.existsSync(file) && fs.statSync(file).size >= sizeMb * 1024 * 1024) return;
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, header);
  let written = 0;
  const chunk: string[] = [];
  for (let i = 0; written < sizeMb * 1024 * 1024; i++) {
    const text = line(i);
    chunk.push(text);
    written += text.length;
    if (chunk.length === 10_000) fs.writeSync(out, chunk.splice(0).join(''));
  }
  fs.writeSync(out, chunk.join('') + footer);
  fs.closeSync(out);
}

async function timeThrough(file: string, make: () => Transform): Promise<number> {
  const started = performance.now();
  await pipeline(fs.createReadStream(file, { highWaterMark: 256 * 1024 }), make(), new Writable({ write: (_chunk, _encoding, done) => done() }));
  return performance.now() - started;
}

export async function runGuardsBench(benchDir: string, sizeMb: number, runs: number): Promise<string> {
  const pgDump = path.join(benchDir, `guards-pg-${sizeMb}mb.sql`);
  const myDump = path.join(benchDir, `guards-mysql-${sizeMb}mb.sql`);
  ensureDump(pgDump, sizeMb, (i) => `${i}\tcustomer ${i}\tc${i}@example.test\t2026-11-30 12:00:00+00\t\\N\t${'x'.repeat(40)}\n`, 'COPY public.customers (id, name, email, seen, note, filler) FROM stdin;\n', '\\.\n');
  // mysqldump writes extended INSERTs: one long line per ~1 MB of rows.
  ensureDump(myDump, sizeMb, (i) => `${i % 5000 === 0 ? ';\nINSERT INTO `customers` VALUES ' : ','}(${i},'customer ${i}','c${i}@example.test','${'x'.repeat(40)}')`, 'INSERT INTO `customers` VALUES (0,\'first\',\'f@example.test\',\'x\')', ';\n');
  const ways: Array<{ name: string; file: string; make: () => Transform }> = [
    { name: 'plain stream (baseline)', file: pgDump, make: () => new PassThrough() },
    { name: 'psql guard, restricted mode', file: pgDump, make: () => new PsqlScriptGuard(true) },
    { name: 'plain stream, mysqldump (baseline)', file: myDump, make: () => new PassThrough() },
    { name: 'MySQL attempt scanner', file: myDump, make: () => new MysqlScriptGuard() },
  ];
  const samples = new Map(ways.map((w) => [w.name, [] as number[]]));
  for (let round = 0; round <= runs; round++) {
    for (const way of round % 2 ? [...ways].reverse() : ways) {
      const ms = await timeThrough(way.file, way.make);
      if (round > 0) samples.get(way.name)!.push(ms);
    }
    log(`round ${round === 0 ? 'warm-up' : `${round}/${runs}`} done`);
  }
  const mb = (file: string) => fs.statSync(file).size / 1024 / 1024;
  const rows = ways.map((way, i) => {
    const base = median(samples.get(ways[i < 2 ? 0 : 2]!.name)!);
    const ms = median(samples.get(way.name)!);
    return `| ${way.name} | ${(ms / 1000).toFixed(2)} s | ${(mb(way.file) / (ms / 1000)).toFixed(0)} MiB/s | ${(ms / base).toFixed(2)} |`;
  });
  return [
    `### Script guards over plain dumps, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine('dumps generated in the bench folder, read from the page cache')}. ${runs} runs each after a warm-up, alternating; ${sizeMb} MiB per dump.`,
    '',
    '| path | median | throughput | ratio to its baseline |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
