/**
 * As root, a sandbox directory is a mount of its own with noexec, nosuid and nodev: a dump that
 * writes a shared library or a program into its sandbox (PostgreSQL's lo_export, then LOAD or a
 * C function) cannot map or run it, with or without the jail (a jail's bind of it keeps the flags,
 * which a user namespace cannot clear). Without root the directory is an ordinary one.
 */
import fs from 'node:fs/promises';
import { runTool, runToolOrThrow } from '../process.js';
import { runsAsRoot } from './accounts.js';

export async function mountWithoutExec(dir: string): Promise<void> {
  if (!runsAsRoot()) return;
  await runToolOrThrow('mount', ['--bind', dir, dir]);
  await runToolOrThrow('mount', ['-o', 'remount,bind,noexec,nosuid,nodev', dir]);
}

/** Lazily, so a process still holding a file there cannot keep the teardown from finishing. Safe to repeat. */
export async function unmountSandbox(dir: string): Promise<void> {
  if (!runsAsRoot()) return;
  // Not mounted (already done, or made before this existed) is fine; only a mount of this very path is undone.
  for (let i = 0; i < 4 && (await isMountPoint(dir)); i++) await runTool('umount', ['-l', dir]);
}

async function isMountPoint(dir: string): Promise<boolean> {
  const run = await runTool('mountpoint', ['-q', dir]);
  return run.exitCode === 0;
}

/** Every sandbox mount under `root` (deepest first), undone: for whoever deletes a whole sandbox root. */
export async function unmountSandboxesUnder(root: string): Promise<void> {
  if (!runsAsRoot()) return;
  const mounts = (await fs.readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    // Field 5 is the mount point, with spaces and the like escaped in octal.
    .map((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))))
    .filter((point): point is string => point !== undefined && point.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) await runTool('umount', ['-l', point]);
}
