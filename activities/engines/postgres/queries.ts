/**
 * The deeper checks' queries against the restored copy: a user's assertion (in a read-only
 * transaction, with a server-side timeout), the newest value of a timestamp column, and amcheck
 * over every B-tree index.
 */
import postgres from 'postgres';
import type { AssertionQuery, ScalarValue } from '../../../core/checks.js';
import type { IntegrityReport, ObjectRef, QueryRequest } from '../engine.js';
import { quoteIdent } from './identifiers.js';
import { SANDBOX_SUPERUSER } from './server.js';
import { restoredDatabase } from '../../sandboxes/restored-database.js';

function connect(request: QueryRequest, database: string, settings: { default_transaction_read_only?: boolean } = {}) {
  const sql = postgres({
    host: request.sandbox.socketDir,
    port: request.sandbox.port,
    user: SANDBOX_SUPERUSER,
    database,
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'restore-drill verify', statement_timeout: request.timeoutMs, ...settings },
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
  const { sql, close } = connect(request, await restoredDatabase(request.sandbox), { default_transaction_read_only: true });
  try {
    // Read-only at the session and the transaction: the query may not change what later checks read.
    const rows = await sql.begin('read only', (tx) => tx.unsafe(query.sql));
    return firstValue(rows as unknown as Array<Record<string, unknown>>);
  } catch (err) {
    request.signal.throwIfAborted();
    throw describeQueryError(err, request.timeoutMs);
  } finally {
    await close();
  }
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
