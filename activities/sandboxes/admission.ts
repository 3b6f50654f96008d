/**
 * Whether this host can take one more sandbox now: disk under the sandbox root for at least the
 * backup itself (restored data is rarely smaller than a plain dump, and a compressed one grows), and
 * memory for a server. Short while other sandboxes run: the drill waits for them (NoSandboxSlot).
 * Short with none running: waiting cannot help, and the drill ends as `error` saying what to give it.
 * A restore that still outgrows the disk is caught as a sandbox fault (engines' SANDBOX_FAULT).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { formatBytes } from '../../core/duration.js';
import { sandboxCannotRestore } from '../failures.js';
import { claimedSlots, noSandboxSlot } from './slots.js';

/** Room for the server's own files (an empty cluster, WAL) and the tools' scratch. */
const DISK_RESERVE_BYTES = 64 * 1024 * 1024;
/** What a throwaway server with the sandbox settings needs to start and restore. */
const MEMORY_PER_SANDBOX_BYTES = 256 * 1024 * 1024;

export async function admitSandbox(rootDir: string, backupBytes: number): Promise<void> {
  const others = (await claimedSlots(rootDir)).size;
  const stats = await fs.statfs(rootDir);
  const freeDisk = stats.bavail * stats.bsize;
  const neededDisk = backupBytes + DISK_RESERVE_BYTES;
  if (freeDisk < neededDisk) {
    const shortage = `${formatBytes(freeDisk)} free under ${rootDir}, about ${formatBytes(neededDisk)} needed (the backup's size and a reserve)`;
    if (others > 0) throw noSandboxSlot(`waiting for disk: ${shortage}, while ${others} other sandbox(es) run`);
    throw sandboxCannotRestore(`not enough disk for this sandbox: ${shortage}. Free space there or point RESTORE_DRILL_SANDBOX_DIR at a larger disk`);
  }
  const freeMemory = os.freemem();
  if (freeMemory < MEMORY_PER_SANDBOX_BYTES) {
    const shortage = `${formatBytes(freeMemory)} of memory available, ${formatBytes(MEMORY_PER_SANDBOX_BYTES)} needed for a sandbox server`;
    if (others > 0) throw noSandboxSlot(`waiting for memory: ${shortage}, while ${others} other sandbox(es) run`);
    throw sandboxCannotRestore(`not enough memory for a sandbox: ${shortage}`);
  }
}

/**
 * Whether the sandbox's file system is (nearly) full now: the evidence a disk-full message needs
 * before it counts as the sandbox's fault, since a dump can print those words itself. A failed
 * MariaDB or FerretDB restore keeps what it wrote, so a real full disk stays full.
 */
export async function diskNearlyFull(dir: string): Promise<boolean> {
  const stats = await fs.statfs(dir);
  const free = stats.bavail * stats.bsize;
  return free < DISK_RESERVE_BYTES || free < (stats.blocks * stats.bsize) / 100;
}

/** Whether the host has less memory left than a sandbox server needs: the evidence an out-of-memory message needs. */
export function memoryNearlyExhausted(): boolean {
  return os.freemem() < MEMORY_PER_SANDBOX_BYTES;
}
