/**
 * The `local` sandbox: a private directory on the worker host, owned by an unprivileged account,
 * in which an engine runs a throwaway server. Servers listen on a Unix socket inside that
 * directory only, so restored production data is never reachable over TCP, not even on loopback.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Engine, SandboxHandle } from '../../core/drill.js';
import type { SandboxSize } from '../../core/plan.js';
import { mountWithoutExec, unmountSandbox } from './noexec-mount.js';
import { claimSandboxLeases, holdsSandboxLeases, killSandboxAccountProcesses, recordSandboxInSlot, releaseSandboxLeases, sandboxesInSlots } from './slots.js';

export const SANDBOX_DIR_PREFIX = 'restore-drill-sandbox-';
const SANDBOX_MARKER_FILE = 'sandbox.json';
/** After this, a reaper may destroy the sandbox even if nobody said its drill ended. */
const SANDBOX_TTL_MS = 24 * 60 * 60 * 1000;
const SANDBOX_DATABASE = 'restored';
/** Unix socket paths are limited to 107 bytes (sun_path); longer sandbox paths need a short one. */
const MAX_SOCKET_PATH = 107;
const SOCKET_FILE_LENGTH = '/.s.PGSQL.65535'.length;
const SHORT_SOCKET_PREFIX = 'restore-drill-socket-';
const MARKERLESS_GRACE_MS = 10 * 60 * 1000;

export interface LocalSandboxOptions {
  /** Task queue polled only by this host's worker (see worker/worker.ts). */
  hostTaskQueue: string;
  /** Parent directory of sandboxes; the OS temp dir by default. */
  rootDir?: string;
  size?: SandboxSize;
  /** Slots this host has (RESTORE_DRILL_MAX_SANDBOXES when unset). */
  maxSandboxes?: number;
}

/** How many parallel restore jobs each size may run; `auto` takes the host's cores (at most 8). */
export function jobsForSize(size: SandboxSize): number {
  const host = Math.max(1, Math.min(os.availableParallelism(), 8));
  const cap = { auto: host, small: 1, medium: 2, large: 4 }[size];
  return Math.max(1, Math.min(cap, os.availableParallelism()));
}

/**
 * Where sandboxes live unless RESTORE_DRILL_SANDBOX_DIR says: the OS temp dir, unless that is a
 * tmpfs (restored databases would then fill memory, not disk), then /var/tmp.
 */
export async function defaultSandboxRoot(): Promise<string> {
  return (await isTmpfs(os.tmpdir())) ? '/var/tmp' : os.tmpdir();
}

const TMPFS_MAGIC = 0x01021994;

export async function isTmpfs(dir: string): Promise<boolean> {
  const stats = await fs.statfs(dir).catch(() => undefined);
  return stats?.type === TMPFS_MAGIC;
}

export async function createLocalSandbox(drillId: string, engine: Engine, options: LocalSandboxOptions): Promise<SandboxHandle> {
  const rootDir = options.rootDir ?? (await defaultSandboxRoot());
  // Named before it exists: the leases are claimed first, so no directory appears beyond the
  // limit, and the whole handle goes into the slot's claim before anything is made, so a worker
  // that dies half-way leaves a sandbox the next attempt and the reaper can find and destroy.
  const dir = path.join(rootDir, `${SANDBOX_DIR_PREFIX}${safeName(drillId)}-${randomBytes(4).toString('hex')}`);
  const nestedSocketDir = path.join(dir, 'socket');
  const socketDir = nestedSocketDir.length + SOCKET_FILE_LENGTH <= MAX_SOCKET_PATH ? nestedSocketDir : path.join(os.tmpdir(), `${SHORT_SOCKET_PREFIX}${randomBytes(6).toString('hex')}`);
  const leases = await claimSandboxLeases(rootDir, dir, options.maxSandboxes);
  const { account, slot, accountSlot } = leases;
  const handle: SandboxHandle = {
    kind: 'local',
    drillId,
    engine,
    hostTaskQueue: options.hostTaskQueue,
    dir,
    dataDir: path.join(dir, 'data'),
    socketDir,
    workDir: path.join(dir, 'work'),
    // Only names the socket file (the server has no TCP listener); random so that two sandboxes
    // never look alike in process lists.
    port: randomInt(20000, 60000),
    uid: account.uid,
    gid: account.gid,
    slot,
    accountSlot,
    database: SANDBOX_DATABASE,
    jobs: jobsForSize(options.size ?? 'auto'),
  };
  try {
    await recordSandboxInSlot(rootDir, handle);
    await fs.mkdir(dir, { mode: 0o700 });
    await mountWithoutExec(dir);
    if (!(await holdsSandboxLeases(rootDir, dir, leases))) throw new Error(`the sandbox ${dir} lost its slot while it was being made (the worker stalled): provisioning tries again`);
    if (socketDir !== nestedSocketDir) {
      await fs.mkdir(socketDir, { mode: 0o700 });
      await mountWithoutExec(socketDir);
    }
  } catch (err) {
    await unmountSandbox(dir);
    await fs.rm(dir, { recursive: true, force: true });
    if (socketDir !== nestedSocketDir) {
      await unmountSandbox(socketDir);
      await fs.rm(socketDir, { recursive: true, force: true });
    }
    await releaseSandboxLeases({ dir, slot, accountSlot });
    throw err;
  }
  try {
    await fs.chmod(dir, 0o700);
    for (const sub of [handle.dataDir, handle.socketDir]) {
      await fs.mkdir(sub, { mode: 0o700, recursive: true });
      await fs.chmod(sub, 0o700);
      await fs.chown(sub, account.uid, account.gid);
    }
    // The work dir stays the worker's: it holds plaintext copies the worker itself writes.
    await fs.mkdir(handle.workDir, { mode: 0o700 });
    const marker: SandboxMarker = { handle, createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + SANDBOX_TTL_MS).toISOString() };
    // Written then renamed: a reader never sees half a marker.
    const markerPath = path.join(dir, SANDBOX_MARKER_FILE);
    await fs.writeFile(`${markerPath}.tmp`, JSON.stringify(marker, null, 2), { mode: 0o600 });
    await fs.rename(`${markerPath}.tmp`, markerPath);
    await fs.chown(dir, account.uid, account.gid);
  } catch (err) {
    await removeLocalSandbox(handle);
    throw err;
  }
  return handle;
}

/** Removes every file of the sandbox and frees its slot; callers stop its processes first. Safe to repeat. */
export async function removeLocalSandbox(handle: SandboxHandle): Promise<void> {
  if (!path.basename(handle.dir).startsWith(SANDBOX_DIR_PREFIX)) {
    throw new Error(`refusing to delete ${handle.dir}: not a sandbox directory`);
  }
  if (!handle.socketDir.startsWith(handle.dir + path.sep)) {
    if (!path.basename(handle.socketDir).startsWith(SHORT_SOCKET_PREFIX)) throw new Error(`refusing to delete ${handle.socketDir}: not a sandbox socket directory`);
    await unmountSandbox(handle.socketDir);
    await fs.rm(handle.socketDir, { recursive: true, force: true });
  }
  // As root the account is this sandbox's alone: whatever of it still runs (a tool a jail lost
  // track of, a process a dump started unjailed) goes with it.
  await killSandboxAccountProcesses(handle);
  await unmountSandbox(handle.dir);
  await fs.rm(handle.dir, { recursive: true, force: true, maxRetries: 3 });
  // After the files: the next holder of the slot's account must find nothing of this sandbox.
  await releaseSandboxLeases(handle);
}

/** What every sandbox directory says about itself, so it can be found and destroyed by drill id. */
export interface SandboxMarker {
  handle: SandboxHandle;
  createdAt: string;
  expiresAt: string;
}

/** Every sandbox under `rootDir` with a readable marker, whatever its drill. */
export async function listLocalSandboxes(rootDir?: string): Promise<SandboxMarker[]> {
  rootDir ??= await defaultSandboxRoot();
  // The slot claims first: what runs in a sandbox can delete or forge its marker, not its claim.
  const markers: SandboxMarker[] = (await sandboxesInSlots(rootDir)).map(({ handle, claimedAt }) => ({ handle, createdAt: claimedAt, expiresAt: new Date(Date.parse(claimedAt) + SANDBOX_TTL_MS).toISOString() }));
  for (const name of await fs.readdir(rootDir)) {
    if (!name.startsWith(SANDBOX_DIR_PREFIX) || markers.some((marker) => marker.handle.dir === path.join(rootDir, name))) continue;
    const marker = await readMarker(path.join(rootDir, name));
    // Being created, or not ours to judge without a (trustworthy) marker.
    if (marker) markers.push(marker);
  }
  return markers;
}

/** Sandboxes on this host that belong to a drill (e.g. left by a provision attempt that crashed). */
export async function findLocalSandboxes(drillId: string, rootDir?: string): Promise<SandboxHandle[]> {
  rootDir ??= await defaultSandboxRoot();
  const prefix = `${SANDBOX_DIR_PREFIX}${safeName(drillId)}-`;
  // Slot claims first: they hold sandboxes whose making was cut short before their marker.
  const found: SandboxHandle[] = (await sandboxesInSlots(rootDir)).map(({ handle }) => handle).filter((handle) => handle.drillId === drillId);
  for (const name of await fs.readdir(rootDir)) {
    const dir = path.join(rootDir, name);
    if (!name.startsWith(prefix) || found.some((handle) => handle.dir === dir)) continue;
    const marker = await readMarker(dir);
    if (marker) {
      if (marker.handle.drillId === drillId) found.push(marker.handle);
    } else if (!(await fs.lstat(path.join(dir, SANDBOX_MARKER_FILE)).catch(() => undefined))) {
      // No marker: either being created right now, or a creation that crashed before writing it
      // (nothing was started in it then). Only the latter, recognisably old, is removed.
      const stat = await fs.stat(dir).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > MARKERLESS_GRACE_MS) {
        await unmountSandbox(dir);
        await fs.rm(dir, { recursive: true, force: true });
      }
    }
  }
  return found;
}

/**
 * The marker of the sandbox in `dir`, if it can be trusted. The directory belongs to the sandbox
 * account, so whatever runs in the sandbox could replace the marker with one naming another
 * server's data directory, or any path to delete. Trusted only: a regular file (not a link) owned
 * by this worker's account and writable by it alone, describing this very directory.
 */
async function readMarker(dir: string): Promise<SandboxMarker | undefined> {
  const file = path.join(dir, SANDBOX_MARKER_FILE);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.uid !== (process.getuid?.() ?? stat.uid) || (stat.mode & 0o022) !== 0 || stat.size > 64 * 1024) return undefined;
    const marker = JSON.parse(await handle.readFile('utf8')) as SandboxMarker;
    const handleOf = marker?.handle;
    const socketOk = handleOf?.socketDir === path.join(dir, 'socket') || (path.dirname(handleOf?.socketDir ?? '') === os.tmpdir() && path.basename(handleOf?.socketDir ?? '').startsWith(SHORT_SOCKET_PREFIX));
    const describesDir = handleOf?.dir === dir && handleOf.dataDir === path.join(dir, 'data') && handleOf.workDir === path.join(dir, 'work') && socketOk;
    return describesDir && typeof marker.expiresAt === 'string' ? marker : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Readable and short (socket paths are limited), yet unique: ids sharing a prefix differ by hash. */
function safeName(drillId: string): string {
  const readable = drillId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32);
  return `${readable}-${createHash('sha256').update(drillId).digest('hex').slice(0, 8)}`;
}
