/**
 * Real pg_dump output, made at test time from a generated dataset with owners, grants and odd
 * names, in every format the engine supports. Expected counts are what the generator inserted.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { findPostgresBinaries, type PostgresBinaries } from '../../activities/engines/postgres/binaries.js';

const execFileAsync = promisify(execFile);

export const FIXTURE_TABLES: Record<string, number> = {
  'public.customers': 1200,
  'public.orders': 3400,
  'Sales Ops.Odd "Quoted" Name': 17,
  'public.empty_table': 0,
};

export const FIXTURE_FILES = {
  custom: 'good.custom.dump',
  customGzip: 'good.custom.dump.gz',
  plain: 'good.sql',
  plainGzip: 'good.sql.gz',
  tar: 'good.tar',
  directory: 'good.dir',
  emptyDatabase: 'empty-db.custom.dump',
  schemaOnly: 'schema-only.sql',
  plainClean: 'good-clean.sql',
} as const;

const DATASET_SQL = `
  DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fixture_owner') THEN CREATE ROLE fixture_owner; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fixture_reader') THEN CREATE ROLE fixture_reader; END IF;
  END $$;
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE, created_at timestamptz NOT NULL);
  INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.test', timestamptz '2026-01-01' + g * interval '1 hour' FROM generate_series(1, 1200) g;
  CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10,2), placed_at timestamptz);
  INSERT INTO orders (customer_id, total, placed_at) SELECT 1 + g % 1200, (g % 997) / 7.0, timestamptz '2026-02-01' + g * interval '1 minute' FROM generate_series(1, 3400) g;
  CREATE INDEX orders_customer_idx ON orders (customer_id);
  CREATE SCHEMA "Sales Ops";
  CREATE TABLE "Sales Ops"."Odd ""Quoted"" Name" (k text PRIMARY KEY, v jsonb);
  INSERT INTO "Sales Ops"."Odd ""Quoted"" Name" SELECT 'key ' || g, jsonb_build_object('n', g, 'note', E'tab\\tand ünïcode') FROM generate_series(1, 17) g;
  CREATE TABLE empty_table (x int);
  ALTER TABLE customers OWNER TO fixture_owner;
  ALTER SCHEMA "Sales Ops" OWNER TO fixture_owner;
  GRANT SELECT ON orders TO fixture_reader;
`;

/**
 * Creates the dataset in a scratch database of `adminUrl`'s server and dumps it every way, with
 * `bins`' pg_dump (the same major as the server, as a backup job would).
 */
export async function makeFixtures(adminUrl: string, dir: string, bins?: PostgresBinaries): Promise<void> {
  bins ??= await findPostgresBinaries();
  fs.mkdirSync(dir, { recursive: true });
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe('DROP DATABASE IF EXISTS fixture_source');
    await admin.unsafe('DROP DATABASE IF EXISTS fixture_empty');
    await admin.unsafe('CREATE DATABASE fixture_source');
    await admin.unsafe('CREATE DATABASE fixture_empty');
  } finally {
    await admin.end();
  }
  const sourceUrl = withDatabase(adminUrl, 'fixture_source');
  const source = postgres(sourceUrl, { max: 1, onnotice: () => {} });
  try {
    await source.unsafe(DATASET_SQL);
  } finally {
    await source.end();
  }
  const dump = (args: string[]) => execFileAsync(bins.path('pg_dump'), ['--dbname', sourceUrl, ...args]);
  const out = (name: string) => path.join(dir, name);
  await Promise.all([
    dump(['-Fc', '-f', out(FIXTURE_FILES.custom)]),
    dump(['-Fp', '-f', out(FIXTURE_FILES.plain)]),
    dump(['-Ft', '-f', out(FIXTURE_FILES.tar)]),
    dump(['-Fd', '-j', '2', '-f', out(FIXTURE_FILES.directory)]),
    dump(['-Fp', '--schema-only', '-f', out(FIXTURE_FILES.schemaOnly)]),
    dump(['-Fp', '--clean', '-f', out(FIXTURE_FILES.plainClean)]),
    execFileAsync(bins.path('pg_dump'), ['--dbname', withDatabase(adminUrl, 'fixture_empty'), '-Fc', '-f', out(FIXTURE_FILES.emptyDatabase)]),
  ]);
  fs.writeFileSync(out(FIXTURE_FILES.plainGzip), gzipSync(fs.readFileSync(out(FIXTURE_FILES.plain))));
  fs.writeFileSync(out(FIXTURE_FILES.customGzip), gzipSync(fs.readFileSync(out(FIXTURE_FILES.custom))));
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
