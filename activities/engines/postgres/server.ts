/**
 * A throwaway PostgreSQL server inside a local sandbox: a fresh cluster, started on the sandbox's private
 * socket, stop with prejudice. Durability settings are off because the cluster lives for one drill;
 * the benchmark's hand-written baseline uses the same settings so the comparison stays fair.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../../../core/drill.js';
import { hasArgument, isAlive, signalProcess, waitUntilDead } from '../../pids.js';
import { jailedPostgresPids, launchPostgres, serverLog, stopJailedPostgres } from './launch.js';
import { makeSandboxDirectory, readSandboxText } from '../../sandboxes/sandbox-files.js';
import { sandboxCannotRestore } from '../../failures.js';
import type { PostgresBinaries } from './binaries.js';
import { createClusterFiles, discardTemplate, SANDBOX_SUPERUSER } from './cluster-template.js';

export { SANDBOX_SUPERUSER };

const START_TIMEOUT_SECONDS = 120;
const IMMEDIATE_SHUTDOWN_GRACE_MS = 10_000;

/** Server settings of a disposable restore target: fast, no TCP, no background noise. */
export const THROWAWAY_SERVER_SETTINGS: Record<string, string> = {
  listen_addresses: '',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
  autovacuum: 'off',
  maintenance_work_mem: '256MB',
};

export async function startPostgresServer(sandbox: SandboxHandle, bins: PostgresBinaries): Promise<void> {
  const asSandboxUser = { uid: sandbox.uid, gid: sandbox.gid, env: sandboxEnv(), cwd: sandbox.dir };
  try {
    await createClusterFiles(sandbox.dataDir, sandbox, bins, asSandboxUser);
  } catch (err) {
    // The sandbox account runs the server: a tools folder under a private home directory is out of its reach.
    if ((err as NodeJS.ErrnoException).code === 'EACCES' || /\bEACCES\b/.test((err as Error).message)) {
      throw sandboxCannotRestore(
        `PostgreSQL ${bins.version} in ${bins.binDir} cannot be run by the sandbox account (uid ${sandbox.uid}): a directory above it is private. ` +
          'Put the tools folder somewhere that account can read (RESTORE_DRILL_TOOLS_DIR=/opt/restore-drill/tools npm run setup), or point RESTORE_DRILL_PG_BIN at a system installation',
      );
    }
    throw err;
  }
  const settings = { ...THROWAWAY_SERVER_SETTINGS, unix_socket_directories: sandbox.socketDir };
  const launched = await launchPostgres(sandbox, bins, settings, { timeoutSeconds: START_TIMEOUT_SECONDS, env: sandboxEnv() });
  if (!launched.started) {
    await discardTemplate(bins);
    const log = (await serverLog(sandbox)).trim().split('\n').slice(-5).join(' | ');
    throw new Error(`PostgreSQL sandbox server did not start: ${log || launched.detail}`);
  }
}

/** Major version of the sandbox's cluster, from its PG_VERSION file; undefined before initdb. */
export async function clusterMajor(sandbox: SandboxHandle): Promise<number | undefined> {
  const text = await readSandboxText(path.join(sandbox.dataDir, 'PG_VERSION'), 64);
  const major = Number(text?.trim());
  return Number.isInteger(major) && major > 0 ? major : undefined;
}

/**
 * Makes the sandbox's server the major `bins` is: the server was started before the dump was read
 * (with the plan's version or the newest installed), so a dump of another major gets a fresh,
 * empty cluster of its own major. Nothing of the first cluster is kept.
 */
export async function ensureServerMajor(sandbox: SandboxHandle, bins: PostgresBinaries): Promise<void> {
  if ((await clusterMajor(sandbox)) === bins.major && (await serverPid(sandbox)) !== undefined) return;
  await stopPostgresServer(sandbox);
  await fs.rm(sandbox.dataDir, { recursive: true, force: true });
  await makeSandboxDirectory(sandbox, sandbox.dataDir);
  await startPostgresServer(sandbox, bins);
}

/**
 * Stops the server at once (its data is about to be deleted): SIGQUIT is PostgreSQL's immediate
 * shutdown, what `pg_ctl -m immediate` sends, without pg_ctl's one-second polling. SIGKILL follows
 * if it lingers, so no process outlives the sandbox.
 */
export async function stopPostgresServer(sandbox: SandboxHandle): Promise<void> {
  await stopJailedPostgres(sandbox);
  const pid = await postmasterPid(sandbox);
  if (pid === undefined) return;
  signalProcess(pid, 'SIGQUIT');
  if (!(await waitUntilDead(pid, IMMEDIATE_SHUTDOWN_GRACE_MS))) {
    signalProcess(pid, 'SIGKILL');
    await waitUntilDead(pid, 5000);
  }
}

/** The process that holds the sandbox's server: its jail, or (unjailed) the postmaster itself. */
export async function serverPid(sandbox: SandboxHandle): Promise<number | undefined> {
  return (await jailedPostgresPids(sandbox))[0] ?? (await postmasterPid(sandbox));
}

/** The unjailed postmaster (a jailed one's postmaster.pid holds a pid of the jail's own). */
export async function postmasterPid(sandbox: SandboxHandle): Promise<number | undefined> {
  try {
    // The data directory is the sandbox's: a FIFO or a link may stand in the pid file's place.
    const content = await readSandboxText(path.join(sandbox.dataDir, 'postmaster.pid'), 4096);
    const pid = Number(content.split('\n')[0]);
    // After a reboot the pid in a stale postmaster.pid may belong to anything: only a postgres
    // process serving this data directory may be signalled.
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) && hasArgument(pid, sandbox.dataDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Connection environment for client tools (pg_restore, psql) talking to the sandbox server. */
export function clientEnv(sandbox: SandboxHandle): NodeJS.ProcessEnv {
  return {
    ...sandboxEnv(),
    PGHOST: sandbox.socketDir,
    PGPORT: String(sandbox.port),
    PGUSER: SANDBOX_SUPERUSER,
    PGDATABASE: sandbox.database,
    // The dump, not the worker's environment, decides these.
    PGOPTIONS: '',
    PGAPPNAME: `restore-drill ${sandbox.drillId}`.slice(0, 63),
  };
}

/** A clean environment: no PG* variables of the worker leak into the sandbox's tools. */
function sandboxEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}
