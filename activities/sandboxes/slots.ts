/**
 * Sandbox slots and account leases. A sandbox outlives every single activity (provision → restore
 * → inspect → teardown), which Temporal's per-activity slots cannot count, so a sandbox holds two
 * leases from provision to teardown, each a claim file naming its directory:
 *
 * - a slot of its sandbox root: at most RESTORE_DRILL_MAX_SANDBOXES sandboxes live there at once
 *   (`<root>/.restore-drill-slots/<n>`);
 * - as root, a sandbox account of the host (`/run/restore-drill-accounts/<n>` → `rd-sandbox-<n>`,
 *   accounts.ts), so two sandboxes alive at the same time never share an account, whichever
 *   worker or root they belong to.
 *
 * A claim is created just before its directory and removed after it, so a claim whose directory
 * is gone and which is over a minute old (a crash, a removed folder) is free to take again.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../core/config.js';
import type { SandboxHandle } from '../../core/drill.js';
import { NO_SANDBOX_SLOT } from '../../core/failures.js';
import { runsAsRoot, sandboxSlotAccount, workerAccount, type SandboxAccount } from './accounts.js';

const execFileAsync = promisify(execFile);
const SLOTS_FOLDER = '.restore-drill-slots';
const ACCOUNT_CLAIMS_DIR = '/run/restore-drill-accounts';
/** The most sandbox accounts a host hands out, whatever the sandbox roots' limits add up to. */
const MAX_ACCOUNTS = 64;
/** A claim is written an instant before its directory is made: only an older one can be abandoned. */
const CLAIM_GRACE_MS = 60_000;
const LOCK_FILE = '.lock';
const TEMPORARY_PREFIX = '.writing-';
/** Claims take milliseconds under the lock: one older than this was left by a process that died. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 30_000;

export interface SandboxLeases {
  slot: number;
  /** The host's account lease, as root; undefined when the sandbox runs as the worker's account. */
  accountSlot: number | undefined;
  account: SandboxAccount;
}

/** Claims a slot of `rootDir` (and, as root, an account) for the sandbox in `sandboxDir`; NO_SANDBOX_SLOT when none is free. */
export async function claimSandboxLeases(rootDir: string, sandboxDir: string, maxSandboxes = loadConfig().maxSandboxes): Promise<SandboxLeases> {
  const slots = new ClaimFolder(path.join(rootDir, SLOTS_FOLDER));
  const slot = await slots.claim(maxSandboxes, sandboxDir);
  if (slot === undefined) throw noSandboxSlot(`all ${maxSandboxes} sandbox slots under ${rootDir} are in use (RESTORE_DRILL_MAX_SANDBOXES=${maxSandboxes})`);
  if (!runsAsRoot()) return { slot, accountSlot: undefined, account: workerAccount() };
  try {
    const accounts = new ClaimFolder(ACCOUNT_CLAIMS_DIR);
    const accountSlot = await accounts.claim(MAX_ACCOUNTS, sandboxDir);
    if (accountSlot === undefined) throw noSandboxSlot(`all ${MAX_ACCOUNTS} sandbox accounts of this host are in use`);
    try {
      const account = await sandboxSlotAccount(accountSlot);
      await killProcessesOf(account);
      return { slot, accountSlot, account };
    } catch (err) {
      await accounts.release(accountSlot, sandboxDir);
      throw err;
    }
  } catch (err) {
    await slots.release(slot, sandboxDir);
    throw err;
  }
}

/**
 * Whether the sandbox still holds the leases claimed for it: a claimer stalled for over a minute
 * between claiming and making its directory may have had them taken back as abandoned.
 */
export async function holdsSandboxLeases(rootDir: string, sandboxDir: string, leases: SandboxLeases): Promise<boolean> {
  if (!(await new ClaimFolder(path.join(rootDir, SLOTS_FOLDER)).holds(leases.slot, sandboxDir))) return false;
  return leases.accountSlot === undefined || new ClaimFolder(ACCOUNT_CLAIMS_DIR).holds(leases.accountSlot, sandboxDir);
}

/**
 * Nothing of an account's previous sandbox may survive into the next (unjailed, a process a dump
 * started can outlive its server): every process of the account is killed before it is handed out.
 * `kill -KILL -1` run as the account reaches exactly its own processes (itself included).
 */
async function killProcessesOf(account: Pick<SandboxAccount, 'uid' | 'gid'>): Promise<void> {
  await execFileAsync('kill', ['-KILL', '-1'], { uid: account.uid, gid: account.gid }).catch(() => {});
}

/**
 * Kills whatever still runs as the sandbox's account, if the sandbox still holds that account's
 * lease (a repeated teardown must not reach the account's next sandbox).
 */
export async function killSandboxAccountProcesses(handle: SandboxHandle): Promise<void> {
  if (handle.accountSlot === undefined || handle.uid === 0) return;
  if (await new ClaimFolder(ACCOUNT_CLAIMS_DIR).holds(handle.accountSlot, handle.dir)) await killProcessesOf(handle);
}

/** Gives the sandbox's leases back; called after its directory is removed. Safe to repeat. */
export async function releaseSandboxLeases(handle: Pick<SandboxHandle, 'dir' | 'slot' | 'accountSlot'>): Promise<void> {
  if (handle.accountSlot !== undefined) await new ClaimFolder(ACCOUNT_CLAIMS_DIR).release(handle.accountSlot, handle.dir);
  if (handle.slot !== undefined) await new ClaimFolder(path.join(path.dirname(handle.dir), SLOTS_FOLDER)).release(handle.slot, handle.dir);
}

/**
 * Writes the sandbox's handle into its slot claim, before any of the sandbox is made. The claim
 * lives in a folder only the worker's account can write, unlike the sandbox directory, whose
 * marker what runs inside could delete.
 */
export async function recordSandboxInSlot(rootDir: string, handle: SandboxHandle): Promise<void> {
  if (handle.slot !== undefined) await new ClaimFolder(path.join(rootDir, SLOTS_FOLDER)).attach(handle.slot, handle);
}

/** The sandboxes recorded in the slot claims of `rootDir`, with when they were claimed. */
export async function sandboxesInSlots(rootDir: string): Promise<Array<{ handle: SandboxHandle; claimedAt: string }>> {
  const claims = await new ClaimFolder(path.join(rootDir, SLOTS_FOLDER)).claims();
  return claims.flatMap(({ n, claim }) => (claim.handle && claim.handle.dir === claim.dir && claim.handle.slot === n ? [{ handle: claim.handle, claimedAt: claim.claimedAt }] : []));
}

/** The sandboxes holding a slot of `rootDir` right now, by slot. */
export function claimedSlots(rootDir: string): Promise<Map<number, string>> {
  return new ClaimFolder(path.join(rootDir, SLOTS_FOLDER)).claimed();
}

export function noSandboxSlot(message: string): ApplicationFailure {
  // Not retried by Temporal: the workflow waits for a slot itself (workflows/sandbox-queue.ts).
  return ApplicationFailure.create({ type: NO_SANDBOX_SLOT, message, nonRetryable: true });
}

interface Claim {
  dir: string;
  pid: number;
  claimedAt: string;
  /** The sandbox, once made: what the reaper trusts when the sandbox's own marker is gone or forged. */
  handle?: SandboxHandle;
}

/**
 * Numbered claim files, each naming the directory that holds it. Claiming, taking back an
 * abandoned claim and releasing happen under the folder's lock: two processes judging the same
 * claim abandoned at once would otherwise both take it.
 */
class ClaimFolder {
  constructor(private readonly dir: string) {}

  /** The lowest free number from 1 to `max`, now claimed for `holder`; undefined when all are taken. */
  async claim(max: number, holder: string): Promise<number | undefined> {
    await this.ensureTrusted();
    return this.locked(async () => {
      for (let n = 1; n <= max; n++) {
        const file = path.join(this.dir, String(n));
        if (await tryClaim(file, holder)) return n;
        if (await isAbandoned(file)) {
          await fs.rm(file, { force: true });
          if (await tryClaim(file, holder)) return n;
        }
      }
      return undefined;
    });
  }

  async holds(n: number, holder: string): Promise<boolean> {
    return (await readClaim(path.join(this.dir, String(n))))?.dir === holder;
  }

  async release(n: number, holder: string): Promise<void> {
    if (!(await fs.lstat(this.dir).catch(() => undefined))) return;
    await this.locked(async () => {
      const file = path.join(this.dir, String(n));
      if ((await readClaim(file))?.dir === holder) await fs.rm(file, { force: true });
    });
  }

  /** Every readable claim, by number. */
  async claims(): Promise<Array<{ n: number; claim: Claim }>> {
    const found: Array<{ n: number; claim: Claim }> = [];
    for (const name of await fs.readdir(this.dir).catch(() => [] as string[])) {
      if (!/^\d+$/.test(name)) continue;
      const claim = await readClaim(path.join(this.dir, name));
      if (claim) found.push({ n: Number(name), claim });
    }
    return found;
  }

  async claimed(): Promise<Map<number, string>> {
    const claimed = new Map<number, string>();
    for (const { n, claim } of await this.claims()) if (!(await claimIsAbandoned(claim))) claimed.set(n, claim.dir);
    return claimed;
  }

  /** Adds the sandbox's handle to the claim it holds (replaced whole: a reader never sees half of it). */
  async attach(n: number, handle: SandboxHandle): Promise<void> {
    const file = path.join(this.dir, String(n));
    const claim = await readClaim(file);
    if (claim?.dir !== handle.dir) return;
    const temporary = path.join(this.dir, `${TEMPORARY_PREFIX}${randomBytes(4).toString('hex')}`);
    await fs.writeFile(temporary, JSON.stringify({ ...claim, handle } satisfies Claim), { mode: 0o600 });
    await fs.rename(temporary, file);
  }

  /** An exclusive lock file; one left by a process that died holding it is broken after a while. */
  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const lock = path.join(this.dir, LOCK_FILE);
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await (await fs.open(lock, 'wx', 0o600)).close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const stat = await fs.stat(lock).catch(() => undefined);
        if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) await fs.rm(lock, { force: true });
        else if (Date.now() > deadline) throw new Error(`${lock} stayed locked for ${LOCK_WAIT_MS / 1000} s`);
        else await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
    }
    try {
      return await work();
    } finally {
      await fs.rm(lock, { force: true });
    }
  }

  /** Shared with every process of this account (or root): never a link, never someone else's. */
  private async ensureTrusted(): Promise<void> {
    await fs.mkdir(this.dir, { mode: 0o700, recursive: true });
    const stat = await fs.lstat(this.dir);
    if (!stat.isDirectory() || stat.uid !== (process.getuid?.() ?? stat.uid) || (stat.mode & 0o077) !== 0) {
      throw new Error(`${this.dir} is not a private directory of this account: remove it so sandbox slots can be claimed there`);
    }
  }
}

async function tryClaim(file: string, holder: string): Promise<boolean> {
  const claim: Claim = { dir: holder, pid: process.pid, claimedAt: new Date().toISOString() };
  try {
    await fs.writeFile(file, JSON.stringify(claim), { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

async function readClaim(file: string): Promise<Claim | undefined> {
  try {
    const claim = JSON.parse(await fs.readFile(file, 'utf8')) as Claim;
    return typeof claim?.dir === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}

async function isAbandoned(file: string): Promise<boolean> {
  const claim = await readClaim(file);
  if (claim) return claimIsAbandoned(claim);
  const stat = await fs.stat(file).catch(() => undefined);
  return stat !== undefined && Date.now() - stat.mtimeMs > CLAIM_GRACE_MS;
}

async function claimIsAbandoned(claim: Claim): Promise<boolean> {
  // Claimed just before its directory is made: young claims are never abandoned.
  return Date.now() - Date.parse(claim.claimedAt) > CLAIM_GRACE_MS && (await fs.lstat(claim.dir).catch(() => undefined)) === undefined;
}
