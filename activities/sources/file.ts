/**
 * The `file` source: a backup on a filesystem the worker can read (local disk, NFS, a mounted
 * bucket). Resolves "exact path" or "newest match of a glob in a directory" to one backup, with
 * its size, age and sha256, verified against a `<file>.sha256` sidecar when the job wrote one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { BackupRef, Check, FileSource } from '../../core/drill.js';
import { globToRegExp } from '../../core/glob.js';
import { existenceChecks } from '../checks/existence.js';
import { readUntrustedFile, UntrustedFileError } from '../untrusted-files.js';
import { backupRejected, invalidRequest } from '../failures.js';
import { confinedPath } from './file-confinement.js';

const SIDECAR_SUFFIX = '.sha256';

export interface LocateOptions {
  maxAgeSeconds?: number;
  minSizeBytes: number;
  requireChecksum: boolean;
  now: Date;
  signal: AbortSignal;
  onHashProgress: (bytesDone: number, bytesTotal: number) => void;
}

export async function locateFileBackup(source: FileSource, options: LocateOptions): Promise<{ backup: BackupRef; checks: Check[] }> {
  if (!path.isAbsolute(source.path)) throw invalidRequest(`backup path must be absolute, got "${source.path}"`);
  await confinedPath(source.path);
  const chosen = source.pattern ? await newestMatch(source.path, source.pattern) : await statExisting(source.path);
  // The newest match may be a link out of an allowed folder.
  if (chosen.path !== source.path) await confinedPath(chosen.path);
  const sizeBytes = chosen.stat.isDirectory() ? await directorySize(chosen.path) : chosen.stat.size;
  const checks: Check[] = existenceChecks({ where: chosen.path, sizeBytes, modifiedAt: chosen.stat.mtime }, options);

  let sha256: string | null = null;
  let sidecarVerified = false;
  if (!chosen.stat.isDirectory()) {
    sha256 = await hashFile(chosen.path, sizeBytes, options);
    const expected = await readSidecar(chosen.path);
    if (expected !== undefined) {
      if (expected !== sha256) {
        throw backupRejected({ name: 'checksum', observed: `sha256 ${sha256}`, expected: `sha256 ${expected} (from ${path.basename(chosen.path)}${SIDECAR_SUFFIX})`, message: `checksum mismatch: the backup's sha256 differs from its ${SIDECAR_SUFFIX} sidecar, so the file changed after the backup job wrote it (corruption or a partial copy)` });
      }
      sidecarVerified = true;
      checks.push({ name: 'checksum', passed: true, observed: `sha256 ${sha256}`, expected: `sha256 ${expected} (sidecar)`, message: 'sha256 matches the sidecar' });
    } else if (options.requireChecksum) {
      throw backupRejected({ name: 'checksum', observed: 'no sidecar', expected: `${path.basename(chosen.path)}${SIDECAR_SUFFIX}`, message: `the plan requires a checksum, but there is no ${path.basename(chosen.path)}${SIDECAR_SUFFIX} sidecar next to the backup` });
    }
  } else if (options.requireChecksum) {
    throw backupRejected({ name: 'checksum', observed: 'a dump directory', expected: 'a single file with a sidecar', message: 'the plan requires a checksum, but the backup is a directory, which has no sha256 sidecar' });
  }

  const backup: BackupRef = {
    path: chosen.path,
    uri: pathToFileURL(chosen.path).href,
    sizeBytes,
    modifiedAt: chosen.stat.mtime.toISOString(),
    sha256,
    sidecarVerified,
  };
  return { backup, checks };
}

async function statExisting(file: string): Promise<{ path: string; stat: fs.Stats }> {
  try {
    return { path: file, stat: await fsp.stat(file) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw backupRejected({ name: 'present', observed: 'no such file', expected: 'a backup file', message: `no backup at ${file}: the file does not exist` });
    }
    throw err;
  }
}

async function newestMatch(directory: string, pattern: string): Promise<{ path: string; stat: fs.Stats }> {
  let names: string[];
  try {
    names = await fsp.readdir(directory);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw backupRejected({ name: 'present', observed: 'no such directory', expected: `a file matching ${pattern}`, message: `no backup: the directory ${directory} does not exist` });
    }
    throw err;
  }
  const matcher = globToRegExp(pattern);
  let newest: { path: string; stat: fs.Stats } | undefined;
  for (const name of names) {
    if (!matcher.test(name) || name.endsWith(SIDECAR_SUFFIX)) continue;
    const candidate = path.join(directory, name);
    const stat = await fsp.stat(candidate).catch(() => undefined);
    if (!stat || !(stat.isFile() || stat.isDirectory())) continue;
    if (!newest || stat.mtimeMs > newest.stat.mtimeMs) newest = { path: candidate, stat };
  }
  if (!newest) {
    throw backupRejected({ name: 'present', observed: `no file matches ${pattern}`, expected: `a file matching ${pattern}`, message: `no backup matching "${pattern}" in ${directory}` });
  }
  return newest;
}

async function hashFile(file: string, total: number, options: LocateOptions): Promise<string> {
  const hash = createHash('sha256');
  let done = 0;
  // pipeline, not .pipe(): a read error or an abort must end the loop, not leave it waiting.
  await pipeline(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), async function* (chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      hash.update(chunk);
      done += chunk.length;
      options.onHashProgress(done, total);
    }
  }, { signal: options.signal });
  return hash.digest('hex');
}

/** Accepts `sha256sum` output ("<hex>  name") or a bare hex digest. */
async function readSidecar(file: string): Promise<string | undefined> {
  const sidecar = file + SIDECAR_SUFFIX;
  if (!(await fsp.lstat(sidecar).catch(() => undefined))) return undefined;
  let text: string;
  try {
    // Never through a link (it could name a key file, whose text would land in the check), never
    // blocking on a pipe; sha256sum's output for one file is well under this.
    text = (await readUntrustedFile(sidecar, SIDECAR_LIMIT_BYTES)).toString('utf8');
  } catch (err) {
    const why = err instanceof UntrustedFileError ? err.message.replace(sidecar, 'it') : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
    throw backupRejected({ name: 'checksum', observed: `sidecar ${path.basename(sidecar)}: ${why}`, expected: 'a regular file holding a sha256 hex digest', message: `the sidecar ${path.basename(sidecar)} cannot be read as a checksum file (${why})` });
  }
  const digest = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    // Described, never quoted: whatever the file holds is not for the drill's record.
    throw backupRejected({ name: 'checksum', observed: `a sidecar of ${text.length} byte(s) whose first word is not 64 hex digits`, expected: 'a sha256 hex digest', message: `the sidecar ${path.basename(sidecar)} does not hold a sha256 digest` });
  }
  return digest;
}

/** "<64 hex>  <name>\n": a generous bound for a long file name. */
const SIDECAR_LIMIT_BYTES = 64 * 1024;

async function directorySize(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await fsp.readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) total += await directorySize(full);
    else if (entry.isFile()) total += (await fsp.stat(full)).size;
  }
  return total;
}
