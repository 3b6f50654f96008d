/**
 * Restores a pg_dump backup of any format into the sandbox's server. Plain SQL streams from the
 * source through decompression into psql with no copy on disk; custom and directory archives go to
 * `pg_restore -j` straight from where they are. Only a compressed archive that pg_restore must seek
 * in is decompressed first, into the sandbox's private work dir.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import type { BackupRef, Check, DumpFormat } from '../../../core/drill.js';
import type { BackupContent } from '../../backup-content.js';
import type { RestoreRequest as EngineRestoreRequest, RestoreSummary } from '../engine.js';
import { backupRejected, sandboxCannotRestore, sandboxFault } from '../../failures.js';
import { watchReadProgress } from '../../proc-io.js';
import { describeExit, isToolErrorLine, runTool, runToolOrThrow, type ToolRun } from '../../process.js';
import { jailed } from '../../sandboxes/jail.js';
import { installationRoot } from './launch.js';
import { PsqlScriptGuard, psqlHasRestrict, RESTRICTED_REFUSAL } from './psql-guard.js';
import { bytesRead, headAndTail, sqlInput, stdinFor, watchProgress } from '../../sql-input.js';
import { ByteCounter } from '../../streams.js';
import type { PostgresBinaries } from './binaries.js';
import { producerCheck } from '../producer-check.js';
import { readBackupHead, sniffPostgresBackup, type Compression, type PostgresFormat } from './format.js';
import { archiveVersionReadable, newestArchiveVersionRead, readPostgresProducer, type PostgresProducer } from './producer.js';
import { serverEvidence, serverReportsLostConnection, serverReportsResourceFault, type ServerEvidence } from './fault-evidence.js';
import { classifyRestoreErrors, describeErrors, parseRestoreErrors, type RestoreError } from './restore-errors.js';
import { quoteIdent } from './identifiers.js';
import { clientEnv, ensureServerMajor } from './server.js';
import type { PostgresInstallations } from './installations.js';
import { chooseServer, wantedMajor } from './server-choice.js';
import { baseBackupLayout, restoreBaseBackup } from './basebackup.js';

const execFileAsync = promisify(execFile);
/**
 * pg_dump ends every plain dump with this comment, pg_dumpall with the "cluster" one. It must be
 * the last thing in the file: a pg_dumpall script also has a per-database trailer after each
 * database, so a cluster dump cut short can contain one.
 */
const DATABASE_TRAILER = '-- PostgreSQL database dump complete';
const CLUSTER_TRAILER = '-- PostgreSQL database cluster dump complete';
const CLUSTER_HEADER = '-- PostgreSQL database cluster dump';
const TRAILER_WINDOW_BYTES = 4096;

interface RestoreRequest extends EngineRestoreRequest {
  installations: PostgresInstallations;
}

interface RestoreWith extends EngineRestoreRequest {
  bins: PostgresBinaries;
}

export const RESTORE_JOBS = Math.max(1, Math.min(os.availableParallelism(), 8));

export async function restorePostgresBackup(restoreRequest: RestoreRequest): Promise<RestoreSummary> {
  const physical = restoreRequest.content.directory ? await baseBackupLayout(restoreRequest.content.directory) : undefined;
  if (physical) {
    if (!['auto', 'basebackup'].includes(restoreRequest.requestedFormat)) {
      throw backupRejected({ name: 'format', observed: 'basebackup', expected: restoreRequest.requestedFormat, message: `the plan expects a ${restoreRequest.requestedFormat}-format dump but the backup is pg_basebackup output (a physical copy)` });
    }
    return restoreBaseBackup(restoreRequest, physical);
  }
  if (restoreRequest.requestedFormat === 'basebackup') {
    throw backupRejected({ name: 'format', observed: 'not a base backup', expected: 'pg_basebackup output', message: 'the plan expects pg_basebackup output (a directory with base.tar, or a plain data directory copy), but the backup is not one' });
  }
  const { format, compression } = await detectFormat(restoreRequest.content, restoreRequest.requestedFormat);
  const producer = await readProducer(restoreRequest.content, format);
  const choice = await chooseServer(wantedMajor(producer, restoreRequest.declaredVersion), restoreRequest.installations);
  const request: RestoreWith = { ...restoreRequest, bins: choice.bins };
  const formatCheck: Check = {
    name: 'format',
    passed: true,
    observed: compression === 'gzip' ? `${format} (gzip)` : format,
    expected: request.requestedFormat === 'auto' ? 'a pg_dump format' : request.requestedFormat,
    message: `backup is a pg_dump ${format}-format dump${compression === 'gzip' ? ', gzip-compressed' : ''}`,
  };
  // Judged before the server starts: a dump from the wrong server is rejected without one.
  const checks: Check[] = [formatCheck, judgeProducer(producer, format, request, choice.note)];
  await ensureServerMajor(request.sandbox, request.bins);
  await prepareTargetDatabase(request);

  let run: ToolRun;
  let bytesRead: number;
  if (format === 'plain') {
    ({ run, bytesRead } = await restorePlain(request, compression));
  } else {
    ({ run, bytesRead } = await restoreArchive(request, format, compression));
  }
  // A cancelled drill kills the tool; its exit says nothing about the backup.
  request.signal.throwIfAborted();
  checks.push(verdictFromTool(run, request.allowedErrors, await serverEvidence(request.sandbox, request.bins)));
  return { format, bytesRead, producer, checks };
}

async function readProducer(content: BackupContent, format: PostgresFormat): Promise<PostgresProducer | null> {
  const head = format === 'directory' && content.directory ? await readBackupHead(path.join(content.directory, 'toc.dat')) : await content.head();
  return readPostgresProducer(head);
}

/**
 * The dump's major chose the tools, so an archive these tools cannot read means the dump's own
 * version is unknown or not installable: the sandbox cannot judge it, which is an `error`.
 */
function judgeProducer(producer: PostgresProducer | null, format: PostgresFormat, request: RestoreWith, choiceNote: string | undefined): Check {
  const { bins } = request;
  if (format !== 'plain' && producer?.archiveVersion && !archiveVersionReadable(producer.archiveVersion, bins.major)) {
    throw sandboxCannotRestore(
      `the dump's archive format ${producer.archiveVersion} (written by ${producer.tool ?? 'a newer pg_dump'}) is newer than pg_restore ${bins.version} reads (up to ${newestArchiveVersionRead(bins.major)}): ` +
        'install the PostgreSQL version that made it and add its bin directory to RESTORE_DRILL_PG_BIN, or use an ecs sandbox with that version',
    );
  }
  const restoredWith = `restored with PostgreSQL ${bins.version} (${ORIGIN_WORDS[bins.origin]})`;
  if (!producer) {
    return { name: 'producer', passed: true, observed: 'producer not recorded in the dump', expected: 'restore tools able to read it', message: [restoredWith, choiceNote].filter(Boolean).join('; ') };
  }
  return producerCheck('PostgreSQL', producer, request.declaredVersion, [restoredWith, choiceNote].filter(Boolean).join('; '));
}

const ORIGIN_WORDS: Record<PostgresBinaries['origin'], string> = {
  configured: 'RESTORE_DRILL_PG_BIN',
  project: "the project's build",
  debian: 'Debian package',
  path: 'found on PATH',
};

async function detectFormat(content: BackupContent, requested: DumpFormat): Promise<{ format: PostgresFormat; compression: Compression }> {
  if (content.directory) {
    const toc = path.join(content.directory, 'toc.dat');
    const head = await readBackupHead(toc).catch(() => undefined);
    if (!head || !head.subarray(0, 5).equals(Buffer.from('PGDMP'))) {
      throw backupRejected({ name: 'format', observed: 'directory without a valid toc.dat', expected: 'a pg_dump directory-format dump', message: `${content.directory} is a directory but not a pg_dump directory-format dump (no valid toc.dat)` });
    }
    return checkRequested({ format: 'directory', compression: 'none' }, requested);
  }
  const sniffed = sniffPostgresBackup(await content.head());
  if (sniffed.kind === 'foreign' && sniffed.damaged) {
    throw backupRejected({ name: 'decompress', observed: sniffed.description, expected: 'a complete, valid gzip stream', message: `the backup is damaged: ${sniffed.description}` });
  }
  if (sniffed.kind === 'foreign') {
    throw backupRejected({ name: 'format', observed: sniffed.description, expected: 'a pg_dump backup', message: `not a PostgreSQL dump: the file is ${sniffed.description}` });
  }
  return checkRequested({ format: sniffed.format, compression: sniffed.compression }, requested);
}

function checkRequested(found: { format: PostgresFormat; compression: Compression }, requested: DumpFormat) {
  if (requested !== 'auto' && requested !== found.format) {
    throw backupRejected({ name: 'format', observed: found.format, expected: requested, message: `the plan expects a ${requested}-format dump but the backup's content is ${found.format} format` });
  }
  return found;
}

/**
 * A retried attempt finds whatever the interrupted one left (other databases from a pg_dumpall
 * script, half-filled tables), so it starts again from empty databases.
 */
async function prepareTargetDatabase({ sandbox, bins, isRetry }: RestoreWith): Promise<void> {
  const env = { ...clientEnv(sandbox), PGDATABASE: 'template1' };
  const psql = (sql: string) => runToolOrThrow(bins.path('psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env });
  if (isRetry) {
    const { stdout } = await execFileAsync(bins.path('psql'), ['-X', '-At', '-c', 'SELECT datname FROM pg_database WHERE NOT datistemplate'], { env });
    for (const name of stdout.split('\n').filter(Boolean)) {
      await psql(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    }
    await psql('CREATE DATABASE postgres');
  }
  await psql(`CREATE DATABASE ${quoteIdent(sandbox.database)}`);
}

async function restorePlain(request: RestoreWith, compression: Compression): Promise<{ run: ToolRun; bytesRead: number }> {
  const guard = new PsqlScriptGuard(psqlHasRestrict(request.bins.version));
  const input = sqlInput(request.content, compression === 'gzip', request.onProgress, TRAILER_WINDOW_BYTES, guard);
  const progress = watchProgress(input, request.onProgress);

  let run: ToolRun;
  try {
    // A dump is a script: psql runs it restricted (./psql-guard.ts), jailed, as the sandbox account.
    // -b echoes each failing statement, so an error can be judged by what failed.
    const psql = await jailed(request.sandbox, request.bins.path('psql'), ['-X', '-q', '-b', '-v', 'ON_ERROR_STOP=0', '-d', request.sandbox.database], { readOnly: [installationRoot(request.bins)] });
    run = await runTool(psql.command, psql.args, {
      name: 'psql',
      isErrorLine: (line) => isToolErrorLine(line) || RESTRICTED_REFUSAL.test(line),
      env: clientEnv(request.sandbox),
      uid: request.sandbox.uid,
      gid: request.sandbox.gid,
      cwd: request.sandbox.dir,
      ...stdinFor(input),
      signal: request.signal,
      onSpawn: progress.onSpawn,
    });
  } catch (err) {
    request.signal.throwIfAborted();
    throw streamFailure(err, bytesRead(input), request.backup);
  } finally {
    progress.stop();
  }
  rejectHostileScript(guard, run);
  const read = await headAndTail(input, TRAILER_WINDOW_BYTES);
  if (run.exitCode === 0 && !endsWithTrailer(read.head, read.tail)) {
    throw backupRejected({
      name: 'restore',
      observed: `dump ends after ${read.bytes} bytes of SQL without pg_dump's completion trailer`,
      expected: '"-- PostgreSQL database dump complete" at the end',
      message: 'the plain SQL dump is incomplete: it ends without pg_dump\'s "dump complete" trailer, so the backup job was cut short',
    });
  }
  return { run, bytesRead: bytesRead(input) };
}

/**
 * pg_dump never writes a meta-command beyond \restrict, \unrestrict, \connect and \encoding, nor a
 * COPY … PROGRAM: a dump that has them was made or altered to run commands on whatever restores it.
 * They were refused (or, for COPY … PROGRAM, ran inside the jail); the verdict says what it tried.
 */
function rejectHostileScript(guard: PsqlScriptGuard, run: ToolRun): void {
  const refusedByPsql = run.errorLines.filter((line) => RESTRICTED_REFUSAL.test(line)).length;
  // Restricted psql knows which backslashes are commands (not text in a string or COPY data).
  const ranMetaCommands = guard.restrictMode ? refusedByPsql > 0 : guard.refused.length > 0;
  const tried = [...(ranMetaCommands ? guard.refused : []), ...guard.programs].sort((a, b) => a.line - b.line);
  if (!ranMetaCommands && guard.programs.length === 0) return;
  const listed = tried.slice(0, 5).map((t) => `${t.what} at line ${t.line}`);
  if (tried.length > 5) listed.push(`${tried.length - 5} more`);
  const mid = guard.restrictMode && refusedByPsql > guard.refused.length ? `; psql refused ${refusedByPsql - guard.refused.length} more backslash command(s) inside lines` : '';
  const what = guard.programs.length > 0 ? 'run shell commands' : 'run commands or read files';
  throw backupRejected({
    name: 'restore',
    observed: `${listed.join(', ') || 'backslash commands inside lines'}${mid}`,
    expected: "only the meta-commands pg_dump writes (\\restrict, \\unrestrict, \\connect, \\encoding) and no COPY … PROGRAM",
    message: `the dump tried to ${what} on the host restoring it (${listed.join(', ') || 'backslash commands inside lines'}${mid}), which no pg_dump output does: it was made or altered to attack whatever restores it, so it is not a backup to trust. The sandbox refused or contained it`,
  });
}

async function restoreArchive(request: RestoreWith, format: Exclude<PostgresFormat, 'plain'>, compression: Compression): Promise<{ run: ToolRun; bytesRead: number }> {
  let archivePath: string;
  let gunzipped: string | undefined;
  let bytesRead = 0;
  if (compression === 'gzip') {
    archivePath = gunzipped = path.join(request.sandbox.workDir, `backup.${format}`);
    const counter = new ByteCounter(request.onProgress);
    try {
      await pipeline(request.content.open(), counter, createGunzip(), fs.createWriteStream(archivePath, { mode: 0o600 }), { signal: request.signal });
    } catch (err) {
      throw streamFailure(err, counter.bytes, request.backup);
    }
    bytesRead = counter.bytes;
  } else {
    // pg_restore -j seeks: a local file as it is, anything streamed lands in the sandbox work dir.
    archivePath = format === 'directory' && request.content.directory ? request.content.directory : await request.content.file();
  }

  const args = ['--no-password', '--no-tablespaces', '-d', request.sandbox.database];
  // pg_restore can only run parallel jobs on formats it can seek in.
  if (format !== 'tar') args.push('-j', String(request.sandbox.jobs ?? RESTORE_JOBS));
  args.push(archivePath);

  const total = request.content.sizeBytes;
  // A gunzipped copy was counted while it was written; otherwise pg_restore reads the backup itself.
  const progress = compression === 'gzip' ? undefined : watchReadProgress(total, request.onProgress);
  try {
    // Jailed, seeing only the archive: a directory dump's toc.dat names its data files, and a
    // hostile one names the host's (../../etc/shadow, or links); pg_restore reads as the worker.
    const pgRestore = await jailed(request.sandbox, request.bins.path('pg_restore'), args, { readOnly: [installationRoot(request.bins), archivePath], writableSandbox: false, asWorker: true });
    const run = await runTool(pgRestore.command, pgRestore.args, {
      name: 'pg_restore',
      fd3: pgRestore.fd3,
      env: clientEnv(request.sandbox),
      signal: request.signal,
      onSpawn: progress?.onSpawn,
    });
    return { run, bytesRead: compression === 'gzip' ? bytesRead : total };
  } finally {
    progress?.stop();
    if (gunzipped) await fsp.rm(gunzipped, { force: true });
  }
}

/** Whether the dump's last statement-level content is pg_dump's (or pg_dumpall's) trailer. */
export function endsWithTrailer(head: string, tail: string): boolean {
  const lines = tail.split('\n').map((line) => line.trim());
  // After the trailer pg_dump writes only blank/comment lines and, since 2025, `\unrestrict KEY`.
  while (lines.length > 0 && /^(|--|\\unrestrict\s+\S+)$/.test(lines.at(-1) as string)) lines.pop();
  const last = lines.at(-1);
  return head.includes(CLUSTER_HEADER) ? last === CLUSTER_TRAILER : last === DATABASE_TRAILER || last === CLUSTER_TRAILER;
}

/**
 * What the sandbox's own failures look like from the restore tool: a full disk, exhausted memory,
 * a server that crashed or went away. They say nothing about the backup.
 */
const RESOURCE_FAULT = /No space left on device|could not extend file|could not write to file|out of memory|out of shared memory|could not resize shared memory/i;
const CONNECTION_FAULT = /server closed the connection unexpectedly|terminating connection because of crash of another server process|the database system is (in recovery mode|shutting down|starting up)|no connection to the server|connection to server .* failed/i;

/**
 * The server's jail has no shell (../../sandboxes/jail.ts), so a COPY … PROGRAM the script filter
 * could not see (inside a DO block or a function, or in an archive) fails with this error. Only a
 * dump that tried to run a command can cause it. Likewise a library it wrote and loaded fails to
 * map (the sandbox is noexec): both are named as what the dump tried.
 */
const SHELL_REFUSED = /^(?:could not execute command|program) "(.*?)"(?: failed)?/;

function rejectRefusedAttacks(errors: RestoreError[]): void {
  // Only the sandbox's noexec mount gives this error.
  const mapped = errors.find((e) => /failed to map segment from shared object/.test(e.message));
  if (mapped) {
    const library = mapped.message.match(/could not load library "([^"]+)"/)?.[1] ?? 'a file it wrote';
    throw backupRejected({
      name: 'restore',
      observed: `LOAD of ${path.basename(library)}, refused by the sandbox`,
      expected: 'libraries of the installed server only',
      message: `the dump tried to run code of its own on the host restoring it (it loaded ${path.basename(library)}, a library it wrote into the server's files), which no pg_dump output does: it was made or altered to attack whatever restores it, so it is not a backup to trust. The sandbox cannot run files it writes, so nothing ran`,
    });
  }
  const attempts = errors.map((e) => e.message.match(SHELL_REFUSED)?.[1]).filter((command): command is string => command !== undefined);
  if (attempts.length === 0) return;
  const first = attempts[0]!.length > 60 ? `${attempts[0]!.slice(0, 60)}…` : attempts[0]!;
  const observed = `COPY … PROGRAM ${JSON.stringify(first)}${attempts.length > 1 ? ` and ${attempts.length - 1} more` : ''}, refused by the sandbox server`;
  throw backupRejected({
    name: 'restore',
    observed,
    expected: 'no COPY … PROGRAM',
    message: `the dump tried to run shell commands on the host restoring it (${observed}), which no pg_dump output does: it was made or altered to attack whatever restores it, so it is not a backup to trust. The sandbox server has no shell, so nothing ran`,
  });
}

/** Lines in which the tools repeat the dump's own text rather than report an error. */
const DUMP_ECHO = /^(?:psql:[^:]*:\d+: )?(?:LINE \d+:|STATEMENT:|CONTEXT:|DETAIL:|HINT:|QUERY:|Command was:|\s)/;

/** Turns the tool's exit and error lines into the restore check, or rejects the backup. */
function verdictFromTool(run: ToolRun, allowedErrors: string[], server: ServerEvidence): Check {
  const errors = parseRestoreErrors(run.errorLines);
  // A tool killed by a signal we did not send (OOM killer, operator) says nothing about the backup:
  // an infrastructure error, retried.
  if (run.signal) throw new Error(`${run.command} stopped (${describeExit(run)}): ${run.stderrTail.slice(-3).join(' | ') || 'no output'}`);
  rejectRefusedAttacks(errors);
  if (run.command === 'psql' && run.exitCode === 2) {
    // psql lost its connection: the server's fault if it died or says it crashed; otherwise the
    // dump ended its own session (pg_terminate_backend), which no pg_dump output does.
    if (serverReportsLostConnection(server)) throw new Error(`psql stopped (${describeExit(run)}): ${run.stderrTail.slice(-3).join(' | ') || 'no output'}`);
    throw backupRejected({
      name: 'restore',
      observed: `psql lost its connection to a server that kept running: ${run.stderrTail.slice(-2).join(' | ') || 'no output'}`,
      expected: 'the whole dump restored over one session',
      message: 'the dump ended its own restore session (the server kept running and reports no crash), which no pg_dump output does: it was made or altered to hide what follows, so it is not a backup to trust',
    });
  }
  // What the dump itself says cannot name a fault: a failing statement's echo (LINE 1: …, Command
  // was: …) quotes the dump, and RAISE prints any text, "No space left on device" too (psql's
  // CONTEXT line then says "at RAISE"); and the server's own log must say it too (./fault-evidence.ts).
  const said = (pattern: RegExp) => run.errorLines.find((line, i) => pattern.test(line) && !DUMP_ECHO.test(line) && !run.errorLines.slice(i + 1, i + 4).some((next) => /\bat RAISE\b/.test(next)));
  const resource = said(RESOURCE_FAULT);
  const connection = said(CONNECTION_FAULT);
  const fault = (resource && serverReportsResourceFault(server) ? resource : undefined) ?? (connection && serverReportsLostConnection(server) ? connection : undefined);
  if (fault) {
    // Retried from an empty database; if it keeps happening the drill ends as `error` saying so.
    throw sandboxFault(errors.find((e) => fault.includes(e.message))?.message ?? fault);
  }
  const { genuine, harmless, harmlessSummary } = classifyRestoreErrors(errors, allowedErrors);
  const ignored = harmless.length > 0 ? `; ignored ${harmless.length} harmless error(s): ${harmlessSummary}` : '';
  if (genuine.length > 0 || run.droppedErrorLines > 0) {
    throw backupRejected({
      name: 'restore',
      observed: `${genuine.length + run.droppedErrorLines} error(s)${ignored}`,
      expected: 'no restore errors',
      message: `${run.command} reported ${genuine.length + run.droppedErrorLines} error(s): ${describeErrors(genuine)}`,
    });
  }
  // pg_restore exits 1 whenever it skipped past an error; psql's non-zero exits are all fatal.
  const onlyHarmlessErrors = run.command === 'pg_restore' && run.exitCode === 1 && harmless.length > 0;
  if (run.exitCode !== 0 && !onlyHarmlessErrors) {
    throw backupRejected({
      name: 'restore',
      observed: describeExit(run),
      expected: 'exit code 0',
      message: `${run.command} failed (${describeExit(run)}): ${run.stderrTail.slice(-3).join(' | ') || 'no output'}`,
    });
  }
  return {
    name: 'restore',
    passed: true,
    observed: `${describeExit(run)}${ignored}`,
    expected: 'no restore errors',
    message: harmless.length > 0 ? `restored; ${harmless.length} harmless error(s) ignored (${harmlessSummary})` : 'restored without errors',
  };
}

/** Maps a failure of the read → decompress chain to a verdict (corrupt data) or a retryable error. */
function streamFailure(err: unknown, compressedBytes: number, backup: BackupRef): unknown {
  const error = err as NodeJS.ErrnoException;
  if (error?.name === 'AbortError') return err;
  if (error?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(error?.message ?? '')) {
    return backupRejected({ name: 'decompress', observed: `gzip stream ends after ${compressedBytes} of ${backup.sizeBytes} bytes`, expected: 'a complete gzip stream', message: 'the gzip stream ends early: the backup is truncated' });
  }
  if (error?.code === 'Z_DATA_ERROR' && /incorrect header check/.test(error.message)) {
    // The first member's header was checked before the restore: this is data after the stream's end.
    return backupRejected({ name: 'decompress', observed: `non-gzip data after ${compressedBytes} bytes`, expected: 'nothing after the gzip stream', message: 'the backup is damaged: gzip data followed by trailing garbage (a partial overwrite or a botched copy)' });
  }
  if (typeof error?.code === 'string' && error.code.startsWith('Z_')) {
    return backupRejected({ name: 'decompress', observed: `gzip error after ${compressedBytes} bytes: ${error.message}`, expected: 'valid gzip data', message: `the gzip data is corrupt (${error.message})` });
  }
  return err;
}
