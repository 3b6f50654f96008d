/**
 * The MySQL/MariaDB benchmark dataset: the same four tables as the PostgreSQL one (InnoDB, with
 * their secondary indexes declared up front, as a MySQL schema usually has them), grown to about
 * sizeMb of .ibd files in a sandbox server, dumped as plain SQL with mariadb-dump --single-transaction.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findMysqlBinaries } from '../../../activities/engines/mysql/binaries.js';
import { mysqlQuery } from '../../../activities/engines/mysql/client.js';
import { clientArgs, startMysqlServer, stopMysqlServer } from '../../../activities/engines/mysql/server.js';
import { packagedMysqlServerOrThrow } from '../../../activities/engines/mysql/servers.js';
import { createLocalSandbox, removeLocalSandbox } from '../../../activities/sandboxes/local.js';
import { cachedDataset, type Dataset, log, saveDataset } from './dataset.js';

const SCHEMA = `
  CREATE DATABASE bench; USE bench;
  CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(100) NOT NULL, created_at DATETIME NOT NULL,
    UNIQUE KEY users_email_idx (email)) ENGINE=InnoDB;
  CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id INT NOT NULL, status VARCHAR(16) NOT NULL, total DECIMAL(12,2) NOT NULL, created_at DATETIME NOT NULL,
    KEY orders_user_idx (user_id), KEY orders_created_idx (created_at)) ENGINE=InnoDB;
  CREATE TABLE line_items (order_id BIGINT NOT NULL, line INT NOT NULL, sku VARCHAR(32) NOT NULL, quantity INT NOT NULL, price DECIMAL(10,2) NOT NULL,
    PRIMARY KEY (order_id, line)) ENGINE=InnoDB;
  CREATE TABLE events (id BIGINT PRIMARY KEY, user_id INT NOT NULL, kind VARCHAR(16) NOT NULL, payload JSON NOT NULL, created_at DATETIME(3) NOT NULL,
    KEY events_user_created_idx (user_id, created_at)) ENGINE=InnoDB;
`;

/** One round: 670,000 rows, the same shapes and values as the PostgreSQL dataset's rounds. */
function round(n: number): string {
  const u = n * 20_000;
  const o = n * 100_000;
  const e = n * 250_000;
  return `
    USE bench;
    INSERT INTO users SELECT seq, CONCAT('user', seq, '@example.test'), CONCAT('User ', seq), NOW() - INTERVAL seq MINUTE FROM seq_${u + 1}_to_${u + 20_000};
    INSERT INTO orders SELECT seq, 1 + (seq * 7919) % ${u + 20_000}, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), (seq % 100000) / 100, NOW() - INTERVAL seq SECOND FROM seq_${o + 1}_to_${o + 100_000};
    INSERT INTO line_items SELECT 1 + seq DIV 3 + ${o}, seq % 3, CONCAT('SKU-', seq % 5000), 1 + seq % 9, (seq % 20000) / 100 FROM seq_0_to_299999;
    INSERT INTO events SELECT seq, 1 + seq % ${u + 20_000}, ELT(1 + seq % 4, 'login', 'view', 'click', 'purchase'), JSON_OBJECT('page', CONCAT('/p/', seq % 977), 'ms', seq % 3000, 'agent', CONCAT('bench-agent/', seq % 13)), NOW(3) - INTERVAL seq * 100000 MICROSECOND FROM seq_${e + 1}_to_${e + 250_000};
  `;
}

export async function ensureMysqlDataset(benchDir: string, sizeMb: number): Promise<Dataset> {
  const dumpPath = path.join(benchDir, `dataset-mysql-${sizeMb}mb.sql`);
  const cached = cachedDataset(dumpPath);
  if (cached) return cached;

  log(`generating a ${sizeMb} MB MariaDB dataset (once; cached in ${benchDir})…`);
  const sandbox = await createLocalSandbox('bench-dataset', 'mysql', { hostTaskQueue: 'bench' });
  const signal = new AbortController().signal;
  const sql = (statements: string) => mysqlQuery(clientArgs(sandbox), statements, signal);
  // Tablespace files, as `pg_database_size` counts relation files; InnoDB's own statistics lag.
  const onDisk = () => fs.readdirSync(path.join(sandbox.dataDir, 'bench')).filter((f) => f.endsWith('.ibd')).reduce((sum, f) => sum + fs.statSync(path.join(sandbox.dataDir, 'bench', f)).size, 0);
  try {
    await startMysqlServer(sandbox, packagedMysqlServerOrThrow());
    await sql(SCHEMA);
    const target = sizeMb * 1024 * 1024;
    for (let n = 0; onDisk() < target; n += 1) await sql(round(n));
    const rows = Number((await sql('SELECT (SELECT COUNT(*) FROM bench.users) + (SELECT COUNT(*) FROM bench.orders) + (SELECT COUNT(*) FROM bench.line_items) + (SELECT COUNT(*) FROM bench.events);')).trim());
    const databaseBytes = onDisk();
    await dump(path.join(path.dirname(findMysqlBinaries().client), 'mariadb-dump'), [...clientArgs(sandbox), '--single-transaction', 'bench'], dumpPath);
    return saveDataset(dumpPath, { tables: 4, rows, databaseBytes });
  } finally {
    await stopMysqlServer(sandbox);
    await removeLocalSandbox(sandbox);
  }
}

/** Streams the dump to a file (it is far too large for execFile's buffer). */
async function dump(program: string, args: string[], file: string): Promise<void> {
  const partial = `${file}.partial`;
  const out = fs.openSync(partial, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(program, args, { stdio: ['ignore', out, 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb-dump failed (exit ${code}): ${stderr.trim()}`))));
    });
  } finally {
    fs.closeSync(out);
  }
  fs.renameSync(partial, file);
}
