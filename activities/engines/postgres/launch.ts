/**
 * Starts a sandbox's PostgreSQL server, jailed (../../sandboxes/jail.ts) where the host allows: the
 * server process itself then runs inside bubblewrap as the sandbox account, so whatever a restored
 * dump makes it do (COPY … FROM PROGRAM, a C function, pg_read_file) sees only the sandbox. A
 * jailed server is the jail's child rather than pg_ctl's, so the jail's pid (kept in the
 * worker-owned work dir) is what stops it: killing the jail kills every process inside, including
 * any a dump started. Without a jail, pg_ctl starts it as before.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../../../core/drill.js';
import { hasArgument, isAlive, signalProcess, waitUntilDead } from '../../pids.js';
import { runTool } from '../../process.js';
import { jailed } from '../../sandboxes/jail.js';
import type { PostgresBinaries } from './binaries.js';

const JAIL_PID_FILE = 'postgres-jail.pid';
const READY_POLL_MS = 50;

export interface LaunchOutcome {
  started: boolean;
  /** The tool's last words when it did not start (pg_ctl's stderr, or how the server exited). */
  detail: string;
}

/** The directory a PostgreSQL installation lives in (bin/, lib/, share/), for the jail to show. */
export function installationRoot(bins: PostgresBinaries): string {
  return path.dirname(fs.realpathSync(bins.binDir));
}

export async function launchPostgres(
  sandbox: SandboxHandle,
  bins: PostgresBinaries,
  settings: Record<string, string>,
  options: { logFile: string; timeoutSeconds: number; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<LaunchOutcome> {
  const serverArgs = ['-D', sandbox.dataDir, '-p', String(sandbox.port), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const jail = await jailed(sandbox, bins.path('postgres'), serverArgs, [installationRoot(bins)]);
  if (!jail.jailed) return launchWithPgCtl(sandbox, bins, settings, options);

  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(jail.command, jail.args, { uid: sandbox.uid, gid: sandbox.gid, cwd: sandbox.dir, env: options.env, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ? `the server was killed by ${signal}` : `the server exited with code ${code}`));
  child.on('error', (err) => (exited = `the jail could not start: ${err.message}`));
  if (child.pid !== undefined) await fsp.writeFile(path.join(sandbox.workDir, JAIL_PID_FILE), String(child.pid), { mode: 0o600 });

  const deadline = Date.now() + options.timeoutSeconds * 1000;
  while (Date.now() < deadline && !exited && !options.signal?.aborted) {
    // postmaster.pid's eighth line turns to "ready" once the server accepts connections.
    const status = (await fsp.readFile(path.join(sandbox.dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[7]?.trim();
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
  options: { logFile: string; timeoutSeconds: number; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<LaunchOutcome> {
  const quoted = (value: string) => (value === '' ? "''" : value);
  const serverOptions = [`-p ${sandbox.port}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${quoted(value)}`)].join(' ');
  const run = await runTool(bins.path('pg_ctl'), ['-D', sandbox.dataDir, '-l', options.logFile, '-w', '-t', String(options.timeoutSeconds), '-o', serverOptions, 'start'], {
    uid: sandbox.uid,
    gid: sandbox.gid,
    cwd: sandbox.dir,
    env: options.env,
    signal: options.signal,
  });
  return { started: run.exitCode === 0, detail: run.stderrTail.slice(-2).join(' | ') || `pg_ctl exit ${run.exitCode}` };
}

/** The jail holding the sandbox's server, when it runs in one. */
export async function jailedPostgresPid(sandbox: SandboxHandle): Promise<number | undefined> {
  const pid = Number((await fsp.readFile(path.join(sandbox.workDir, JAIL_PID_FILE), 'utf8').catch(() => '')).trim());
  // After a reboot the pid may belong to anything: only the jail serving this data directory counts.
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) && hasArgument(pid, sandbox.dataDir) ? pid : undefined;
}

/** Kills the jail and with it every process inside (the server, anything a dump spawned). */
export async function stopJailedPostgres(sandbox: SandboxHandle): Promise<void> {
  const pid = await jailedPostgresPid(sandbox);
  if (pid !== undefined) {
    signalProcess(pid, 'SIGKILL');
    await waitUntilDead(pid, 10_000);
  }
  await fsp.rm(path.join(sandbox.workDir, JAIL_PID_FILE), { force: true });
}
