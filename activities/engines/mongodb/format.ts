/**
 * Tells what a MongoDB backup is from its content, never from its name, and reads who made it: a
 * mongodump archive (magic 0x8199e26d, optionally gzip-wrapped) names its producer in the prelude
 * right after the magic; a directory dump (`<db>/<collection>.bson` + `.metadata.json`, `.gz`
 * with --gzip) in its `prelude.json`.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import { BSON } from 'mongodb';
import { backupRejected, sandboxCannotRestore } from '../../failures.js';
import type { BackupContent } from '../../backup-content.js';
import type { Producer } from '../engine.js';
import { sniffPostgresBackup } from '../postgres/format.js';
import { readUntrustedFile } from '../../untrusted-files.js';

export type MongoDump =
  | { format: 'archive'; gzip: boolean; producer: Producer | null }
  | { format: 'directory'; gzip: boolean; producer: Producer | null; collections: number };

export const ARCHIVE_MAGIC = 0x8199e26d;
const EXPECTED = 'a mongodump archive or dump directory';

export async function detectMongoDump(content: BackupContent): Promise<MongoDump> {
  return content.directory ? detectDirectory(content.directory) : detectFile(await content.head());
}

async function detectFile(head: Buffer): Promise<MongoDump> {
  if (isArchive(head)) return { format: 'archive', gzip: false, producer: archiveProducer(head) };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const { inner, error } = await gunzipPrefix(head);
    if (inner.length === 0 && error) {
      throw backupRejected({ name: 'decompress', observed: `gzip error in the first ${head.length} bytes: ${error.message}`, expected: 'a readable gzip stream', message: `the gzip stream is corrupt from its start (${error.message})` });
    }
    if (isArchive(inner)) return { format: 'archive', gzip: true, producer: archiveProducer(inner) };
    return reject(describeForeign(head));
  }
  return reject(describeForeign(head));
}

function reject(description: string): never {
  throw backupRejected({ name: 'format', observed: description, expected: EXPECTED, message: `not a MongoDB dump: the file is ${description}` });
}

/**
 * What the first bytes of a gzip stream decompress to. An error after some output (trailing
 * garbage in a small file, a cut) is for the restore to report; detection only needs the start.
 */
function gunzipPrefix(bytes: Buffer): Promise<{ inner: Buffer; error: Error | null }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const gunzip = createGunzip({ finishFlush: zlibConstants.Z_SYNC_FLUSH });
    gunzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    gunzip.on('error', (error) => resolve({ inner: Buffer.concat(chunks), error }));
    gunzip.on('end', () => resolve({ inner: Buffer.concat(chunks), error: null }));
    gunzip.end(bytes);
  });
}

function isArchive(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === ARCHIVE_MAGIC;
}

/** What a file that is not a mongodump archive is instead (PostgreSQL's sniffer knows most kinds). */
function describeForeign(head: Buffer): string {
  const sniffed = sniffPostgresBackup(head);
  if (sniffed.kind === 'foreign' && /^(gzip-compressed: )?JSON text/.test(sniffed.description)) {
    return `${sniffed.description.startsWith('gzip') ? 'gzip-compressed: ' : ''}JSON text, such as mongoexport writes: mongorestore loads only mongodump output (\`mongodump --archive\` or a dump directory); mongoexport files are not backups it can restore`;
  }
  if (sniffed.kind === 'foreign') return sniffed.description;
  const gzip = sniffed.compression === 'gzip' ? 'gzip-compressed: ' : '';
  if (sniffed.format !== 'plain') return `${gzip}a pg_dump ${sniffed.format}-format archive (PostgreSQL), not a MongoDB dump`;
  const text = gzip ? safeGunzip(head) : head.toString('utf8');
  if (/-- PostgreSQL database (cluster )?dump/.test(text)) return `${gzip}a PostgreSQL plain dump (pg_dump), not a MongoDB dump`;
  return `${gzip}SQL text, not a MongoDB dump`;
}

function safeGunzip(bytes: Buffer): string {
  try {
    return gunzipSync(bytes, { finishFlush: 2 }).toString('utf8');
  } catch {
    return '';
  }
}

/** The archive prelude: a BSON document after the magic with server_version and tool_version. */
function archiveProducer(bytes: Buffer): Producer | null {
  if (bytes.length < 8) return null;
  const length = bytes.readInt32LE(4);
  if (length < 5 || 4 + length > bytes.length) return null;
  try {
    const prelude = BSON.deserialize(bytes.subarray(4, 4 + length)) as { server_version?: unknown; tool_version?: unknown };
    return producerOf(prelude.server_version, prelude.tool_version);
  } catch {
    return null;
  }
}

function producerOf(serverVersion: unknown, toolVersion: unknown): Producer | null {
  const server = typeof serverVersion === 'string' && serverVersion ? serverVersion : null;
  const tool = typeof toolVersion === 'string' && toolVersion ? `mongodump ${toolVersion}` : null;
  return server || tool ? { tool, serverVersion: server } : null;
}

const COLLECTION_FILE = /\.(bson|metadata\.json)(\.gz)?$/;

async function detectDirectory(dir: string): Promise<MongoDump> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries.map((e) => e.name);
  if (names.includes('toc.dat')) reject('a pg_dump directory-format dump (PostgreSQL), not a MongoDB dump');
  refuseForeignEntries(entries, '');
  let collections = 0;
  let gzip = false;
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const files = await fs.readdir(path.join(dir, entry.name), { withFileTypes: true });
    refuseForeignEntries(files, `${entry.name}/`);
    for (const { name: file } of files) {
      if (!COLLECTION_FILE.test(file)) continue;
      if (/\.bson(\.gz)?$/.test(file)) collections += 1;
      if (file.endsWith('.gz')) gzip = true;
    }
  }
  if (collections === 0) {
    const loose = names.filter((n) => /\.bson(\.gz)?$/.test(n) && n !== 'oplog.bson');
    const description = loose.length > 0
      ? `a directory of loose .bson files (${loose.slice(0, 3).join(', ')}): give the dump's top directory, which holds one folder per database`
      : `a directory without mongodump output (no <database>/<collection>.bson files; ${names.length} entr${names.length === 1 ? 'y' : 'ies'})`;
    throw backupRejected({ name: 'format', observed: description, expected: EXPECTED, message: `not a MongoDB dump: ${description}` });
  }
  return { format: 'directory', gzip, producer: await directoryProducer(dir), collections };
}

/**
 * mongodump writes only folders and regular files. A link could make the worker's own reads (the
 * completeness walk, the metadata) reach a host file, and a FIFO would leave them waiting forever;
 * neither is a self-contained backup, whatever it would restore.
 */
function refuseForeignEntries(entries: Dirent[], prefix: string): void {
  const foreign = entries.find((entry) => !entry.isFile() && !entry.isDirectory());
  if (!foreign) return;
  const kind = foreign.isSymbolicLink() ? 'a symbolic link' : foreign.isFIFO() ? 'a named pipe' : 'a special file';
  throw sandboxCannotRestore(`the dump directory holds ${kind} (${prefix}${foreign.name}), which mongodump never writes: drills restore only self-contained dump directories of folders and regular files${foreign.isSymbolicLink() ? ': copy the linked files in (cp -rL) and point the plan at the copy' : ': remove it'}`);
}

async function directoryProducer(dir: string): Promise<Producer | null> {
  try {
    const prelude = JSON.parse((await readUntrustedFile(path.join(dir, 'prelude.json'), 1024 * 1024)).toString('utf8')) as { ServerVersion?: unknown; ToolVersion?: unknown };
    return producerOf(prelude.ServerVersion, prelude.ToolVersion);
  } catch {
    return null;
  }
}
