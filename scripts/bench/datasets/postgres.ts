/**
 * The PostgreSQL benchmark dataset: four indexed tables grown to about sizeMb on disk in a sandbox
 * server, dumped in custom format (pg_dump -Fc).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import type { findPostgresBinaries } from '../../../activities/engines/postgres/binaries.js';
import { SANDBOX_SUPERUSER, startPostgresServer, stopPostgresServer } from '../../../activities/engines/postgres/server.js';
import { createLocalSandbox, removeLocalSandbox } from '../../../activities/sandboxes/local.js';
import { cachedDataset, type Dataset, log, saveDataset } from './dataset.js';

const execFileAsync = promisify(execFile);

export async function ensurePostgresDataset(benchDir: string, sizeMb: number, bins: Awaited<ReturnType<typeof findPostgresBinaries>>): Promise<Dataset> {
  const dumpPath = path.join(benchDir, `dataset-${sizeMb}mb.dump`);
  const cached = cachedDataset(dumpPath);
  if (cached) return cached;

  log(`generating a ${sizeMb} MB dataset (once; cached in ${benchDir})…`);
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
    const target = sizeMb * 1024 * 1024;
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
    return saveDataset(dumpPath, { tables: 4, rows: Number(stats.rows), databaseBytes: Number(stats.bytes) });
  } finally {
    await stopPostgresServer(sandbox);
    await removeLocalSandbox(sandbox);
  }
}
