/**
 * The OS accounts sandboxes and the embedded history database run as. A worker running as root
 * gives every sandbox slot an account of its own (`rd-sandbox-1` … `rd-sandbox-N`) and the history
 * database another (`rd-history`), so that what one restore's server does, even outside its jail,
 * can touch neither another drill's sandbox nor the recorded verdicts. They are system accounts
 * without a home or a login shell, created by `npm run setup` and, if missing, on first need.
 *
 * A worker that is not root cannot switch accounts: everything runs as the worker's own account,
 * and the jail (jail.ts) is then the only wall between a sandbox and the worker's files.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const SANDBOX_ACCOUNT_PREFIX = 'rd-sandbox-';
export const HISTORY_ACCOUNT_NAME = 'rd-history';
export const TEMPLATE_ACCOUNT_NAME = 'rd-template';
/** useradd's "username already in use" and "cannot lock /etc/passwd": another process is creating it. */
const USERADD_EXISTS = 9;
const USERADD_LOCKED = 10;

export interface SandboxAccount {
  uid: number;
  gid: number;
  name: string;
}

export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

export function workerAccount(): SandboxAccount {
  const uid = process.getuid?.() ?? 0;
  return { uid, gid: process.getgid?.() ?? uid, name: os.userInfo().username };
}

/** The account of sandbox slot `slot` (1-based): its own as root, the worker's otherwise. */
export async function sandboxSlotAccount(slot: number): Promise<SandboxAccount> {
  if (!runsAsRoot()) return workerAccount();
  return ensureSystemAccount(`${SANDBOX_ACCOUNT_PREFIX}${slot}`, `Restore Drill sandbox slot ${slot}`);
}

/** The account the embedded history database runs as. */
export async function historyAccount(): Promise<SandboxAccount> {
  if (!runsAsRoot()) return workerAccount();
  return ensureSystemAccount(HISTORY_ACCOUNT_NAME, 'Restore Drill history database');
}

/** The account initdb makes the pristine cluster template as (PostgreSQL refuses root): none of the sandboxes'. */
export async function templateAccount(): Promise<SandboxAccount> {
  if (!runsAsRoot()) return workerAccount();
  return ensureSystemAccount(TEMPLATE_ACCOUNT_NAME, 'Restore Drill cluster templates');
}

/** Creates the history and template accounts and the first `slots` sandbox accounts that are missing; what setup runs. */
export async function ensureAccounts(slots: number): Promise<SandboxAccount[]> {
  const accounts = [await historyAccount(), await templateAccount()];
  for (let slot = 1; slot <= slots; slot++) accounts.push(await sandboxSlotAccount(slot));
  return accounts;
}

export async function lookupAccount(name: string): Promise<SandboxAccount | undefined> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid), name };
}

async function ensureSystemAccount(name: string, comment: string): Promise<SandboxAccount> {
  const existing = await lookupAccount(name);
  if (existing) return existing;
  try {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--comment', comment, name]);
  } catch (err) {
    const failure = err as { code?: number | string; stderr?: string; message: string };
    if (failure.code === USERADD_LOCKED) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return ensureSystemAccount(name, comment);
    }
    if (failure.code !== USERADD_EXISTS) {
      const reason = failure.code === 'ENOENT' ? 'useradd is not installed (Debian: passwd)' : (failure.stderr || failure.message).trim();
      throw new Error(`could not create the system account "${name}" sandboxes run as when the worker is root: ${reason}`);
    }
  }
  const created = await lookupAccount(name);
  if (!created) throw new Error(`useradd reported success but "${name}" is not in /etc/passwd`);
  return created;
}
