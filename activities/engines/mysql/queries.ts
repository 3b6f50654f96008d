/**
 * The deeper checks' queries against the restored MySQL/MariaDB copy: a user's assertion in a
 * read-only transaction with a server-side time limit, the newest value of a timestamp column,
 * and CHECK TABLE … EXTENDED over every table.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AssertionQuery, ScalarValue } from '../../../core/checks.js';
import type { IntegrityReport, ObjectRef, QueryRequest } from '../engine.js';
import type { SandboxHandle } from '../../../core/drill.js';
import { mysqlQuery, rowsOf } from './client.js';
import { quoteIdent, SYSTEM_SCHEMAS } from './restore.js';
import { clientArgs, runningMysqlServer } from './server.js';
import { packagedMysqlServer } from './servers.js';
import { restoredDatabase } from '../../sandboxes/restored-database.js';

/** MariaDB limits any statement in seconds; MySQL only SELECTs, in milliseconds. */
async function timeLimit(sandbox: SandboxHandle, timeoutMs: number): Promise<string> {
  const isMariadb = ((await runningMysqlServer(sandbox)) ?? packagedMysqlServer())?.flavor !== 'MySQL';
  return isMariadb ? `SET SESSION max_statement_time = ${(timeoutMs / 1000).toFixed(3)};` : `SET SESSION max_execution_time = ${Math.round(timeoutMs)};`;
}

/** Session settings every verify query runs under: UTC, so DATETIME values read as UTC. */
async function preamble(sandbox: SandboxHandle, timeoutMs: number): Promise<string> {
  return `SET SESSION time_zone = '+00:00'; ${await timeLimit(sandbox, timeoutMs)} SET SESSION TRANSACTION READ ONLY; START TRANSACTION READ ONLY;\n`;
}

export async function runMysqlAssertion(request: QueryRequest & { query: AssertionQuery }): Promise<ScalarValue> {
  const query = request.query;
  if (!('sql' in query)) throw new Error('MySQL/MariaDB plans take "sql" assertions');
  const statement = query.sql.trim().replace(/;+\s*$/, '');
  const output = await run(request, `${await preamble(request.sandbox, request.timeoutMs)}${statement};\nROLLBACK;`, await readerAccount(request));
  const first = rowsOf(output)[0]?.[0];
  return first === undefined || first === 'NULL' ? null : first;
}

export async function newestMysqlTimestamp(request: QueryRequest & { table: ObjectRef; column: string }): Promise<Date | null> {
  const table = `${quoteIdent(request.table.schema)}.${quoteIdent(request.table.name)}`;
  const output = await run(request, `${await preamble(request.sandbox, request.timeoutMs)}SELECT UNIX_TIMESTAMP(MAX(${quoteIdent(request.column)})) FROM ${table};\nROLLBACK;`);
  const value = rowsOf(output)[0]?.[0];
  if (value === undefined || value === 'NULL') return null;
  return new Date(Number(value) * 1000);
}

/** CHECK TABLE … EXTENDED reads every row and index entry; the last status row per table is its verdict. */
export async function checkMysqlIntegrity(request: QueryRequest): Promise<IntegrityReport> {
  const method = 'CHECK TABLE … EXTENDED on every table';
  const listing = await run(request, `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN (${SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ')}) ORDER BY 1, 2;`);
  const tables = rowsOf(listing).map(([schema, name]) => ({ schema: schema!, name: name! }));
  const problems: string[] = [];
  for (const table of tables) {
    request.signal.throwIfAborted();
    const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
    const rows = rowsOf(await run(request, `${await timeLimit(request.sandbox, request.timeoutMs)} CHECK TABLE ${qualified} EXTENDED;`));
    const messages = rows.filter(([, , type]) => type === 'error' || type === 'Error' || type === 'warning');
    const status = rows.filter(([, , type]) => type === 'status').at(-1)?.[3];
    if (status !== 'OK' || rows.some(([, , type]) => type?.toLowerCase() === 'error')) {
      problems.push(`${table.schema}.${table.name}: ${[...messages.map((m) => m[3]), status].filter(Boolean).join('; ') || 'no OK status'}`);
    }
  }
  return { method, checked: tables.length, problems };
}

const READER_ACCOUNT_FILE = 'assertion-account';

/**
 * The account assertions run as, made after the restore and named at random (a dump cannot have
 * made it first): it may read (SELECT, SHOW VIEW) and call routines, and change nothing (no
 * TRIGGER either: that would let an assertion create one, and DDL commits the read-only transaction).
 */
async function readerAccount(request: QueryRequest): Promise<string> {
  const file = path.join(request.sandbox.workDir, READER_ACCOUNT_FILE);
  const known = (await fs.readFile(file, 'utf8').catch(() => '')).trim();
  if (known) return known;
  const account = `rd_reader_${randomBytes(5).toString('hex')}`;
  await mysqlQuery(clientArgs(request.sandbox), `CREATE USER '${account}'@'localhost'; GRANT SELECT, SHOW VIEW, EXECUTE ON *.* TO '${account}'@'localhost';`, request.signal);
  await fs.writeFile(file, account, { mode: 0o600 });
  return account;
}

async function run(request: QueryRequest, sql: string, account?: string): Promise<string> {
  try {
    return await mysqlQuery([...clientArgs(request.sandbox), ...(account ? [`--user=${account}`] : []), `--database=${await restoredDatabase(request.sandbox)}`], sql, request.signal);
  } catch (err) {
    request.signal.throwIfAborted();
    const message = (err as Error).message;
    if (/max_statement_time|max_execution_time|ER_STATEMENT_TIMEOUT|\b1969\b|\b3024\b/i.test(message)) throw new Error(`query stopped after the ${Math.round(request.timeoutMs / 1000)} s timeout`);
    // The read-only transaction or, past it, the reading account's privileges refused it.
    if (/READ ONLY transaction|\b1792\b|command denied to user/i.test(message)) throw new Error(`the query tried to write (${message}); assertions run read-only`);
    throw new Error(message.replace(/^ERROR \d+ \([0-9A-Z]+\)( at line \d+)?: /, ''));
  }
}

/** @@version is a read-only server variable; VERSION() would be the same, but cannot be shadowed either way. */
export async function mysqlServerVersion(request: QueryRequest): Promise<string> {
  const [version = '', comment = ''] = rowsOf(await run(request, 'SELECT @@version, @@version_comment;'))[0] ?? [];
  const flavor = /mariadb/i.test(`${version} ${comment}`) ? 'MariaDB' : 'MySQL';
  return `${flavor} ${version.split('-')[0]}`;
}
