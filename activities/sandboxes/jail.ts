/**
 * The jail a sandbox's processes run in, so that what a hostile backup makes them do stays inside:
 * bubblewrap (Debian's `bubblewrap`) started as the sandbox account, with new user, mount, pid,
 * network, IPC and UTS namespaces. Inside, the system's programs and libraries are read-only, the
 * engine's own tools folder is read-only, the sandbox directory is the only writable place (its
 * worker-owned work dir is hidden), /tmp is empty, /proc shows the jail's processes only, and
 * there is no network at all. The project's data, the tools' caches, other sandboxes and the
 * worker's /proc are simply not there.
 *
 * Where bubblewrap is missing or namespaces are unavailable, RESTORE_DRILL_JAIL=auto (the
 * default) runs the processes unjailed as the sandbox account, with a loud warning once per
 * worker and a line in `drill engines`; `required` makes that an error instead.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../core/config.js';
import type { SandboxHandle } from '../../core/drill.js';
import { sandboxCannotRestore } from '../failures.js';
import { isExecutable } from '../executables.js';
import { handleSyscallFilter } from './seccomp.js';

const execFileAsync = promisify(execFile);
const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'];
/** What a dynamically linked program and its name lookups need of /etc, nothing more. */
const ETC_FILES = ['/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/localtime', '/etc/alternatives'];
/** Merged-/usr systems make these links into /usr; older ones have real directories. */
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

export interface JailStatus {
  jailed: boolean;
  /** "bubblewrap 0.8.0", or why there is no jail. */
  detail: string;
}

const probes = new Map<string, Promise<JailStatus>>();
let warned = false;

/** Whether this sandbox account's processes can be jailed here (probed once per account). */
export function jailStatus(account: { uid: number; gid: number }): Promise<JailStatus> {
  const key = `${account.uid}:${account.gid}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = probeJail(account);
    probes.set(key, probe);
  }
  return probe;
}

async function probeJail(account: { uid: number; gid: number }): Promise<JailStatus> {
  if (loadConfig().jail === 'off') return { jailed: false, detail: 'turned off (RESTORE_DRILL_JAIL=off)' };
  const bwrap = BWRAP_CANDIDATES.find((file) => isExecutable(file));
  if (!bwrap) return { jailed: false, detail: 'bubblewrap (bwrap) is not installed: `npm run setup` as root installs Debian\'s bubblewrap' };
  try {
    const { stdout } = await execFileAsync(bwrap, ['--version']);
    await execFileAsync(bwrap, [...baseArguments(), '--die-with-parent', '--', '/bin/sh', '-c', 'exit 0'], { uid: account.uid, gid: account.gid, env: {}, timeout: 10_000 });
    return { jailed: true, detail: stdout.trim() };
  } catch (err) {
    const message = ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').at(-1) ?? '';
    return { jailed: false, detail: `bubblewrap cannot create namespaces here (${message}): allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run the worker where they are allowed` };
  }
}

export interface JailOptions {
  /** Directories the command needs to see, read-only (its installation, an archive to read). */
  readOnly?: string[];
  /** false: the sandbox directory is not mounted, only its socket (a client that reads, as the worker). */
  writableSandbox?: boolean;
  /** A server: it must survive a worker restart, so it is not tied to the worker's life (stop it by its jail's pids). */
  outliveWorker?: boolean;
  /**
   * Runs as the worker rather than the sandbox account (a client reading backup files only the
   * worker may read). As root that means no user namespace, every capability dropped but reading
   * files: the mount view, not the account, is what confines it.
   */
  asWorker?: boolean;
  /** Where the command starts inside the jail (a mounted directory); the sandbox directory, or / without it. */
  cwd?: string;
  /**
   * No shell inside: a server that never needs one (PostgreSQL) then cannot run what a dump hides
   * from the script filter (COPY … PROGRAM in a DO block or a function, system() from C), and the
   * attempt fails with an error the restore can name.
   */
  noShell?: boolean;
}

/** The shells a program could start; links (sh → dash) are covered by what they point to. */
const SHELLS = ['/usr/bin/sh', '/usr/bin/dash', '/usr/bin/bash', '/usr/bin/rbash', '/usr/bin/zsh', '/usr/bin/ksh', '/usr/bin/mksh', '/usr/bin/busybox'];

function shellBinaries(): string[] {
  const found = new Set<string>();
  for (const shell of SHELLS) {
    try {
      const real = fs.realpathSync(shell);
      if (real.startsWith('/usr/') && fs.statSync(real).isFile()) found.add(real);
    } catch {
      // not installed
    }
  }
  return [...found];
}

export interface JailedCommand {
  command: string;
  args: string[];
  jailed: boolean;
  /** What the spawner must give the command as its file descriptor 3 (the seccomp filter bubblewrap reads). */
  fd3?: Buffer;
}

/**
 * The command and arguments that run `command` inside the sandbox's jail; `command` itself when
 * there is none (after the one warning).
 */
export async function jailed(sandbox: SandboxHandle, command: string, args: string[], options: JailOptions = {}): Promise<JailedCommand> {
  const status = await jailStatus(sandbox);
  if (!status.jailed) {
    if (loadConfig().jail === 'required') throw sandboxCannotRestore(`sandbox processes must run jailed (RESTORE_DRILL_JAIL=required), and ${status.detail}`);
    if (!warned && loadConfig().jail !== 'off') {
      warned = true;
      console.warn(`WARNING: sandboxes are NOT isolated: ${status.detail}. A hostile backup's server-side commands then run with the sandbox account's access to this host (see docs/security.md).`);
    }
    return { command, args, jailed: false };
  }
  const bwrap = BWRAP_CANDIDATES.find((file) => isExecutable(file))!;
  const mounts: string[] = [];
  const writableSandbox = options.writableSandbox ?? true;
  if (writableSandbox) {
    mounts.push('--bind', sandbox.dir, sandbox.dir);
    // The work dir holds the worker's plaintext copies and markers: not the sandbox's to see.
    mounts.push('--tmpfs', sandbox.workDir);
  }
  const asRoot = options.asWorker === true && process.getuid?.() === 0;
  // Read-only for a tool that keeps root's right to read: connecting to the socket needs no write to the mount.
  if (!writableSandbox || !sandbox.socketDir.startsWith(sandbox.dir + path.sep)) mounts.push(asRoot ? '--ro-bind' : '--bind', sandbox.socketDir, sandbox.socketDir);
  // After the sandbox: an archive in the (hidden) work dir is mounted over the tmpfs.
  for (const dir of (options.readOnly ?? []).filter((dir) => !dir.startsWith('/usr/'))) mounts.push('--ro-bind', dir, dir);
  if (options.noShell) for (const shell of shellBinaries()) mounts.push('--ro-bind', '/dev/null', shell);
  // Last, once every mount point in them exists (a socket folder under /tmp): read-only, since
  // bubblewrap mounts them without noexec, so a writable /tmp or /dev/shm would be a place to write
  // a library and load it. Servers keep temporary files in the sandbox (noexec as root), and
  // PostgreSQL's shared memory is System V, in the jail's own IPC namespace.
  mounts.push('--remount-ro', '/tmp', '--remount-ro', '/dev');
  const lifetime = options.outliveWorker ? [] : ['--die-with-parent'];
  const base = asRoot ? baseArguments(ROOT_NAMESPACES) : baseArguments();
  // Root's capability to read any file also opens files by handle, past the mount view: refused.
  // (In a user namespace, as the sandbox account, the capability counts for nothing on the host.)
  const filter = asRoot ? handleSyscallFilter() : undefined;
  if (asRoot && !filter) throw sandboxCannotRestore(`no seccomp filter for ${process.arch} here: a tool reading the backup as root cannot be confined on this processor; run the worker as a user other than root`);
  const seccomp = filter ? ['--seccomp', '3'] : [];
  return { command: bwrap, args: [...base, ...seccomp, ...lifetime, ...mounts, '--chdir', options.cwd ?? (writableSandbox ? sandbox.dir : '/'), '--', command, ...args], jailed: true, fd3: filter };
}

/**
 * The jail's own init (pid 1 of its pid namespace) as the host sees it: killing it ends every
 * process inside. Read right after the start; a server's jail outlives the worker, so both pids
 * are recorded.
 */
export async function jailInitPid(outerPid: number): Promise<number | undefined> {
  for (let i = 0; i < 100; i++) {
    let children = '';
    try {
      children = fs.readFileSync(`/proc/${outerPid}/task/${outerPid}/children`, 'utf8').trim();
    } catch {
      return undefined;
    }
    if (children) return Number(children.split(/\s+/)[0]);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return undefined;
}

/** Every namespace but the user one, for root: a user namespace would cost it the right to read the backup. */
const ROOT_NAMESPACES = ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try', '--cap-drop', 'ALL', '--cap-add', 'CAP_DAC_READ_SEARCH'];

function baseArguments(namespaces = ['--unshare-all']): string[] {
  const args = [...namespaces, '--new-session', '--ro-bind', '/usr', '/usr'];
  for (const link of ROOT_LINKS) {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(link);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(link), link);
    else if (stat.isDirectory()) args.push('--ro-bind', link, link);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  return args;
}

