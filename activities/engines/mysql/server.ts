/**
 * A throwaway MariaDB/MySQL server in a local sandbox: a fresh data directory, no TCP listener
 * (`--skip-networking`), a socket in the sandbox's private directory, durability off. Which build
 * runs is decided by the dump (./server-choice.ts) and recorded in the sandbox's worker-owned work
 * dir, so every later step (and a retried restore) knows which server it talks to.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../../../core/drill.js';
import { hasArgument, isAlive, signalProcess, waitUntilDead } from '../../pids.js';
import { runTool, runToolOrThrow } from '../../process.js';
import { jailed, jailInitPid } from '../../sandboxes/jail.js';
import { makeSandboxDirectory, readSandboxText } from '../../sandboxes/sandbox-files.js';
import { findMysqlBinaries } from './binaries.js';
import type { MysqlServerBuild } from './servers.js';

const READY_TIMEOUT_MS = 60_000;
const RUNNING_SERVER_FILE = 'mysql-server.json';
const JAIL_PID_FILE = 'mysql-jail.pid';

export const mysqlSocket = (sandbox: SandboxHandle) => path.join(sandbox.socketDir, 'mysql.sock');
const pidFile = (sandbox: SandboxHandle) => path.join(sandbox.dir, 'mysqld.pid');
const errorLog = (sandbox: SandboxHandle) => path.join(sandbox.dir, 'mysqld.err');

/** Client arguments every tool talking to the sandbox server shares. */
export function clientArgs(sandbox: SandboxHandle): string[] {
  return ['--no-defaults', `--socket=${mysqlSocket(sandbox)}`, '--user=root'];
}

export async function startMysqlServer(sandbox: SandboxHandle, build: MysqlServerBuild): Promise<void> {
  const bins = findMysqlBinaries();
  const asSandboxUser = { uid: sandbox.uid, gid: sandbox.gid, cwd: sandbox.dir, env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } };
  const baseDir = build.baseDir ? [`--basedir=${build.baseDir}`] : [];
  await runToolOrThrow(build.installDb, ['--no-defaults', ...baseDir, `--datadir=${sandbox.dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'], asSandboxUser);
  // File statements (LOAD_FILE, INTO OUTFILE, LOAD DATA) reach this empty folder only.
  const filesDir = path.join(sandbox.dir, 'files');
  await makeSandboxDirectory(sandbox, filesDir);
  // Temporary tables and sorts go to the sandbox (noexec as root), not the jail's read-only /tmp.
  const tmpDir = path.join(sandbox.dir, 'tmp');
  await makeSandboxDirectory(sandbox, tmpDir);
  const serverArgs = [
    '--no-defaults',
    ...baseDir,
    `--datadir=${sandbox.dataDir}`,
    `--socket=${mysqlSocket(sandbox)}`,
    '--skip-networking',
    // From 11.4 MariaDB makes itself a TLS key at every start (seconds of CPU); a socket needs none.
    // (MySQL 8.4 has no such option.)
    ...(build.flavor === 'MariaDB' ? ['--skip-ssl'] : []),
    `--pid-file=${pidFile(sandbox)}`,
    `--log-error=${errorLog(sandbox)}`,
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--skip-log-bin',
    '--max-allowed-packet=1G',
    `--secure-file-priv=${filesDir}`,
    `--tmpdir=${tmpDir}`,
    '--local-infile=0',
  ];
  const jail = await jailed(sandbox, build.server, serverArgs, { readOnly: build.baseDir ? [build.baseDir] : [], outliveWorker: true });
  const child = spawn(jail.command, jail.args, { ...asSandboxUser, detached: true, stdio: 'ignore' });
  child.unref();
  if (jail.jailed && child.pid !== undefined) {
    const init = await jailInitPid(child.pid);
    await fs.writeFile(path.join(sandbox.workDir, JAIL_PID_FILE), [child.pid, init].filter(Boolean).join(' '), { mode: 0o600 });
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ping = await runTool(bins.admin, [...clientArgs(sandbox), 'ping'], {});
    if (ping.exitCode === 0) {
      await fs.writeFile(path.join(sandbox.workDir, RUNNING_SERVER_FILE), JSON.stringify(build), { mode: 0o600 });
      return;
    }
    if (child.exitCode !== null || (child.pid !== undefined && !isAlive(child.pid))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = (await readSandboxText(errorLog(sandbox))).trim().split('\n').filter((l) => /ERROR/.test(l)).slice(-3).join(' | ');
  throw new Error(`${build.flavor} ${build.version} sandbox server did not start: ${log || 'no error logged'}`);
}

/** The build serving the sandbox now; undefined before a server started (or after it died). */
export async function runningMysqlServer(sandbox: SandboxHandle): Promise<MysqlServerBuild | undefined> {
  if ((await serverPids(sandbox)).length === 0) return undefined;
  try {
    return JSON.parse(await fs.readFile(path.join(sandbox.workDir, RUNNING_SERVER_FILE), 'utf8')) as MysqlServerBuild;
  } catch {
    return undefined;
  }
}

/**
 * Makes `build` the sandbox's server: kept when it already runs (a retried restore), else any
 * other server is stopped and a fresh, empty data directory initialised for this one.
 */
export async function ensureMysqlServer(sandbox: SandboxHandle, build: MysqlServerBuild): Promise<'kept' | 'started'> {
  if ((await runningMysqlServer(sandbox))?.server === build.server) return 'kept';
  await stopMysqlServer(sandbox);
  await fs.rm(path.join(sandbox.workDir, RUNNING_SERVER_FILE), { force: true });
  await makeSandboxDirectory(sandbox, sandbox.dataDir);
  await startMysqlServer(sandbox, build);
  return 'started';
}

/** Kills the server (its data is about to be deleted), or its jail and all inside, after checking the pid really is it. */
export async function stopMysqlServer(sandbox: SandboxHandle): Promise<void> {
  // The jail's init first: killing it ends every process inside.
  for (const pid of (await serverPids(sandbox)).reverse()) signalProcess(pid, 'SIGKILL');
  for (const pid of await serverPids(sandbox)) await waitUntilDead(pid, 10_000);
  await fs.rm(path.join(sandbox.workDir, JAIL_PID_FILE), { force: true });
}

/** Whether the sandbox's server still runs: a lost connection is its fault only if it does not. */
export async function mysqlServerAlive(sandbox: SandboxHandle): Promise<boolean> {
  return (await serverPids(sandbox)).length > 0;
}

/**
 * The jail holding the server (its bwrap and init), else the unjailed server: a jailed server's
 * own pid file holds a pid of the jail's namespace. Only processes serving this data directory count.
 */
async function serverPids(sandbox: SandboxHandle): Promise<number[]> {
  const jail = await fs.readFile(path.join(sandbox.workDir, JAIL_PID_FILE), 'utf8').catch(() => '');
  const text = jail || (await readSandboxText(pidFile(sandbox), 64));
  return text
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid) && hasArgument(pid, `--datadir=${sandbox.dataDir}`));
}
