/**
 * The deeper checks' queries against the restored copy: a user's assertion (in a read-only
 * transaction, with a server-side timeout), the newest value of a timestamp column, and amcheck
 * over every B-tree index.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import postgres from 'postgres';
import type { AssertionQuery, ScalarValue } from '../../../core/checks.js';
import type { IntegrityReport, ObjectRef, QueryRequest } from '../engine.js';
import { quoteIdent } from './identifiers.js';
import { SANDBOX_SUPERUSER } from './server.js';
import { restoredDatabase } from '../../sandboxes/restored-database.js';

function connect(request: QueryRequest, database: string, settings: { default_transaction_read_only?: boolean } = {}, user = SANDBOX_SUPERUSER) {
  const sql = postgres({
    host: request.sandbox.socketDir,
    port: request.sandbox.port,
    user,
    database,
    max: 1,
    onnotice: () => {},
    // search_path at connection start wins over whatever a dump set for roles or databases:
    // built-in functions and operators come first, so a dump's own count(*) cannot answer.
    connection: { application_name: 'restore-drill verify', statement_timeout: request.timeoutMs, search_path: 'pg_catalog, public', ...settings },
  });
  const abort = () => void sql.end({ timeout: 0 });
  request.signal.addEventListener('abort', abort, { once: true });
  return {
    sql,
    async close() {
      request.signal.removeEventListener('abort', abort);
      await sql.end({ timeout: 5 });
    },
  };
}

export async function runPostgresAssertion(request: QueryRequest & { query: AssertionQuery }): Promise<ScalarValue> {
  const query = request.query;
  if (!('sql' in query)) throw new Error('PostgreSQL plans take "sql" assertions');
  const database = await restoredDatabase(request.sandbox);
  const reader = await readerRole(request, database);
  const { sql, close } = connect(request, database, { default_transaction_read_only: true }, reader);
  try {
    // Read-only three times over: a role that may only read, a read-only session and transaction.
    // Prepared (the extended protocol), the text is one statement: "…; COMMIT; DROP …" is refused.
    const rows = await sql.begin('read only', (tx) => tx.unsafe(query.sql, [], ONE_STATEMENT));
    return firstValue(rows as unknown as Array<Record<string, unknown>>);
  } catch (err) {
    request.signal.throwIfAborted();
    throw describeQueryError(err, request.timeoutMs);
  } finally {
    await close();
  }
}

const READER_ROLE_FILE = 'assertion-role';
/** postgres.js sends a query without parameters in the simple protocol, which runs many statements; `simple: false` (untyped) forces the extended one. */
const ONE_STATEMENT = { prepare: false, simple: false } as postgres.UnsafeQueryOptions;

/**
 * The role assertions run as: it can read every table (pg_read_all_data) and nothing else. Named
 * at random per sandbox and made after the restore, so a dump cannot have made it first.
 */
async function readerRole(request: QueryRequest, database: string): Promise<string> {
  const file = path.join(request.sandbox.workDir, READER_ROLE_FILE);
  const known = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (known) return known;
  const role = `restore_drill_reader_${randomBytes(6).toString('hex')}`;
  const admin = connect(request, database);
  try {
    await admin.sql.unsafe(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS IN ROLE pg_read_all_data`);
  } finally {
    await admin.close();
  }
  await fs.writeFile(file, role, { mode: 0o600 });
  return role;
}

export async function newestPostgresTimestamp(request: QueryRequest & { table: ObjectRef; column: string }): Promise<Date | null> {
  const { sql, close } = connect(request, await restoredDatabase(request.sandbox), { default_transaction_read_only: true });
  try {
    const [row] = await sql.unsafe<Array<{ newest: Date | string | null }>>(`SELECT max(${quoteIdent(request.column)})::timestamptz AS newest FROM ${quoteIdent(request.table.schema)}.${quoteIdent(request.table.name)}`);
    const newest = row?.newest ?? null;
    return newest === null ? null : new Date(newest);
  } catch (err) {
    request.signal.throwIfAborted();
    throw describeQueryError(err, request.timeoutMs);
  } finally {
    await close();
  }
}

/**
 * amcheck's bt_index_check with heapallindexed: every index entry is well-formed and every heap
 * tuple has its index entry. Each index is checked on its own so one damaged index is named and
 * the rest still get checked.
 */
export async function checkPostgresIntegrity(request: QueryRequest): Promise<IntegrityReport> {
  const method = 'amcheck bt_index_check(heapallindexed) on every B-tree index';
  const admin = connect(request, 'template1');
  let databases: string[];
  try {
    databases = (await admin.sql<Array<{ datname: string }>>`SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY 1`).map((r) => r.datname);
  } finally {
    await admin.close();
  }
  let checked = 0;
  const problems: string[] = [];
  for (const database of databases) {
    const { sql, close } = connect(request, database);
    try {
      await sql`CREATE EXTENSION IF NOT EXISTS amcheck`;
      const indexes = await sql<Array<{ oid: number; name: string }>>`
        SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_am am ON am.oid = c.relam
        WHERE am.amname = 'btree' AND i.indisvalid AND i.indisready
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
        ORDER BY 2`;
      for (const index of indexes) {
        request.signal.throwIfAborted();
        try {
          await sql`SELECT bt_index_check(${index.oid}::regclass, true)`;
        } catch (err) {
          request.signal.throwIfAborted();
          const code = (err as { code?: string }).code ?? '';
          // Corruption (XX) and data exceptions are findings; a dropped connection is not.
          if (!/^(XX|58|22)/.test(code)) throw err;
          problems.push(`${database}: index ${index.name}: ${(err as Error).message}`);
        }
        checked++;
      }
    } finally {
      await close();
    }
  }
  return { method, checked, problems };
}

function firstValue(rows: Array<Record<string, unknown>>): ScalarValue {
  const first = rows[0];
  if (!first) return null;
  const value = Object.values(first)[0];
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

function describeQueryError(err: unknown, timeoutMs: number): Error {
  const code = (err as { code?: string }).code;
  if (code === '57014') return new Error(`query cancelled after the ${Math.round(timeoutMs / 1000)} s timeout`);
  if (code === '25006') return new Error(`the query tried to write (${(err as Error).message}); assertions run read-only`);
  return new Error((err as Error).message);
}

/** server_version is an internal setting: no role, database or dump setting can change it. */
export async function postgresServerVersion(request: QueryRequest): Promise<string> {
  const { sql, close } = connect(request, 'template1');
  try {
    const [row] = await sql<Array<{ server_version: string }>>`SHOW server_version`;
    return `PostgreSQL ${row!.server_version.split(' ')[0]}`;
  } finally {
    await close();
  }
}
