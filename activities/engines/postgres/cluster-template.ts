/**
 * Creates the files of a new, empty cluster. initdb takes about a second on every drill, most of
 * it creating a thousand small files; copying a pristine cluster that initdb made once (per server
 * version) does the same in a fraction of that.
 *
 * The template belongs to the worker's account, not to any sandbox's: a worker running as root
 * has initdb make it as a sandbox account (PostgreSQL refuses root), then takes it over, so no
 * sandbox can change what the next drill's cluster starts from.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runToolOrThrow, type ToolOptions } from '../../process.js';
import type { PostgresBinaries } from './binaries.js';

export const SANDBOX_SUPERUSER = 'postgres';
const INITDB_OPTIONS = ['-U', SANDBOX_SUPERUSER, '-A', 'trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'];
const TEMPLATE_PREFIX = 'restore-drill-pg-template-';

export interface ClusterOwner {
  uid: number;
  gid: number;
}

/** Fills the empty `dataDir` with a new cluster owned by `owner`. */
export async function createClusterFiles(dataDir: string, owner: ClusterOwner, bins: PostgresBinaries, run: ToolOptions): Promise<void> {
  const template = await ensureTemplate(owner, bins, run);
  // cp -a keeps the 0700 modes PostgreSQL insists on; the copy then becomes the sandbox's.
  if (workerUid() === owner.uid) {
    await runToolOrThrow('cp', ['-a', `${template}/.`, dataDir], run);
  } else {
    await runToolOrThrow('cp', ['-a', `${template}/.`, dataDir], { ...run, uid: undefined, gid: undefined });
    await runToolOrThrow('chown', ['-R', `${owner.uid}:${owner.gid}`, dataDir], { ...run, uid: undefined, gid: undefined });
  }
}

/** Forgets the template, e.g. after a server copied from it failed to start. */
export async function discardTemplate(bins: PostgresBinaries): Promise<void> {
  await fs.rm(templatePath(bins), { recursive: true, force: true });
}

async function ensureTemplate(owner: ClusterOwner, bins: PostgresBinaries, run: ToolOptions): Promise<string> {
  const template = templatePath(bins);
  const dataDir = path.join(template, 'data');
  if (await isTrustworthy(template)) {
    try {
      await fs.access(path.join(dataDir, 'PG_VERSION'));
      return dataDir;
    } catch {
      // Half-deleted (e.g. by a temp cleaner): build it again below.
    }
  }
  await fs.rm(template, { recursive: true, force: true });
  const staging = await fs.mkdtemp(`${template}.staging-`);
  await fs.chmod(staging, 0o700);
  await fs.chown(staging, owner.uid, owner.gid);
  try {
    await runToolOrThrow(bins.path('initdb'), ['-D', path.join(staging, 'data'), ...INITDB_OPTIONS], run);
    if (workerUid() !== owner.uid) {
      await runToolOrThrow('chown', ['-R', `${workerUid()}:${process.getgid?.() ?? 0}`, staging], { ...run, uid: undefined, gid: undefined });
    }
    await fs.rename(staging, template);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    // Another provisioning made the template at the same moment: use theirs.
    if (!(await isTrustworthy(template))) throw err;
  }
  return dataDir;
}

/** The temp dir is shared: only a directory the worker's account owns, private, and not a link will do. */
async function isTrustworthy(template: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(template);
    return stat.isDirectory() && stat.uid === workerUid() && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function workerUid(): number {
  return process.getuid?.() ?? 0;
}

/** Where the template of `bins`'s version lives (the shared temp dir, keyed by version and worker account). */
export function templatePath(bins: PostgresBinaries): string {
  const key = createHash('sha256').update([bins.binDir, bins.version, workerUid(), ...INITDB_OPTIONS].join('\0')).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `${TEMPLATE_PREFIX}${key}`);
}
