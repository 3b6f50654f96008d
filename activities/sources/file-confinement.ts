/**
 * Which files a `file` source may read. A drill names a path on the worker host, and the worker can
 * read its own secrets: the path (symlinks resolved) must never lead into Restore Drill's data
 * folder (master key, embedded databases), its tools folder, any sandbox, or /proc, /sys and /dev.
 * With RESTORE_DRILL_FILE_ROOTS set (recommended wherever several teams share a worker), it must
 * also lie under one of those roots.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../core/config.js';
import { invalidRequest } from '../failures.js';
import { SANDBOX_DIR_PREFIX } from '../sandboxes/local.js';

const SYSTEM_TREES = ['/proc', '/sys', '/dev'];

/** Throws an invalid request (verdict `error`) when `target` may not be read; returns its real path. */
export async function confinedPath(target: string): Promise<string> {
  let real: string;
  try {
    real = await fsp.realpath(target);
  } catch {
    // Not there (yet): the caller reports a missing backup as it always has.
    return target;
  }
  const config = loadConfig();
  const forbidden: Array<[string, string]> = [
    [config.dataDir, "Restore Drill's own data folder"],
    [config.toolsDir, "Restore Drill's tools folder"],
    ...SYSTEM_TREES.map((tree): [string, string] => [tree, `the system's ${tree}`]),
  ];
  for (const [root, what] of forbidden) {
    const realRoot = await fsp.realpath(root).catch(() => root);
    if (isInside(real, realRoot)) throw invalidRequest(`the backup path ${target} ${real === target ? 'lies' : `resolves to ${real}, which lies`} in ${what} (${realRoot}), which a drill may never read: point the plan at the backup itself`);
  }
  // Sandboxes live under whatever root each worker was given: their directory names tell.
  if (real.split(path.sep).some((part) => part.startsWith(SANDBOX_DIR_PREFIX))) throw invalidRequest(`the backup path ${target} lies in a drill's sandbox, which a drill may never read: point the plan at the backup itself`);
  const roots = (process.env.RESTORE_DRILL_FILE_ROOTS ?? '').split(path.delimiter).filter(Boolean);
  if (roots.length > 0) {
    const realRoots = await Promise.all(roots.map((root) => fsp.realpath(root).catch(() => path.resolve(root))));
    if (!realRoots.some((root) => isInside(real, root))) {
      throw invalidRequest(`the backup path ${target}${real === target ? '' : ` (really ${real})`} is outside the folders this worker may read backups from (RESTORE_DRILL_FILE_ROOTS=${roots.join(path.delimiter)})`);
    }
  }
  return real;
}

function isInside(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
