/**
 * Physical backups, first step: pg_basebackup output, tar format (base.tar with pg_wal.tar, gzip
 * or not) or plain, restores by starting a server of its own major on a copy of it, which replays
 * the WAL the backup carries until the cluster is consistent; then it inspects like a dump.
 * pgBackRest / WAL-G repositories and point-in-time targets are later layouts of the same shape:
 * lay the files out in the data directory, then let the server recover.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Check } from '../../../core/drill.js';
import { backupRejected, sandboxCannotRestore } from '../../failures.js';
import { runTool, runToolOrThrow } from '../../process.js';
import type { RestoreRequest as EngineRestoreRequest, RestoreSummary } from '../engine.js';
import { producerCheck } from '../producer-check.js';
import type { PostgresBinaries } from './binaries.js';
import type { PostgresInstallations } from './installations.js';
import { chooseServer } from './server-choice.js';
import { SANDBOX_SUPERUSER, stopPostgresServer } from './server.js';
import { rememberRestoredDatabase } from '../../sandboxes/restored-database.js';

const execFileAsync = promisify(execFile);
const START_TIMEOUT_SECONDS = 600;

export type BaseBackupLayout =
  | { kind: 'tar'; base: string; wal: string | null; gzip: boolean; manifest: string | null }
  | { kind: 'plain'; dir: string; manifest: string | null };

/** The layout of a directory that holds pg_basebackup output, or undefined when it is not one. */
export async function baseBackupLayout(dir: string): Promise<BaseBackupLayout | undefined> {
  const names = new Set(await fs.readdir(dir));
  const manifest = names.has('backup_manifest') ? path.join(dir, 'backup_manifest') : null;
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
  const major = Number(versionText);
  if (!Number.isInteger(major) || major < 9) {
    throw backupRejected({ name: 'format', observed: `PG_VERSION "${versionText.slice(0, 20)}"`, expected: 'a PostgreSQL major version', message: 'the base backup has no valid PG_VERSION file: it is not a complete PostgreSQL data directory' });
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
  await fs.rm(sandbox.dataDir, { recursive: true, force: true });
  await fs.mkdir(sandbox.dataDir, { mode: 0o700 });
  await fs.chown(sandbox.dataDir, sandbox.uid, sandbox.gid);
  const bytesRead = await layOut(layout, request);
  request.signal.throwIfAborted();
  if (layout.manifest) checks.push(await verifyAgainstManifest(bins, layout.manifest, sandbox.dataDir, request.signal));
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
  if (layout.kind === 'plain') return (await fs.readFile(path.join(layout.dir, 'PG_VERSION'), 'utf8')).trim();
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

/** One small member of the base tar, read to stdout (nothing is written anywhere). */
async function tarMember(layout: Extract<BaseBackupLayout, { kind: 'tar' }>, member: string): Promise<string> {
  // --occurrence: stop reading once the member is found, rather than scanning the whole archive.
  const { stdout } = await execFileAsync('tar', ['-x', '-O', '--occurrence=1', ...(layout.gzip ? ['-z'] : []), '-f', layout.base, member], { maxBuffer: 1024 * 1024 });
  return stdout;
}

/** "backup label "nightly", started 2026-11-30 02:00:01 UTC" from backup_label, when present. */
async function readBackupLabel(layout: BaseBackupLayout): Promise<string | undefined> {
  let text: string | undefined;
  if (layout.kind === 'plain') text = await fs.readFile(path.join(layout.dir, 'backup_label'), 'utf8').catch(() => undefined);
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
    await runToolOrThrow('chown', ['-R', '--no-dereference', `${sandbox.uid}:${sandbox.gid}`, sandbox.dataDir], {});
    await runToolOrThrow('chmod', ['-R', 'u+rwX,go-rwx', sandbox.dataDir], {});
    return request.content.sizeBytes;
  }
  let bytes = 0;
  for (const [archive, into] of [[layout.base, sandbox.dataDir], [layout.wal, path.join(sandbox.dataDir, 'pg_wal')]] as const) {
    if (!archive) continue;
    await fs.mkdir(into, { recursive: true, mode: 0o700 });
    await fs.chown(into, sandbox.uid, sandbox.gid);
    const run = await runTool('tar', ['-x', ...(layout.gzip ? ['-z'] : []), '-f', '-', '--no-same-owner', '-C', into], { ...asSandbox, stdinFile: archive });
    request.signal.throwIfAborted();
    if (run.exitCode !== 0) {
      const why = run.stderrTail.slice(-2).join(' | ') || `tar exit ${run.exitCode}`;
      throw backupRejected({ name: 'restore', observed: `${path.basename(archive)}: ${why}`, expected: 'complete tar archives', message: `${path.basename(archive)} cannot be unpacked (${why}): the base backup is cut short or damaged` });
    }
    bytes += (await fs.stat(archive)).size;
  }
  return bytes;
}

/** pg_verifybackup against the backup_manifest (PostgreSQL 13+): every file's size and checksum, and the WAL. */
async function verifyAgainstManifest(bins: PostgresBinaries, manifest: string, dataDir: string, signal: AbortSignal): Promise<Check> {
  const verify = path.join(bins.binDir, 'pg_verifybackup');
  const run = await runTool(verify, ['--quiet', '-m', manifest, '-w', path.join(dataDir, 'pg_wal'), dataDir], { signal });
  signal.throwIfAborted();
  if (run.exitCode !== 0) {
    const why = [...new Set([...run.errorLines, ...run.stderrTail])].slice(0, 3).join('; ') || `exit ${run.exitCode}`;
    throw backupRejected({ name: 'checksum', observed: why, expected: 'every file and the WAL as backup_manifest records them', message: `the base backup does not match its backup_manifest: ${why}` });
  }
  return { name: 'checksum', passed: true, observed: 'pg_verifybackup: every file and the WAL match backup_manifest', expected: 'every file and the WAL as backup_manifest records them', message: 'every file of the base backup matches its backup_manifest (sizes and checksums), and its WAL parses' };
}

/**
 * Starts the server on the laid-out files. Our own configuration file replaces the backup's (often
 * not inside the data directory at all); postgresql.auto.conf still applies, so what could reach
 * outside the sandbox is overridden on the command line. A backup of a standby (`-R`) would wait
 * for its primary forever: without the signal files it recovers like a crash and opens.
 */
async function startOnBackup(request: BaseBackupRequest, bins: PostgresBinaries): Promise<void> {
  const { sandbox } = request;
  for (const signalFile of ['standby.signal', 'recovery.signal', 'postmaster.pid']) await fs.rm(path.join(sandbox.dataDir, signalFile), { force: true });
  const configFile = path.join(sandbox.dir, 'basebackup.conf');
  const hbaFile = path.join(sandbox.dir, 'basebackup_hba.conf');
  const identFile = path.join(sandbox.dir, 'basebackup_ident.conf');
  await fs.writeFile(configFile, '# Restore Drill: settings of a throwaway server on a copy of a base backup\n');
  await fs.writeFile(hbaFile, `local all ${SANDBOX_SUPERUSER} trust\nlocal all all trust\n`);
  await fs.writeFile(identFile, '');
  for (const file of [configFile, hbaFile, identFile]) await fs.chown(file, sandbox.uid, sandbox.gid);
  const settings: Record<string, string> = {
    config_file: configFile,
    hba_file: hbaFile,
    ident_file: identFile,
    listen_addresses: "''",
    unix_socket_directories: sandbox.socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    archive_mode: 'off',
    restore_command: "''",
    primary_conninfo: "''",
    shared_preload_libraries: "''",
    hot_standby: 'on',
    autovacuum: 'off',
    max_wal_senders: '0',
    max_replication_slots: '0',
    wal_level: 'replica',
  };
  const options = [`-p ${sandbox.port}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ');
  const logFile = path.join(sandbox.dir, 'server.log');
  await fs.writeFile(logFile, '');
  await fs.chown(logFile, sandbox.uid, sandbox.gid);
  const run = await runTool(bins.path('pg_ctl'), ['-D', sandbox.dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_SECONDS), '-o', options, 'start'], {
    uid: sandbox.uid,
    gid: sandbox.gid,
    cwd: sandbox.dir,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
    signal: request.signal,
  });
  request.signal.throwIfAborted();
  if (run.exitCode === 0) return;
  const log = (await fs.readFile(logFile, 'utf8').catch(() => '')).split('\n').filter((line) => /FATAL|PANIC|LOG: +(invalid|could not)/.test(line)).slice(-3).map((line) => line.replace(/^.*?(FATAL|PANIC|LOG): +/, '')).join(' | ');
  if (/checkpoint record|redo location|WAL (file|segment)|pg_wal|invalid record|record with incorrect|contrecord|backup end|end of backup|not a valid data directory|could not open file .*\/(base|global)\//i.test(log)) {
    throw backupRejected({
      name: 'restore',
      observed: log || 'server did not start',
      expected: 'WAL replay to the end of the backup',
      message: `the base backup cannot be brought to a consistent state: ${log || 'the server did not start'}${/checkpoint record|redo location|WAL/.test(log) ? ' (the WAL it needs is missing or damaged: take base backups with -X stream or -X fetch, and keep pg_wal.tar with base.tar)' : ''}`,
    });
  }
  throw sandboxCannotRestore(`the sandbox server did not start on the base backup: ${log || run.stderrTail.slice(-2).join(' | ') || `pg_ctl exit ${run.exitCode}`}`);
}
