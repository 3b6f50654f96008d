/**
 * The alert suite's bad backup: real pg_dump plain-SQL output of a small database, cut in half the
 * way a backup job killed mid-write leaves it. Drills of it fail quickly and always the same way
 * (at restore: no "dump complete" trailer), so each one alerts and the drill itself stays short.
 * Made once in the bench history cluster and cached in the bench directory.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { findPostgresBinaries } from '../../../activities/engines/postgres/binaries.js';
import { loadConfig } from '../../../core/config.js';
import { log } from './dataset.js';
import { databaseUrl } from './history.js';

const execFileAsync = promisify(execFile);
const SOURCE_DATABASE = 'bench_alert_source';

export async function ensureCutPlainDump(benchDir: string, historyUrl: string): Promise<string> {
  const file = path.join(benchDir, 'alerts-cut-short.sql');
  if (fs.existsSync(file)) return file;
  log('making the cut-short plain dump (once; cached)…');
  const admin = postgres(databaseUrl(historyUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${SOURCE_DATABASE}`);
    await admin.unsafe(`CREATE DATABASE ${SOURCE_DATABASE}`);
    const source = postgres(databaseUrl(historyUrl, SOURCE_DATABASE), { max: 1, onnotice: () => {} });
    try {
      await source.unsafe(`
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL);
        INSERT INTO customers SELECT g, 'customer ' || g, now() - g * interval '1 hour' FROM generate_series(1, 2000) g;
        CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10,2) NOT NULL);
        INSERT INTO orders SELECT g, 1 + g % 2000, (g % 10000) / 100.0 FROM generate_series(1, 5000) g;
      `);
    } finally {
      await source.end({ timeout: 5 });
    }
    const bins = await findPostgresBinaries(loadConfig().postgresBinDir);
    const { stdout } = await execFileAsync(bins.path('pg_dump'), ['--format=plain', '--no-owner', `--dbname=${databaseUrl(historyUrl, SOURCE_DATABASE)}`], { maxBuffer: 64 * 1024 * 1024 });
    const cut = stdout.slice(0, Math.floor(stdout.length / 2));
    fs.writeFileSync(`${file}.partial`, cut, { mode: 0o644 });
    fs.renameSync(`${file}.partial`, file);
    return file;
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${SOURCE_DATABASE}`).catch(() => undefined);
    await admin.end({ timeout: 5 });
  }
}
