/**
 * A throwaway MariaDB/MySQL server in a local sandbox: a fresh data directory, no TCP listener
 * (`--skip-networking`), a socket in the sandbox's private directory, durability off.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../../../core/drill.js';
import { hasArgument, isAlive, signalProcess, waitUntilDead } from '../../pids.js';
import { runTool, runToolOrThrow } from '../../process.js';
import { findMysqlBinaries } from './binaries.js';

const READY_TIMEOUT_MS = 60_000;

export const mysqlSocket = (sandbox: SandboxHandle) => path.join(sandbox.socketDir, 'mysql.sock');
const pidFile = (sandbox: SandboxHandle) => path.join(sandbox.dir, 'mysqld.pid');
const errorLog = (sandbox: SandboxHandle) => path.join(sandbox.dir, 'mysqld.err');

/** Client arguments every tool talking to the sandbox server shares. */
export function clientArgs(sandbox: SandboxHandle): string[] {
  return ['--no-defaults', `--socket=${mysqlSocket(sandbox)}`, '--user=root'];
}

export async function startMysqlServer(sandbox: SandboxHandle): Promise<void> {
  const bins = findMysqlBinaries();
  const asSandboxUser = { uid: sandbox.uid, gid: sandbox.gid, cwd: sandbox.dir, env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } };
  await runToolOrThrow(bins.installDb, ['--no-defaults', `--datadir=${sandbox.dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'], asSandboxUser);
  const child = spawn(
    bins.server,
    [
      '--no-defaults',
      `--datadir=${sandbox.dataDir}`,
      `--socket=${mysqlSocket(sandbox)}`,
      '--skip-networking',
      `--pid-file=${pidFile(sandbox)}`,
      `--log-error=${errorLog(sandbox)}`,
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
      '--skip-log-bin',
      '--max-allowed-packet=1G',
    ],
    { ...asSandboxUser, detached: true, stdio: 'ignore' },
  );
  child.unref();
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ping = await runTool(bins.admin, [...clientArgs(sandbox), 'ping'], {});
    if (ping.exitCode === 0) return;
    if (child.exitCode !== null || (child.pid !== undefined && !isAlive(child.pid))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = (await fs.readFile(errorLog(sandbox), 'utf8').catch(() => '')).trim().split('\n').filter((l) => /ERROR/.test(l)).slice(-3).join(' | ');
  throw new Error(`MariaDB sandbox server did not start: ${log || 'no error logged'}`);
}

/** Kills the server (its data is about to be deleted) after checking the pid really is it. */
export async function stopMysqlServer(sandbox: SandboxHandle): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(pidFile(sandbox), 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !hasArgument(pid, `--datadir=${sandbox.dataDir}`)) return;
  signalProcess(pid, 'SIGKILL');
  await waitUntilDead(pid, 10_000);
}
