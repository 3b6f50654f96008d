/**
 * Physical backups, first step: pg_basebackup output, tar format (base.tar with pg_wal.tar, gzip
 * or not) or plain, restores by starting a server of its own major on a copy of it, which replays
 * the WAL the backup carries until the cluster is consistent; then it inspects like a dump.
 * pgBackRest / WAL-G repositories and point-in-time targets are later layouts of the same shape:
 * lay the files out in the data directory, then let the server recover.
 */
import { readUntrustedFile, UntrustedFileError } from '../../untrusted-files.js';
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Check, SandboxHandle } from '../../../core/drill.js';
import { backupRejected, sandboxCannotRestore } from '../../failures.js';
import { runTool, runToolOrThrow } from '../../process.js';
import type { RestoreRequest as EngineRestoreRequest, RestoreSummary } from '../engine.js';
import { producerCheck } from '../producer-check.js';
import type { PostgresBinaries } from './binaries.js';
import type { PostgresInstallations } from './installations.js';
import { chooseServer } from './server-choice.js';
import { SANDBOX_SUPERUSER, stopPostgresServer } from './server.js';
import { launchPostgres, serverLog } from './launch.js';
import { makeSandboxDirectory, writeSandboxFile } from '../../sandboxes/sandbox-files.js';
import { rememberRestoredDatabase } from '../../sandboxes/restored-database.js';

const execFileAsync = promisify(execFile);
const START_TIMEOUT_SECONDS = 600;
const SMALL_FILE_LIMIT = 16 * 1024;

export type BaseBackupLayout =
  | { kind: 'tar'; base: string; wal: string | null; gzip: boolean; manifest: string | null }
  | { kind: 'plain'; dir: string; manifest: string | null };

/** The layout of a directory that holds pg_basebackup output, or undefined when it is not one. */
export async function baseBackupLayout(dir: string): Promise<BaseBackupLayout | undefined> {
  const names = new Set(await fs.readdir(dir));
  const manifest = names.has('backup_manifest') ? path.join(dir, 'backup_manifest') : null;
  const otherCompression = [...names].find((name) => /^base\.tar\.(zst|lz4|bz2|xz)$/.test(name));
  if (otherCompression && !names.has('base.tar') && !names.has('base.tar.gz')) {
    throw sandboxCannotRestore(`the base backup is compressed with ${otherCompression.split('.').at(-1)} (${otherCompression}), which drills do not unpack yet (gzip or none only): take it with --compress=gzip or none, or drill a pg_dump of the same databases`);
  }
  for (const gzip of [false, true]) {
    const suffix = gzip ? '.tar.gz' : '.tar';
    if (!names.has(`base${suffix}`)) continue;
    const tablespaces = [...names].filter((name) => name.endsWith(suffix) && !['base', 'pg_wal'].includes(name.slice(0, -suffix.length)));
    if (tablespaces.length > 0) {
      throw sandboxCannotRestore(`the base backup has tablespaces (${tablespaces.join(', ')}), which drills do not restore yet: drill a backup without tablespaces, or a pg_dump of the same databases`);
    }
    return { kind: 'tar', base: path.join(dir, `base${suffix}`), wal: names.has(`pg_wal${suffix}`) ? path.join(dir, `pg_wal${suffix}`) : null, gzip, manifest };
  }
  if (names.has('PG_VERSION') && (names.has('backup_label') || names.has('global'))) return { kind: 'plain', dir, manifest };
  return undefined;
}

interface BaseBackupRequest extends EngineRestoreRequest {
  installations: PostgresInstallations;
}

export async function restoreBaseBackup(request: BaseBackupRequest, layout: BaseBackupLayout): Promise<RestoreSummary> {
  const { sandbox } = request;
  const versionText = await readPgVersion(layout);
  if (!/^\d+(\.\d+)?$/.test(versionText)) {
    throw backupRejected({ name: 'format', observed: `PG_VERSION of ${versionText.length} byte(s)`, expected: 'a PostgreSQL major version', message: 'the base backup has no valid PG_VERSION file: it is not a complete PostgreSQL data directory' });
  }
  const major = Number(versionText.split('.')[0]);
  if (major < 10) {
    throw sandboxCannotRestore(`the base backup is a PostgreSQL ${versionText} data directory; drills start base backups of PostgreSQL 10 and newer only: drill a pg_dump of the same databases`);
  }
  const choice = await chooseServer({ major, from: `the base backup (PG_VERSION ${major})` }, request.installations);
  if (choice.bins.major !== major) {
    // A data directory only ever starts under its own major (pg_upgrade is another story).
    throw sandboxCannotRestore(`the base backup is a PostgreSQL ${major} data directory, which only PostgreSQL ${major} can start, and PostgreSQL ${major} is not installed: install it and add its bin directory to RESTORE_DRILL_PG_BIN, or use an ecs sandbox with a PostgreSQL ${major} image`);
  }
  const bins = choice.bins;
  const checks: Check[] = [formatCheck(layout)];
  const label = await readBackupLabel(layout);
  checks.push(producerCheck('PostgreSQL', { tool: 'pg_basebackup', serverVersion: String(major) }, request.declaredVersion, `restored with PostgreSQL ${bins.version}${label ? `; ${label}` : ''}`));

  await stopPostgresServer(sandbox);
  await makeSandboxDirectory(sandbox, sandbox.dataDir);
  const bytesRead = await layOut(layout, request);
  request.signal.throwIfAborted();
  if (layout.manifest) checks.push(await verifyAgainstManifest(bins, layout.manifest, sandbox, request.signal));
  await startOnBackup(request, bins);
  await rememberRestoredDatabase(sandbox, request.defaultDatabase ?? 'postgres');
  checks.push({ name: 'restore', passed: true, observed: 'server started and reached a consistent state', expected: 'WAL replay to the end of the backup', message: `PostgreSQL ${bins.version} replayed the backup's WAL and reached a consistent state` });
  return { format: 'basebackup', bytesRead, producer: { tool: 'pg_basebackup', serverVersion: String(major) }, checks };
}

function formatCheck(layout: BaseBackupLayout): Check {
  const observed = layout.kind === 'tar' ? `pg_basebackup tar${layout.gzip ? ' (gzip)' : ''}${layout.wal ? ' with pg_wal' : ''}` : 'pg_basebackup plain directory';
  return { name: 'format', passed: true, observed, expected: 'a pg_dump format or a pg_basebackup', message: `backup is a ${observed}` };
}

async function readPgVersion(layout: BaseBackupLayout): Promise<string> {
  if (layout.kind === 'plain') return (await readSmallRegularFile(path.join(layout.dir, 'PG_VERSION'))).trim();
  try {
    return (await tarMember(layout, 'PG_VERSION')).trim();
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    const name = path.basename(layout.base);
    if (/unexpected (EOF|end of file)/i.test(stderr)) {
      throw backupRejected({ name: 'restore', observed: `${name}: ${stderr.split('\n')[0]}`, expected: 'complete tar archives', message: `${name} cannot be unpacked (${stderr.split('\n')[0]}): the base backup is cut short or damaged` });
    }
    const why = stderr.split('\n').at(-1) || 'no PG_VERSION member';
    throw backupRejected({ name: 'format', observed: `${name}: ${why}`, expected: 'a tar of a data directory', message: `${name} is not a readable tar of a PostgreSQL data directory (${why})` });
  }
}

/** A backup's small text file, read as the worker: never through a link, never more than a few KiB. */
async function readSmallRegularFile(file: string): Promise<string> {
  // O_NONBLOCK: a named pipe in a file's place must not hold a worker thread waiting for a writer.
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`${path.basename(file)} is not a regular file`);
    const buffer = Buffer.alloc(Math.min(stat.size, SMALL_FILE_LIMIT));
    await handle.read(buffer, 0, buffer.length, 0);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** One small member of the base tar, read to stdout (nothing is written anywhere). */
async function tarMember(layout: Extract<BaseBackupLayout, { kind: 'tar' }>, member: string): Promise<string> {
  // --occurrence: stop reading once the member is found, rather than scanning the whole archive.
  const { stdout } = await execFileAsync('tar', ['-x', '-O', '--occurrence=1', ...(layout.gzip ? ['-z'] : []), '-f', layout.base, member], { maxBuffer: 1024 * 1024 });
  return stdout;
}

/** "backup label "nightly", started 2026-11-30 02:00:01 UTC" from backup_label, when present. */
async function readBackupLabel(layout: BaseBackupLayout): Promise<string | undefined> {
  let text: string | undefined;
  if (layout.kind === 'plain') text = await readSmallRegularFile(path.join(layout.dir, 'backup_label')).catch(() => undefined);
  else text = await tarMember(layout, 'backup_label').catch(() => undefined);
  const started = text && /^START TIME: (.+)$/m.exec(text)?.[1];
  const name = text && /^LABEL: (.+)$/m.exec(text)?.[1];
  if (!started && !name) return undefined;
  return `backup${name ? ` label "${name.trim()}"` : ''}${started ? `, started ${started.trim()}` : ''}`;
}

/**
 * The backup's files into the sandbox's data directory, unpacked by tar running as the sandbox
 * account (reading the archive from a descriptor the worker opens): a hostile archive can write
 * nowhere the sandbox account cannot.
 */
async function layOut(layout: BaseBackupLayout, request: BaseBackupRequest): Promise<number> {
  const { sandbox } = request;
  const asSandbox = { uid: sandbox.uid, gid: sandbox.gid, cwd: sandbox.dir, signal: request.signal };
  if (layout.kind === 'plain') {
    await runToolOrThrow('cp', ['-R', '--no-dereference', `${layout.dir}/.`, sandbox.dataDir], { signal: request.signal });
    await refuseLinks(sandbox.dataDir);
    await runToolOrThrow('chown', ['-R', '--no-dereference', `${sandbox.uid}:${sandbox.gid}`, sandbox.dataDir], {});
    await runToolOrThrow('chmod', ['-R', 'u+rwX,go-rwx', sandbox.dataDir], {});
    return request.content.sizeBytes;
  }
  let bytes = 0;
  for (const [archive, into] of [[layout.base, sandbox.dataDir], [layout.wal, path.join(sandbox.dataDir, 'pg_wal')]] as const) {
    if (!archive) continue;
    // base.tar may have made pg_wal already; anything there but a real directory is refused (a link
    // would have the worker create and chown whatever it points at).
    const existing = await fs.lstat(into).catch(() => undefined);
    if (existing && !existing.isDirectory()) throw sandboxCannotRestore(`the base backup's ${path.relative(sandbox.dataDir, into)} is not a directory (a symbolic link?): drills restore only self-contained base backups`);
    if (!existing) {
      await fs.mkdir(into, { mode: 0o700 });
      await fs.lchown(into, sandbox.uid, sandbox.gid);
    }
    const run = await runTool('tar', ['-x', ...(layout.gzip ? ['-z'] : []), '-f', '-', '--no-same-owner', '-C', into], { ...asSandbox, stdinFile: archive });
    request.signal.throwIfAborted();
    if (run.exitCode !== 0) throw tarFailure(path.basename(archive), run.stderrTail);
    await refuseLinks(sandbox.dataDir);
    bytes += (await fs.stat(archive)).size;
  }
  return bytes;
}

/** A cut or damaged archive is the backup's fault; anything else (disk full, permissions) is the sandbox's. */
function tarFailure(name: string, stderr: string[]): Error {
  const why = stderr.slice(-2).join(' | ') || 'tar failed';
  if (/Unexpected EOF|unexpected end of file|not look like a tar|invalid compressed data|crc error|format violated|Skipping to next header|Damaged tar/i.test(stderr.join('\n'))) {
    return backupRejected({ name: 'restore', observed: `${name}: ${why}`, expected: 'complete tar archives', message: `${name} cannot be unpacked (${why}): the base backup is cut short or damaged` });
  }
  return sandboxCannotRestore(`unpacking ${name} into the sandbox failed (${why}): check the sandbox directory's free space and permissions`);
}

/**
 * Symbolic links in a laid-out data directory (tablespace links, a pg_wal elsewhere) would have the
 * sandbox server write outside its sandbox: such base backups are not restored.
 */
async function refuseLinks(dataDir: string): Promise<void> {
  const { stdout } = await execFileAsync('find', [dataDir, '-type', 'l', '-print', '-quit']);
  if (stdout.trim()) {
    throw sandboxCannotRestore(`the base backup holds a symbolic link (${path.relative(dataDir, stdout.trim())}); drills restore only self-contained base backups (no tablespaces, no pg_wal elsewhere)`);
  }
}

/** A manifest lists every file with its checksum: a few MB even for large clusters. */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** pg_verifybackup against the backup_manifest (PostgreSQL 13+): every file's size and checksum. */
async function verifyAgainstManifest(bins: PostgresBinaries, manifest: string, sandbox: SandboxHandle, signal: AbortSignal): Promise<Check> {
  const verify = path.join(bins.binDir, 'pg_verifybackup');
  // As the sandbox account, on a copy of the manifest: it parses files the backup supplies. -n: the
  // WAL is judged by the server's own recovery, in words about WAL.
  const copy = path.join(sandbox.dir, 'backup_manifest');
  await writeSandboxFile(sandbox, copy, await readUntrustedFile(manifest, MAX_MANIFEST_BYTES).catch((err: Error) => {
    throw err instanceof UntrustedFileError ? sandboxCannotRestore(`the base backup's manifest cannot be read safely (${err.message}): drills restore only self-contained base backups`) : err;
  }));
  const run = await runTool(verify, ['--quiet', '-n', '-m', copy, sandbox.dataDir], { uid: sandbox.uid, gid: sandbox.gid, cwd: sandbox.dir, signal });
  signal.throwIfAborted();
  if (run.exitCode !== 0) {
    const why = [...new Set([...run.errorLines, ...run.stderrTail])].slice(0, 3).join('; ') || `exit ${run.exitCode}`;
    throw backupRejected({ name: 'checksum', observed: why, expected: 'every file as backup_manifest records it', message: `the base backup does not match its backup_manifest: ${why}` });
  }
  return { name: 'checksum', passed: true, observed: 'pg_verifybackup: every file matches backup_manifest', expected: 'every file as backup_manifest records it', message: 'every file of the base backup matches its backup_manifest (sizes and checksums)' };
}

/**
 * Starts the server on the laid-out files. Our own configuration file replaces the backup's (often
 * not inside the data directory at all) and its postgresql.auto.conf is removed, so no setting of
 * the backup applies. A backup of a standby (`-R`) would wait for its primary forever: without the
 * signal files it recovers like a crash and opens.
 */
async function startOnBackup(request: BaseBackupRequest, bins: PostgresBinaries): Promise<void> {
  const { sandbox } = request;
  // postgresql.auto.conf goes too: settings such as ssl_passphrase_command or
  // session_preload_libraries would run the backup's code in the sandbox.
  for (const leftover of ['standby.signal', 'recovery.signal', 'postmaster.pid', 'postgresql.auto.conf']) await fs.rm(path.join(sandbox.dataDir, leftover), { force: true });
  const configFile = path.join(sandbox.dir, 'basebackup.conf');
  const hbaFile = path.join(sandbox.dir, 'basebackup_hba.conf');
  const identFile = path.join(sandbox.dir, 'basebackup_ident.conf');
  await writeSandboxFile(sandbox, configFile, '# Restore Drill: settings of a throwaway server on a copy of a base backup\n');
  await writeSandboxFile(sandbox, hbaFile, `local all ${SANDBOX_SUPERUSER} trust\nlocal all all trust\n`);
  await writeSandboxFile(sandbox, identFile, '');
  const settings: Record<string, string> = {
    config_file: configFile,
    hba_file: hbaFile,
    ident_file: identFile,
    listen_addresses: '',
    unix_socket_directories: sandbox.socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    archive_mode: 'off',
    restore_command: '',
    primary_conninfo: '',
    shared_preload_libraries: '',
    hot_standby: 'on',
    autovacuum: 'off',
    max_wal_senders: '0',
    max_replication_slots: '0',
    wal_level: 'replica',
  };
  const launched = await launchPostgres(sandbox, bins, settings, {
    timeoutSeconds: START_TIMEOUT_SECONDS,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    signal: request.signal,
  });
  request.signal.throwIfAborted();
  if (launched.started) return;
  const log = (await serverLog(sandbox)).split('\n').filter((line) => /FATAL|PANIC|LOG: +(invalid|could not)/.test(line)).slice(-3).map((line) => line.replace(/^.*?(FATAL|PANIC|LOG): +/, '')).join(' | ');
  if (/checkpoint record|redo location|WAL (file|segment)|pg_wal|invalid record|record with incorrect|contrecord|backup end|end of backup|not a valid data directory|could not open file .*\/(base|global)\//i.test(log)) {
    throw backupRejected({
      name: 'restore',
      observed: log || 'server did not start',
      expected: 'WAL replay to the end of the backup',
      message: `the base backup cannot be brought to a consistent state: ${log || 'the server did not start'}${/checkpoint record|redo location|WAL/.test(log) ? ' (the WAL it needs is missing or damaged: take base backups with -X stream or -X fetch, and keep pg_wal.tar with base.tar)' : ''}`,
    });
  }
  throw sandboxCannotRestore(`the sandbox server did not start on the base backup: ${log || launched.detail}`);
}
