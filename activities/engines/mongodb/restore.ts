/**
 * Restores a mongodump archive (streamed into mongorestore's stdin, gunzipped here when needed) or a
 * dump directory with mongorestore, without --stopOnError so that every failed document is
 * reported, then judges mongorestore's own report.
 */
import { diskNearlyFull, memoryNearlyExhausted } from '../../sandboxes/admission.js';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { Check } from '../../../core/drill.js';
import { backupRejected, sandboxCannotRestore, sandboxFault } from '../../failures.js';
import { readDumpDirectory } from './dump-directory.js';
import { describeLimitation, findMetadataLimitation, LimitationScanner, WAY_OUT } from './ferretdb-limits.js';
import { watchReadProgress } from '../../proc-io.js';
import { jailed } from '../../sandboxes/jail.js';
import { describeExit, runTool, type ToolRun } from '../../process.js';
import { ByteCounter } from '../../streams.js';
import type { RestoreRequest, RestoreSummary } from '../engine.js';
import { producerCheck } from '../producer-check.js';
import { findMongoBinaries } from './binaries.js';
import { SYSTEM_DATABASES } from './client.js';
import { detectMongoDump, type MongoDump } from './format.js';
import { dropUserDatabases, TOOL_URI } from './client.js';


/** mongorestore's error lines: a fatal `Failed: …`, or one per document/index it gave up on. */
const ERROR_LINE = /\tFailed: |continuing through error: /;
const SUMMARY_LINE = /(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore\./;

export async function restoreMongoBackup(request: RestoreRequest): Promise<RestoreSummary> {
  const dump = await detectMongoDump(request.content);
  if (request.requestedFormat !== 'auto' && request.requestedFormat !== dump.format) {
    throw backupRejected({ name: 'format', observed: `a mongodump ${dump.format}`, expected: `a mongodump ${request.requestedFormat} (as the plan says)`, message: `the backup is a mongodump ${dump.format}, but the plan says ${request.requestedFormat}` });
  }
  const checks: Check[] = [formatCheck(dump)];
  // The restore tools do not depend on the dump's server version; only the plan's word is checked.
  if (dump.producer) checks.push(producerCheck('MongoDB', dump.producer, request.declaredVersion));

  const bins = findMongoBinaries();
  const ferretdb = bins.server.kind === 'ferretdb';
  if (dump.format === 'directory') {
    const dir = request.content.directory!;
    const { incomplete, limitation } = await readDumpDirectory(dir, request.signal, { scanLimitations: ferretdb });
    if (incomplete) {
      throw backupRejected({ name: 'complete', observed: `${incomplete.file} ${incomplete.problem}`, expected: 'every .bson file of the dump directory ends with a whole document', message: `a .bson file in the dump directory is incomplete: it ends in the middle of a document (${incomplete.file} ${incomplete.problem}), so the backup job was cut short or the copy is partial` });
    }
    const refused = limitation ?? (ferretdb ? await findMetadataLimitation(dir) : undefined);
    if (refused) throw sandboxCannotRestore(describeLimitation(refused, 'directory'));
  }
  if (request.isRetry) await dropUserDatabases(request.sandbox);

  const args = [
    `--uri=${TOOL_URI}`,
    '--numParallelCollections=4',
    '--numInsertionWorkersPerCollection=2',
    '--bypassDocumentValidation',
    // Users, roles and server state are not data to verify, and need credentials we never hold.
    ...SYSTEM_DATABASES.map((db) => `--nsExclude=${db}.*`),
  ];
  // FerretDB 1.24 rejects the `ns` option mongorestore adds to every index it creates.
  if (bins.server.kind === 'ferretdb') args.push('--noIndexRestore');

  let run: ToolRun;
  let bytesRead: number;
  if (dump.format === 'archive') ({ run, bytesRead } = await restoreArchive(request, bins.mongorestore, args, dump.gzip, ferretdb));
  else ({ run, bytesRead } = await restoreDirectory(request, bins.mongorestore, args, dump.gzip));
  request.signal.throwIfAborted();

  checks.push(verdict(run, request.allowedErrors ?? [], ferretdb, dump.format, { diskFull: await diskNearlyFull(request.sandbox.dir), memoryLow: memoryNearlyExhausted() }));
  if (dump.format === 'archive') {
    checks.push({ name: 'complete', passed: true, observed: 'every collection ended with its end marker and matching CRC', expected: 'a complete archive', message: 'mongorestore read the archive to its end and every collection\'s checksum matched' });
  }
  return { format: dump.format, bytesRead, producer: dump.producer, checks };
}

function formatCheck(dump: MongoDump): Check {
  const observed = dump.format === 'archive' ? `archive${dump.gzip ? ' (gzip)' : ''}` : `directory (${dump.collections} collection file(s)${dump.gzip ? ', gzip' : ''})`;
  return { name: 'format', passed: true, observed, expected: 'a mongodump archive or dump directory', message: `backup is a mongodump ${observed}` };
}

/**
 * The archive goes through stdin: file → byte count (progress) → gunzip here rather than
 * mongorestore's --gzip, so that a corrupt or garbage-tailed gzip stream is told apart from a
 * damaged archive. mongorestore runs as the sandbox account: it needs nothing else.
 */
async function restoreArchive(request: RestoreRequest, mongorestore: string, args: string[], gzip: boolean, ferretdb: boolean): Promise<{ run: ToolRun; bytesRead: number }> {
  const counter = new ByteCounter(request.onProgress);
  // FerretDB: documents are watched on their way in; the first one it cannot hold stops the restore.
  const stop = new AbortController();
  const onAbort = () => stop.abort(request.signal.reason);
  request.signal.addEventListener('abort', onAbort, { once: true });
  const scanner = ferretdb ? new LimitationScanner('archive', null, () => stop.abort()) : undefined;
  let gunzip: Gunzip | undefined;
  let plainBytes = 0;
  const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [request.content.open(), counter];
  if (gzip) {
    gunzip = createGunzip();
    gunzip.on('data', (chunk: Buffer) => (plainBytes += chunk.length));
    stages.push(gunzip);
  }
  if (scanner) stages.push(scanner);
  const input = stages.length === 2 ? counter : (stages.at(-1) as Readable);
  pipeline(stages as unknown as [Readable, ...NodeJS.ReadWriteStream[]], () => {});
  try {
    // Jailed as the sandbox account: it reads stdin and talks to the sandbox's socket, nothing else.
    const tool = await jailed(request.sandbox, mongorestore, [...args, '--archive'], { readOnly: [toolsRoot(mongorestore)], writableSandbox: false, cwd: request.sandbox.socketDir });
    const run = await runTool(tool.command, tool.args, {
      name: 'mongorestore',
      env: toolEnv(),
      stdin: input,
      signal: stop.signal,
      uid: request.sandbox.uid,
      gid: request.sandbox.gid,
      cwd: request.sandbox.socketDir,
      isErrorLine: (line) => ERROR_LINE.test(line),
    });
    if (scanner?.found) throw sandboxCannotRestore(describeLimitation(scanner.found, 'archive'));
    return { run, bytesRead: counter.bytes };
  } catch (err) {
    request.signal.throwIfAborted();
    if (scanner?.found) throw sandboxCannotRestore(describeLimitation(scanner.found, 'archive'));
    const error = err as NodeJS.ErrnoException;
    if (typeof error.code === 'string' && error.code.startsWith('Z_')) throw gzipFailure(error, plainBytes);
    throw err;
  } finally {
    request.signal.removeEventListener('abort', onAbort);
  }
}

/** The folder a tool binary lives in, for the jail to show read-only. */
function toolsRoot(tool: string): string {
  return path.dirname(realpathSync(tool));
}

function gzipFailure(error: NodeJS.ErrnoException, plainBytes: number): Error {
  // A header check fails only where a gzip member should start: after data came out, that is
  // what follows the end of the compressed stream.
  if (plainBytes > 0 && /incorrect header check|unknown compression method/.test(error.message)) {
    return backupRejected({ name: 'decompress', observed: `${plainBytes} bytes decompressed, then: ${error.message}`, expected: 'a gzip file that ends where its compressed stream ends', message: `the gzip file has trailing garbage after its compressed stream (${error.message}): it was damaged or written over` });
  }
  if (error.code === 'Z_BUF_ERROR') {
    return backupRejected({ name: 'decompress', observed: `gzip stream ends after ${plainBytes} decompressed bytes: ${error.message}`, expected: 'a complete gzip stream', message: `the gzip stream is truncated (${error.message}): the backup job was cut short` });
  }
  return backupRejected({ name: 'decompress', observed: `gzip error after ${plainBytes} decompressed bytes: ${error.message}`, expected: 'a valid gzip stream', message: `the gzip stream is corrupt (${error.message})` });
}

/**
 * mongorestore reads the directory itself, as the worker's account (backup directories are often
 * private to it), jailed so that it sees nothing but the dump (read-only) and the sandbox's socket:
 * a link or a metadata file naming a host path finds nothing there. Progress is what it has read.
 */
async function restoreDirectory(request: RestoreRequest, mongorestore: string, args: string[], gzip: boolean): Promise<{ run: ToolRun; bytesRead: number }> {
  const total = request.content.sizeBytes;
  const progress = watchReadProgress(total, request.onProgress);
  try {
    const directory = request.content.directory!;
    const tool = await jailed(request.sandbox, mongorestore, [...args, ...(gzip ? ['--gzip'] : []), `--dir=${directory}`], { readOnly: [toolsRoot(mongorestore), directory], writableSandbox: false, asWorker: true, cwd: request.sandbox.socketDir });
    const run = await runTool(tool.command, tool.args, {
      name: 'mongorestore',
      fd3: tool.fd3,
      env: toolEnv(),
      signal: request.signal,
      cwd: request.sandbox.socketDir,
      isErrorLine: (line) => ERROR_LINE.test(line),
      onSpawn: progress.onSpawn,
    });
    return { run, bytesRead: total };
  } finally {
    progress.stop();
  }
}

function toolEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: 'C.UTF-8' };
}

interface RestoreError {
  fatal: boolean;
  message: string;
}

/** The sandbox's disk or memory gave out (mongod's ENOSPC, FerretDB's SQLite "disk is full"), not the backup. */
const DISK_FAULT = /No space left on device|disk is full|\bENOSPC\b/i;
const MEMORY_FAULT = /out of memory|Cannot allocate memory/i;

function verdict(run: ToolRun, allowedErrors: string[], ferretdb: boolean, format: MongoDump['format'], facts: { diskFull: boolean; memoryLow: boolean }): Check {
  if (run.signal) throw new Error(`mongorestore stopped (${describeExit(run)})`);
  const allowed = allowedErrors.map((source) => new RegExp(source));
  const errors: RestoreError[] = run.errorLines
    .filter((line) => ERROR_LINE.test(line))
    .map((line) => {
      const fatal = /\tFailed: /.test(line);
      return { fatal, message: line.replace(/^.*?(\tFailed: |continuing through error: )/, '').trim() };
    });
  const summary = run.stderrTail.map((line) => line.match(SUMMARY_LINE)).find(Boolean);
  const restored = summary ? Number(summary[1]) : null;
  const failedDocuments = summary ? Number(summary[2]) : 0;
  const harmless = errors.filter((e) => allowed.some((pattern) => pattern.test(e.message)));
  const genuine = errors.filter((e) => !harmless.includes(e));
  // Only error lines, and only with the facts behind them: a dump's names (a collection called
  // ENOSPC, a duplicate key "No space left on device") print the words too.
  const realFault = (text: string) => !/E11000 duplicate key/.test(text) && ((DISK_FAULT.test(text) && facts.diskFull) || (MEMORY_FAULT.test(text) && facts.memoryLow));
  const fault = genuine.find((e) => realFault(e.message))?.message;
  if (fault) throw sandboxFault(fault);
  const fatal = genuine.find((e) => e.fatal);
  if (fatal) throw classifyFatal(fatal.message, restored, format, ferretdb);
  if (genuine.length > 0) {
    throw backupRejected({
      name: 'restore',
      observed: `${genuine.length} error(s)${failedDocuments ? `, ${failedDocuments} document(s) not restored` : ''}`,
      expected: 'no restore errors',
      message: `mongorestore reported ${genuine.length} error(s): ${summarize(genuine.map((e) => e.message))}`,
    });
  }
  if (run.exitCode !== 0 && harmless.length === 0) {
    throw backupRejected({ name: 'restore', observed: describeExit(run), expected: 'exit code 0', message: `mongorestore failed (${describeExit(run)}): ${run.stderrTail.slice(-3).join(' | ') || 'no output'}` });
  }
  const notes = [
    restored === null ? undefined : `${restored} document(s) restored`,
    harmless.length ? `ignored ${harmless.length} harmless error(s)` : undefined,
    ferretdb ? 'indexes not rebuilt (FerretDB)' : undefined,
  ].filter(Boolean);
  return { name: 'restore', passed: true, observed: `${describeExit(run)}${notes.length ? `; ${notes.join('; ')}` : ''}`, expected: 'no restore errors', message: 'restored without errors' };
}

/** A fatal mongorestore error: a cut archive reads as "cut short", a damaged one as corrupt. */
function classifyFatal(message: string, restored: number | null, format: MongoDump['format'], ferretdb: boolean): Error {
  const soFar = restored === null ? '' : ` after ${restored} document(s)`;
  // The sandbox server, not the backup, failed: an infrastructure error, retried by the activity.
  if (/can't create session|server selection|error connecting to|connection refused|connection\(.*\) .*closed/i.test(message)) {
    const hint = ferretdb ? ` (FerretDB closes the connection on data it cannot hold; ${WAY_OUT})` : '';
    return new Error(`mongorestore lost the sandbox server: ${message}${hint}`);
  }
  if (/archive io error|reading beginning of archive|unexpected EOF|\bEOF\b|still outs/i.test(message)) {
    if (format === 'directory') {
      return backupRejected({ name: 'complete', observed: `a collection file ends early${soFar}: ${message}`, expected: 'every .bson file of the dump directory complete', message: `a .bson file in the dump directory is incomplete: it ends in the middle of a document, so the backup job was cut short or the copy is partial (mongorestore: ${message})` });
    }
    return backupRejected({ name: 'complete', observed: `the archive ends early${soFar}: ${message}`, expected: 'every collection ends with its end marker', message: `the mongodump archive is incomplete: it ends before every collection's end marker, so the backup job was cut short (mongorestore: ${message})` });
  }
  if (/corruption found in archive|CRC mismatch|cannot marshal|invalid|not enough bytes|bson/i.test(message)) {
    const what = format === 'directory' ? 'a .bson file in the dump directory is corrupt' : 'the mongodump archive is corrupt';
    return backupRejected({ name: 'restore', observed: `corrupt data${soFar}: ${message}`, expected: format === 'directory' ? 'intact .bson files' : 'intact archive data', message: `${what}: ${message}` });
  }
  return backupRejected({ name: 'restore', observed: message, expected: 'no restore errors', message: `mongorestore failed: ${message}` });
}

function summarize(messages: string[]): string {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  const parts = [...counts].slice(0, 3).map(([m, n]) => (n > 1 ? `${m} ×${n}` : m));
  return `${parts.join('; ')}${counts.size > 3 ? `; and ${counts.size - 3} more kind(s)` : ''}`;
}
