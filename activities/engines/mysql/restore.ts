/**
 * Restores a mysqldump / mariadb-dump SQL file (gzip or not) by streaming it into the client with
 * `--force`, so that every error is reported rather than only the first, then judges them.
 */
import { diskNearlyFull, memoryNearlyExhausted } from '../../sandboxes/admission.js';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { Check } from '../../../core/drill.js';
import { backupRejected, sandboxCannotRestore, sandboxFault } from '../../failures.js';
import { describeExit, runTool, runToolOrThrow, type ToolRun } from '../../process.js';
import { bytesRead, headAndTail, sqlInput, stdinFor, watchProgress } from '../../sql-input.js';
import type { RestoreRequest, RestoreSummary } from '../engine.js';
import { sniffPostgresBackup } from '../postgres/format.js';
import { producerCheck } from '../producer-check.js';
import { clientHasSandboxMode, findMysqlBinaries } from './binaries.js';
import { mysqlQuery } from './client.js';
import { flavorOf, readMysqlProducer } from './producer.js';
import { MAPPED_COLLATION, Mysql8ForMariadb } from './mysql8-mapping.js';
import { MysqlScriptGuard } from './script-guard.js';
import { chooseMysqlServer, dumpOrigin, type MysqlServerChoice } from './server-choice.js';
import { clientArgs, ensureMysqlServer, mysqlServerAlive } from './server.js';

const execFileAsync = promisify(execFile);
import { hasMysql8Collations, type MysqlServers } from './servers.js';
import { SYSTEM_SCHEMAS, targetDatabase, type TargetDatabase } from './target-database.js';
import { rememberRestoredDatabase } from '../../sandboxes/restored-database.js';
import { jailed } from '../../sandboxes/jail.js';

const TRAILER_WINDOW_BYTES = 4096;

interface MysqlError {
  message: string;
  /** Raised by the dump itself (SIGNAL), whatever it says. */
  signalled: boolean;
}

/** The sandbox's own failures as the client reports them: a full disk, no memory, a server gone. */
const DISK_FAULT = /No space left on device|Errcode: 28|\bis full\b/i;
const MEMORY_FAULT = /Out of memory/i;
const CONNECTION_FAULT = /Lost connection to (MySQL|server)|server has gone away|Can't connect to local (MySQL|server)/i;

/** What a fault message needs besides its words (a dump can name a table after them): the facts. */
interface SandboxFacts {
  diskFull: boolean;
  memoryLow: boolean;
  serverAlive: boolean;
}

/** Errors every cross-version restore produces that change nothing about the data. */
const HARMLESS: Array<{ pattern: RegExp; why: string }> = [
  // MySQL 8 dumps set variables MariaDB does not have, inside version comments it executes.
  { pattern: /Unknown system variable/, why: 'session variable unknown to this server' },
];

export async function restoreMysqlBackup(request: RestoreRequest & { servers: MysqlServers }): Promise<RestoreSummary> {
  const compression = await detect(request);
  const headText = gunzipHead(await request.content.head(), compression);
  const producer = readMysqlProducer(headText);
  // A dump from another server than the plan declares is a verdict before any server starts.
  if (producer) producerCheck(flavorOf(producer.serverVersion), producer, request.declaredVersion);
  const choice = chooseMysqlServer(request.servers.list(), dumpOrigin(producer, request.declaredVersion), headText);
  const started = await ensureMysqlServer(request.sandbox, choice.build);
  const bins = findMysqlBinaries();
  const env = { PATH: process.env.PATH, LANG: 'C.UTF-8' };
  const sql = (statement: string) => runToolOrThrow(bins.client, [...clientArgs(request.sandbox), '-e', statement], { env });
  if (request.isRetry && started === 'kept') {
    // The lost attempt's client may still be connected (a hung worker's, until its next heartbeat
    // stops it): none of its statements may land in this attempt's databases.
    await disconnectOtherClients(bins.client, request.sandbox);
    const listed = await listSchemas(bins.client, request.sandbox);
    for (const schema of listed) await sql(`DROP DATABASE IF EXISTS ${quoteIdent(schema)}`);
  }
  const target = targetDatabase(headText, request.defaultDatabase, request.sandbox.database);
  await sql(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(target.name)}`);
  await rememberRestoredDatabase(request.sandbox, target.name);

  const mysql8 = choice.mysql8IntoMariadb || choice.mysql8Collation ? new Mysql8ForMariadb(await serverMysql8Collations(request.sandbox, request.signal)) : undefined;
  const guard = new MysqlScriptGuard();
  const input = sqlInput(request.content, compression === 'gzip', request.onProgress, TRAILER_WINDOW_BYTES, ...(mysql8 ? [guard, mysql8] : [guard]));
  const progress = watchProgress(input, request.onProgress);

  let run: ToolRun;
  try {
    // A dump is a script: binary mode and --sandbox turn the client's own commands (system, \!,
    // source, tee) off, LOAD DATA LOCAL stays off, and it runs jailed as the sandbox account.
    const client = await jailed(request.sandbox, bins.client, [...clientArgs(request.sandbox), '--force', '--binary-mode', ...(clientHasSandboxMode(bins.client) ? ['--sandbox'] : []), '--local-infile=0', `--database=${target.name}`]);
    run = await runTool(client.command, client.args, {
      name: path.basename(bins.client),
      env,
      ...stdinFor(input),
      signal: request.signal,
      uid: request.sandbox.uid,
      gid: request.sandbox.gid,
      cwd: request.sandbox.dir,
      onSpawn: progress.onSpawn,
    });
  } catch (err) {
    request.signal.throwIfAborted();
    const error = err as NodeJS.ErrnoException;
    if (typeof error.code === 'string' && error.code.startsWith('Z_')) {
      throw backupRejected({ name: 'decompress', observed: `gzip error after ${bytesRead(input)} bytes: ${error.message}`, expected: 'a complete gzip stream', message: `the gzip stream is truncated or corrupt (${error.message})` });
    }
    throw err;
  } finally {
    progress.stop();
  }
  request.signal.throwIfAborted();
  const checks: Check[] = [{ name: 'format', passed: true, observed: compression === 'gzip' ? 'plain (gzip)' : 'plain', expected: 'a MySQL/MariaDB SQL dump', message: 'backup is a MySQL/MariaDB SQL dump' }];
  // A dump cut mid-statement also yields a syntax error; "cut short" is the truer reason, so
  // completeness is judged first.
  rejectAttempts(guard);
  const read = await headAndTail(input, TRAILER_WINDOW_BYTES);
  const complete = completeness(read.head, read.tail, read.bytes);
  const note = serverNote(choice, [...(mysql8?.mapped ?? [])]);
  if (producer) checks.push(producerCheck(flavorOf(producer.serverVersion), producer, request.declaredVersion, note));
  else if (mysql8?.mapped.size) checks.push({ name: 'producer', passed: true, observed: 'producer not recorded in the dump', expected: 'a dump this server can load', message: note });
  const facts = { diskFull: await diskNearlyFull(request.sandbox.dir), memoryLow: memoryNearlyExhausted(), serverAlive: await mysqlServerAlive(request.sandbox) };
  checks.push(verdict(run, request.allowedErrors, target, choice, facts), complete);
  return { format: 'plain', bytesRead: bytesRead(input), producer, checks };
}

async function detect(request: RestoreRequest): Promise<'gzip' | 'none'> {
  const bytes = await request.content.head();
  const compression = bytes[0] === 0x1f && bytes[1] === 0x8b ? 'gzip' : 'none';
  // The PostgreSQL sniffer already tells every kind of file apart; reuse its judgement.
  const sniffed = sniffPostgresBackup(bytes);
  if (sniffed.kind === 'foreign' && /MySQL\/MariaDB dump/.test(sniffed.description)) return compression;
  if (sniffed.kind === 'foreign' && sniffed.damaged) {
    throw backupRejected({ name: 'decompress', observed: sniffed.description, expected: 'a complete, valid gzip stream', message: `the backup is damaged: ${sniffed.description}` });
  }
  let description: string | undefined;
  if (sniffed.kind === 'foreign') description = sniffed.description;
  else if (sniffed.format !== 'plain') description = `a pg_dump ${sniffed.format}-format archive (PostgreSQL), not a MySQL dump`;
  else if (/-- PostgreSQL database (cluster )?dump/.test(gunzipHead(bytes, compression))) description = 'a PostgreSQL plain dump (pg_dump), not a MySQL dump';
  if (description) {
    throw backupRejected({ name: 'format', observed: description, expected: 'a MySQL/MariaDB SQL dump', message: `not a MySQL/MariaDB dump: the file is ${description}` });
  }
  // SQL without a mysqldump header (hand-written, or --skip-comments): restore it and see.
  return compression;
}

function gunzipHead(bytes: Buffer, compression: 'gzip' | 'none'): string {
  if (compression === 'none') return bytes.toString('utf8');
  try {
    return gunzipSync(bytes, { finishFlush: 2 }).toString('utf8');
  } catch {
    return '';
  }
}

function rejectAttempts(guard: MysqlScriptGuard): void {
  if (guard.attempts.length === 0) return;
  const listed = guard.attempts.slice(0, 5).map((a) => `${a.what} at line ${a.line}`);
  if (guard.attempts.length > 5) listed.push(`${guard.attempts.length - 5} more`);
  throw backupRejected({
    name: 'restore',
    observed: listed.join(', '),
    expected: 'schema and data statements only, as mysqldump writes them',
    message: `the dump tried to run commands or reach files on the host restoring it (${listed.join(', ')}), which no mysqldump output does: it was made or altered to attack whatever restores it, so it is not a backup to trust. The sandbox refused or contained it`,
  });
}

/** Which server restored the dump, and what of the dump it could not take as it is. */
function serverNote(choice: MysqlServerChoice, mapped: string[]): string {
  const { build } = choice;
  const server = `restored into ${build.flavor} ${build.version} (${build.origin})`;
  if (mapped.length === 0) return server;
  const others = mapped.length > 1 ? ` and ${mapped.length - 1} other MySQL 8 collation(s)` : '';
  const better = hasMysql8Collations(build) ? 'A MySQL 8 server on PATH' : 'MariaDB 11.4 or newer (`npm run setup` installs it into the tools folder), or a MySQL 8 server on PATH,';
  return (
    `${server}, which lacks ${mapped[0]}${others}: mapped to ${MAPPED_COLLATION} (no unique key can collide; text in assertions compares case- and accent-sensitively). ` +
    `${better} restores it as it is`
  );
}

function verdict(run: ToolRun, allowedErrors: string[], target: TargetDatabase, choice: MysqlServerChoice, facts: SandboxFacts): Check {
  if (run.signal) throw new Error(`mysql client stopped (${describeExit(run)})`);
  const errors: MysqlError[] = run.errorLines.map((line) => ({ message: line.replace(/^ERROR \d+ \([0-9A-Z]+\)( at line \d+)?: /, ''), signalled: /^ERROR 1644 /.test(line) })).filter((e) => e.message);
  // SIGNAL (error 1644) lets a dump raise any text, "No space left on device" too.
  const fault = errors.find((e) => !e.signalled && ((DISK_FAULT.test(e.message) && facts.diskFull) || (MEMORY_FAULT.test(e.message) && (facts.memoryLow || !facts.serverAlive)) || (CONNECTION_FAULT.test(e.message) && !facts.serverAlive)));
  // Retried from empty databases; if it keeps happening the drill ends as `error` saying so.
  if (fault) throw sandboxFault(fault.message);
  const patterns = [...HARMLESS.map((h) => h.pattern), ...allowedErrors.map((source) => new RegExp(source))];
  const harmless = errors.filter((e) => patterns.some((pattern) => pattern.test(e.message)));
  const genuine = errors.filter((e) => !harmless.includes(e));
  const named = target.known ? undefined : otherDatabaseNamed(genuine, target.name);
  if (named) {
    throw sandboxCannotRestore(
      `the dump names no database of its own, yet its objects refer to database \`${named}\` (${genuine[0]!.message}): ` +
        `set the plan's database to "${named}" (drill plan edit --database ${named}) so the drill restores it under that name`,
    );
  }
  const listed = `${genuine.slice(0, 3).map((e) => e.message).join('; ')}${genuine.length > 3 ? `; and ${genuine.length - 3} more` : ''}`;
  if (genuine.length > 0 && choice.mismatch) {
    throw sandboxCannotRestore(`${choice.mismatch.why}; the restore reported ${genuine.length} error(s) (${listed}), which may be the server's, not the backup's: ${choice.mismatch.wayOut}`);
  }
  if (genuine.length > 0) {
    throw backupRejected({
      name: 'restore',
      observed: `${genuine.length} error(s)`,
      expected: 'no restore errors',
      message: `the mysql client reported ${genuine.length} error(s): ${listed}`,
    });
  }
  if (run.exitCode !== 0 && harmless.length === 0) {
    throw backupRejected({ name: 'restore', observed: describeExit(run), expected: 'exit code 0', message: `the mysql client failed (${describeExit(run)}): ${run.stderrTail.slice(-3).join(' | ') || 'no output'}` });
  }
  return { name: 'restore', passed: true, observed: `${describeExit(run)}${harmless.length ? `; ignored ${harmless.length} harmless error(s)` : ''}`, expected: 'no restore errors', message: `restored without errors into database \`${target.name}\` (${target.from})` };
}

/** The one other database every genuine error points at, when they all do. */
function otherDatabaseNamed(errors: MysqlError[], target: string): string | undefined {
  const names = errors.map((e) => /Table '([^'.]+)\.[^']+' doesn't exist|Unknown database '([^']+)'/.exec(e.message)).map((m) => m?.[1] ?? m?.[2]);
  const distinct = new Set(names);
  const [only] = [...distinct];
  return errors.length > 0 && distinct.size === 1 && only !== undefined && only !== target ? only : undefined;
}

/** mysqldump ends with "-- Dump completed on …" unless told to write no comments at all. */
function completeness(head: string, tail: string, bytes: number): Check {
  const hasHeader = /^\s*(\/\*M!999999\\- enable the sandbox mode \*\/\s*)?-- (MySQL|MariaDB) dump/.test(head);
  const lastLine = tail.trimEnd().split('\n').at(-1)?.trim() ?? '';
  if (!hasHeader) {
    return { name: 'complete', passed: true, observed: 'no mysqldump header (dump made with --skip-comments?)', expected: '"-- Dump completed" trailer', message: 'completeness not checkable: the dump has no mysqldump comments' };
  }
  if (!lastLine.startsWith('-- Dump completed')) {
    throw backupRejected({ name: 'complete', observed: `dump ends after ${bytes} bytes of SQL without mysqldump's trailer`, expected: '"-- Dump completed on …" at the end', message: 'the MySQL dump is incomplete: it ends without mysqldump\'s "Dump completed" trailer, so the backup job was cut short' });
  }
  return { name: 'complete', passed: true, observed: lastLine, expected: '"-- Dump completed on …" at the end', message: 'the dump ends with mysqldump\'s completion trailer' };
}

/** The MySQL 8 collations this server has (MariaDB 11.4 has many; older MariaDB none). */
async function serverMysql8Collations(sandbox: RestoreRequest['sandbox'], signal: AbortSignal): Promise<Set<string>> {
  const listing = await mysqlQuery(clientArgs(sandbox), "SELECT LOWER(COLLATION_NAME) FROM information_schema.COLLATIONS WHERE COLLATION_NAME LIKE '%0900%';", signal);
  return new Set(listing.split('\n').filter(Boolean));
}

async function disconnectOtherClients(client: string, sandbox: RestoreRequest['sandbox']): Promise<void> {
  const { stdout } = await execFileAsync(client, [...clientArgs(sandbox), '-N', '-B', '-e', "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND command NOT IN ('Daemon', 'Binlog Dump') AND user <> 'system user'"]);
  for (const id of stdout.split('\n').map((line) => line.trim()).filter((line) => /^\d+$/.test(line))) {
    // Gone already, or a server thread: either way not a client of the lost attempt any more.
    await execFileAsync(client, [...clientArgs(sandbox), '-e', `KILL CONNECTION ${id}`]).catch(() => {});
  }
}

async function listSchemas(client: string, sandbox: RestoreRequest['sandbox']): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    execFile(client, [...clientArgs(sandbox), '-N', '-B', '-r', '-e', 'SELECT schema_name FROM information_schema.schemata'], (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.split('\n').filter((s) => s && !SYSTEM_SCHEMAS.includes(s)));
    });
  });
}

export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export { SYSTEM_SCHEMAS };
