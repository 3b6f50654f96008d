/**
 * A throwaway MongoDB-wire server in a local sandbox: FerretDB on SQLite files in the sandbox's data
 * directory (or a real mongod when one is on PATH), listening on a Unix socket in the sandbox's
 * private socket directory only, no TCP listener, no telemetry, no debug HTTP endpoint.
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { SandboxHandle } from '../../../core/drill.js';
import { hasArgument, isAlive, signalProcess, waitUntilDead } from '../../pids.js';
import { runToolOrThrow } from '../../process.js';
import { jailed, jailInitPid } from '../../sandboxes/jail.js';
import { findMongoBinaries, type MongoBinaries } from './binaries.js';
import { mongoSocket, mongoUri } from './client.js';

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

// In the worker's own work dir: the sandbox account can neither forge the pids nor plant a link for the log.
const pidFile = (sandbox: SandboxHandle) => path.join(sandbox.workDir, 'mongo-server.pid');
const serverLog = (sandbox: SandboxHandle) => path.join(sandbox.workDir, 'mongo-server.log');

/** The argument that identifies this sandbox's server process in /proc (checked before killing). */
function identifyingArgument(kind: MongoBinaries['server']['kind'], sandbox: SandboxHandle): string {
  return kind === 'ferretdb' ? `--sqlite-url=file:${sandbox.dataDir}/` : `--dbpath=${sandbox.dataDir}`;
}

function serverArgs(kind: MongoBinaries['server']['kind'], sandbox: SandboxHandle): string[] {
  if (kind === 'ferretdb') {
    return [
      '--handler=sqlite',
      identifyingArgument(kind, sandbox),
      `--listen-unix=${mongoSocket(sandbox)}`,
      // Empty turns the TCP listener and the debug/metrics HTTP listener off.
      '--listen-addr=',
      '--debug-addr=',
      '--telemetry=disable',
      `--state-dir=${sandbox.dir}`,
      '--log-level=info',
      '--log-format=text',
    ];
  }
  return [
    identifyingArgument(kind, sandbox),
    // A socket path as the only bind address: no TCP listener.
    `--bind_ip=${mongoSocket(sandbox)}`,
    '--nounixsocket',
    `--port=${sandbox.port}`,
    `--logpath=${serverLog(sandbox)}`,
    '--setParameter=diagnosticDataCollectionEnabled=false',
  ];
}

/**
 * Starts the server jailed where the host allows (../../sandboxes/jail.ts), like PostgreSQL's: it
 * outlives a worker restart, and the jail's pids (its bwrap and its init) are what stop it.
 */
export async function startMongoServer(sandbox: SandboxHandle): Promise<void> {
  const { server } = findMongoBinaries();
  const logFile = serverLog(sandbox);
  const log = await fs.open(logFile, 'a', 0o600);
  const jail = await jailed(sandbox, server.path, serverArgs(server.kind, sandbox), { readOnly: [path.dirname(realpathSync(server.path))], outliveWorker: true });
  let child;
  try {
    child = spawn(jail.command, jail.args, {
      uid: sandbox.uid,
      gid: sandbox.gid,
      cwd: sandbox.dir,
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
  } finally {
    await log.close();
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => {});
  child.unref();
  if (child.pid !== undefined) {
    const init = jail.jailed ? await jailInitPid(child.pid) : undefined;
    await fs.writeFile(pidFile(sandbox), `${[child.pid, init].filter(Boolean).join(' ')}\n${server.kind}\n`, { mode: 0o600 });
  }

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer';
  let dead = false;
  void exited.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    const client = new MongoClient(mongoUri(sandbox), { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      await openSocketToRestoreClient(sandbox);
      return;
    } catch (err) {
      lastError = (err as Error).message;
    } finally {
      await client.close().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopMongoServer(sandbox);
  const tail = (await fs.readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join(' | ');
  throw new Error(`${server.kind} sandbox server did not start${dead ? ' (it exited)' : ` within ${READY_TIMEOUT_MS / 1000}s (${lastError})`}: ${tail || 'nothing logged'}`);
}

/**
 * mongorestore reads a dump directory as the worker, which as root keeps no right but reading
 * (../../sandboxes/jail.ts), so the socket must take writers other than the sandbox account, as
 * PostgreSQL's does. Its folder is the sandbox account's alone (0700): nobody else reaches it. The
 * chmod runs as that account, so a link planted in the socket's place changes nothing of anyone else's.
 */
async function openSocketToRestoreClient(sandbox: SandboxHandle): Promise<void> {
  if (sandbox.uid === process.getuid?.()) return;
  await runToolOrThrow('chmod', ['0666', mongoSocket(sandbox)], { uid: sandbox.uid, gid: sandbox.gid, env: { PATH: process.env.PATH } });
}

/**
 * Kills the server (its data is about to be deleted) after checking each pid really is it: the
 * jail's init first, which ends everything inside, then the jail (or the unjailed server).
 */
export async function stopMongoServer(sandbox: SandboxHandle): Promise<void> {
  let pids: number[];
  let kind: MongoBinaries['server']['kind'];
  try {
    const [pidText = '', kindText] = (await fs.readFile(pidFile(sandbox), 'utf8')).split('\n');
    pids = pidText.split(/\s+/).map(Number);
    kind = kindText === 'mongod' ? 'mongod' : 'ferretdb';
  } catch {
    return;
  }
  // After a reboot a pid may belong to anything: only this sandbox's server may be signalled.
  const ours = pids.filter((pid) => Number.isInteger(pid) && pid > 0 && isAlive(pid) && hasArgument(pid, identifyingArgument(kind, sandbox))).reverse();
  for (const pid of ours) signalProcess(pid, 'SIGKILL');
  for (const pid of ours) {
    if (!(await waitUntilDead(pid, STOP_GRACE_MS))) throw new Error(`${kind} sandbox server (pid ${pid}) did not die after SIGKILL`);
  }
}
