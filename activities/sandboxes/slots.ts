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
 * A claim is created just before its directory and removed before it, so a claim whose directory
 * has been gone for a minute (a crash, a removed folder) is free to take again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../core/config.js';
import type { SandboxHandle } from '../../core/drill.js';
import { NO_SANDBOX_SLOT } from '../../core/failures.js';
import { runsAsRoot, sandboxSlotAccount, workerAccount, type SandboxAccount } from './accounts.js';

const SLOTS_FOLDER = '.restore-drill-slots';
const ACCOUNT_CLAIMS_DIR = '/run/restore-drill-accounts';
/** The most sandbox accounts a host hands out, whatever the sandbox roots' limits add up to. */
const MAX_ACCOUNTS = 64;
/** A claim is written an instant before its directory is made: only an older one can be abandoned. */
const CLAIM_GRACE_MS = 60_000;

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
      return { slot, accountSlot, account: await sandboxSlotAccount(accountSlot) };
    } catch (err) {
      await accounts.release(accountSlot, sandboxDir);
      throw err;
    }
  } catch (err) {
    await slots.release(slot, sandboxDir);
    throw err;
  }
}

/** Gives the sandbox's leases back; called before its directory is removed. Safe to repeat. */
export async function releaseSandboxLeases(handle: Pick<SandboxHandle, 'dir' | 'slot' | 'accountSlot'>): Promise<void> {
  if (handle.accountSlot !== undefined) await new ClaimFolder(ACCOUNT_CLAIMS_DIR).release(handle.accountSlot, handle.dir);
  if (handle.slot !== undefined) await new ClaimFolder(path.join(path.dirname(handle.dir), SLOTS_FOLDER)).release(handle.slot, handle.dir);
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
}

/** Numbered claim files, each naming the directory that holds it. */
class ClaimFolder {
  constructor(private readonly dir: string) {}

  /** The lowest free number from 1 to `max`, now claimed for `holder`; undefined when all are taken. */
  async claim(max: number, holder: string): Promise<number | undefined> {
    await this.ensureTrusted();
    for (let n = 1; n <= max; n++) {
      const file = path.join(this.dir, String(n));
      if (await tryClaim(file, holder)) return n;
      if (await isAbandoned(file)) {
        await fs.rm(file, { force: true });
        if (await tryClaim(file, holder)) return n;
      }
    }
    return undefined;
  }

  async release(n: number, holder: string): Promise<void> {
    const file = path.join(this.dir, String(n));
    if ((await readClaim(file))?.dir === holder) await fs.rm(file, { force: true });
  }

  async claimed(): Promise<Map<number, string>> {
    const claimed = new Map<number, string>();
    for (const name of await fs.readdir(this.dir).catch(() => [] as string[])) {
      const file = path.join(this.dir, name);
      const claim = await readClaim(file);
      if (claim && !(await isAbandoned(file))) claimed.set(Number(name), claim.dir);
    }
    return claimed;
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
  if (!claim) {
    const stat = await fs.stat(file).catch(() => undefined);
    return stat !== undefined && Date.now() - stat.mtimeMs > CLAIM_GRACE_MS;
  }
  // Claimed just before its directory is made: young claims are never abandoned.
  return Date.now() - Date.parse(claim.claimedAt) > CLAIM_GRACE_MS && (await fs.lstat(claim.dir).catch(() => undefined)) === undefined;
}
