/**
 * Creates the files of a new, empty cluster. initdb takes about a second on every drill, most of
 * it creating a thousand small files; copying a pristine cluster that initdb made once (per server
 * version and account) does the same in a fraction of that.
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
  // cp -a as the owner keeps the 0700 modes PostgreSQL insists on, and the owner's ownership.
  await runToolOrThrow('cp', ['-a', `${template}/.`, dataDir], run);
}

/** Forgets the template, e.g. after a server copied from it failed to start. */
export async function discardTemplate(owner: ClusterOwner, bins: PostgresBinaries): Promise<void> {
  await fs.rm(templatePath(owner, bins), { recursive: true, force: true });
}

async function ensureTemplate(owner: ClusterOwner, bins: PostgresBinaries, run: ToolOptions): Promise<string> {
  const template = templatePath(owner, bins);
  const dataDir = path.join(template, 'data');
  if (await isTrustworthy(template, owner)) {
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
    await fs.rename(staging, template);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    // Another provisioning made the template at the same moment: use theirs.
    if (!(await isTrustworthy(template, owner))) throw err;
  }
  return dataDir;
}

/** The temp dir is shared: only a directory this account owns, private, and not a link will do. */
async function isTrustworthy(template: string, owner: ClusterOwner): Promise<boolean> {
  try {
    const stat = await fs.lstat(template);
    return stat.isDirectory() && stat.uid === owner.uid && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

function templatePath(owner: ClusterOwner, bins: PostgresBinaries): string {
  const key = createHash('sha256').update([bins.binDir, bins.version, owner.uid, ...INITDB_OPTIONS].join('\0')).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `${TEMPLATE_PREFIX}${key}`);
}
