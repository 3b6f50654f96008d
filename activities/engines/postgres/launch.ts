/**
 * Starts a sandbox's PostgreSQL server, jailed (../../sandboxes/jail.ts) where the host allows: the
 * server process itself then runs inside bubblewrap as the sandbox account, so whatever a restored
 * dump makes it do (COPY … FROM PROGRAM, a C function, pg_read_file) sees only the sandbox. A
 * jailed server is the jail's child rather than pg_ctl's, and outlives a worker restart; the
 * jail's pids (kept in the worker-owned work dir) are what stop it: killing the jail's init ends
 * every process inside, including any a dump started. Its log goes to the work dir through a
 * descriptor, out of the sandbox's reach. Without a jail, pg_ctl starts it as before.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../../../core/drill.js';
import { hasArgument, isAlive, signalProcess, waitUntilDead } from '../../pids.js';
import { runTool } from '../../process.js';
import { jailed, jailInitPid } from '../../sandboxes/jail.js';
import { readSandboxText, writeSandboxFile } from '../../sandboxes/sandbox-files.js';
import type { PostgresBinaries } from './binaries.js';

const JAIL_PID_FILE = 'postgres-jail.pid';
const JAILED_LOG_FILE = 'server.log';
const READY_POLL_MS = 50;

export interface LaunchOutcome {
  started: boolean;
  /** The server log's last lines (or how it exited) when it did not start. */
  detail: string;
}

/** The directory a PostgreSQL installation lives in (bin/, lib/, share/), for the jail to show. */
export function installationRoot(bins: PostgresBinaries): string {
  return path.dirname(fs.realpathSync(bins.binDir));
}

/** The server's log, wherever this sandbox's server writes it. */
export async function serverLog(sandbox: SandboxHandle): Promise<string> {
  const jailedLog = path.join(sandbox.workDir, JAILED_LOG_FILE);
  return fs.existsSync(jailedLog) ? fsp.readFile(jailedLog, 'utf8').then((text) => text.slice(-64 * 1024)) : readSandboxText(path.join(sandbox.dir, 'server.log'));
}

export async function launchPostgres(
  sandbox: SandboxHandle,
  bins: PostgresBinaries,
  settings: Record<string, string>,
  options: { timeoutSeconds: number; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<LaunchOutcome> {
  // Shared memory as System V segments, in the jail's own IPC namespace, whatever a base backup's
  // own configuration says: POSIX segments are files in /dev/shm, which the jail mounts read-only.
  // The log names each error's SQLSTATE and source location: how a fault is told from a dump
  // that only says the words (./fault-evidence.ts).
  const jailSettings = { ...settings, dynamic_shared_memory_type: 'sysv', log_error_verbosity: 'verbose' };
  const serverArgs = ['-D', sandbox.dataDir, '-p', String(sandbox.port), ...Object.entries(jailSettings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const jail = await jailed(sandbox, bins.path('postgres'), serverArgs, { readOnly: [installationRoot(bins)], outliveWorker: true, noShell: true });
  if (!jail.jailed) return launchWithPgCtl(sandbox, bins, jailSettings, options);

  const log = fs.openSync(path.join(sandbox.workDir, JAILED_LOG_FILE), 'w', 0o600);
  const child = spawn(jail.command, jail.args, { uid: sandbox.uid, gid: sandbox.gid, cwd: sandbox.dir, env: options.env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ? `the server was killed by ${signal}` : `the server exited with code ${code}`));
  child.on('error', (err) => (exited = `the jail could not start: ${err.message}`));
  if (child.pid !== undefined) {
    const init = await jailInitPid(child.pid);
    await fsp.writeFile(path.join(sandbox.workDir, JAIL_PID_FILE), [child.pid, init].filter(Boolean).join(' '), { mode: 0o600 });
  }

  const deadline = Date.now() + options.timeoutSeconds * 1000;
  while (Date.now() < deadline && !exited && !options.signal?.aborted) {
    // postmaster.pid's eighth line turns to "ready" once the server accepts connections.
    const status = (await readSandboxText(path.join(sandbox.dataDir, 'postmaster.pid'), 4096)).split('\n')[7]?.trim();
    if (status === 'ready') return { started: true, detail: 'ready' };
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  await stopJailedPostgres(sandbox);
  return { started: false, detail: exited ?? (options.signal?.aborted ? 'cancelled' : `not ready after ${options.timeoutSeconds} s`) };
}

async function launchWithPgCtl(
  sandbox: SandboxHandle,
  bins: PostgresBinaries,
  settings: Record<string, string>,
  options: { timeoutSeconds: number; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<LaunchOutcome> {
  // pg_ctl writes the log as the sandbox account: made afresh here, never through a planted link.
  const logFile = path.join(sandbox.dir, 'server.log');
  await writeSandboxFile(sandbox, logFile);
  const quoted = (value: string) => (value === '' ? "''" : value);
  const serverOptions = [`-p ${sandbox.port}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${quoted(value)}`)].join(' ');
  const run = await runTool(bins.path('pg_ctl'), ['-D', sandbox.dataDir, '-l', logFile, '-w', '-t', String(options.timeoutSeconds), '-o', serverOptions, 'start'], {
    uid: sandbox.uid,
    gid: sandbox.gid,
    cwd: sandbox.dir,
    env: options.env,
    signal: options.signal,
  });
  return { started: run.exitCode === 0, detail: run.stderrTail.slice(-2).join(' | ') || `pg_ctl exit ${run.exitCode}` };
}

/** The jail's processes (its bwrap and its init) holding the sandbox's server, when it runs in one. */
export async function jailedPostgresPids(sandbox: SandboxHandle): Promise<number[]> {
  const text = await fsp.readFile(path.join(sandbox.workDir, JAIL_PID_FILE), 'utf8').catch(() => '');
  // After a reboot a pid may belong to anything: only the jail serving this data directory counts.
  return text
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid) && hasArgument(pid, sandbox.dataDir));
}

/** Kills the jail's init, which ends every process inside (the server, anything a dump spawned), and the jail. */
export async function stopJailedPostgres(sandbox: SandboxHandle): Promise<void> {
  for (const pid of (await jailedPostgresPids(sandbox)).reverse()) signalProcess(pid, 'SIGKILL');
  for (const pid of await jailedPostgresPids(sandbox)) await waitUntilDead(pid, 10_000);
  await fsp.rm(path.join(sandbox.workDir, JAIL_PID_FILE), { force: true });
}
