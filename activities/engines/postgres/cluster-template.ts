/**
 * Creates the files of a new, empty cluster. initdb takes about a second on every drill, most of
 * it creating a thousand small files; copying a pristine cluster that initdb made once (per server
 * version) does the same in a fraction of that.
 *
 * The template belongs to the worker's account, not to any sandbox's: no sandbox can change what
 * the next drill's cluster starts from.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runToolOrThrow, type ToolOptions } from '../../process.js';
import { templateAccount } from '../../sandboxes/accounts.js';
import type { PostgresBinaries } from './binaries.js';

export const SANDBOX_SUPERUSER = 'postgres';
const INITDB_OPTIONS = ['-U', SANDBOX_SUPERUSER, '-A', 'trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'];
const TEMPLATE_PREFIX = 'restore-drill-pg-template-';
/** Bumped when how a template is made changes, so that one made the old way is never used. */
const TEMPLATE_LAYOUT = 'readable-by-sandboxes-1';

export interface ClusterOwner {
  uid: number;
  gid: number;
}

/** Fills the empty `dataDir` with a new cluster owned by `owner`. */
export async function createClusterFiles(dataDir: string, owner: ClusterOwner, bins: PostgresBinaries, run: ToolOptions): Promise<void> {
  const template = await ensureTemplate(bins, run);
  // Copied as the sandbox account (never as root into a directory that account could fill with
  // links), then made private, as PostgreSQL insists.
  const asOwner = { ...run, uid: owner.uid, gid: owner.gid };
  await runToolOrThrow('cp', ['-R', `${template}/.`, dataDir], asOwner);
  await runToolOrThrow('chmod', ['-R', 'u+rwX,go-rwx', dataDir], asOwner);
}

/** Forgets the template, e.g. after a server copied from it failed to start. */
export async function discardTemplate(bins: PostgresBinaries): Promise<void> {
  await fs.rm(templatePath(bins), { recursive: true, force: true });
}

/**
 * The template is made by initdb as an account no sandbox runs as (`rd-template` as root), in a
 * private staging folder, then handed to the worker's account and made readable but not writable
 * by others, so every sandbox account can copy it and none can change it.
 */
async function ensureTemplate(bins: PostgresBinaries, run: ToolOptions): Promise<string> {
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
  const builder = await templateAccount();
  const staging = await fs.mkdtemp(`${template}.staging-`);
  await fs.chmod(staging, 0o700);
  await fs.chown(staging, builder.uid, builder.gid);
  const asWorker = { ...run, uid: undefined, gid: undefined, cwd: staging };
  try {
    await runToolOrThrow(bins.path('initdb'), ['-D', path.join(staging, 'data'), ...INITDB_OPTIONS], { ...run, uid: builder.uid, gid: builder.gid, cwd: staging });
    if (workerUid() !== builder.uid) await runToolOrThrow('chown', ['-R', `${workerUid()}:${process.getgid?.() ?? 0}`, staging], asWorker);
    await runToolOrThrow('chmod', ['-R', 'u+rwX,go+rX,go-w', staging], asWorker);
    await fs.rename(staging, template);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    // Another provisioning made the template at the same moment: use theirs.
    if (!(await isTrustworthy(template))) throw err;
  }
  return dataDir;
}

/** The temp dir is shared: only a directory the worker's account owns, writable by it alone, and not a link will do. */
async function isTrustworthy(template: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(template);
    return stat.isDirectory() && stat.uid === workerUid() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function workerUid(): number {
  return process.getuid?.() ?? 0;
}

/** Where the template of `bins`'s version lives (the shared temp dir, keyed by version and worker account). */
export function templatePath(bins: PostgresBinaries): string {
  const key = createHash('sha256').update([TEMPLATE_LAYOUT, bins.binDir, bins.version, workerUid(), ...INITDB_OPTIONS].join('\0')).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `${TEMPLATE_PREFIX}${key}`);
}
