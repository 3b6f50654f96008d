/**
 * Tells what a backup file is from its first bytes, never from its name: backup jobs name files
 * after what they meant to write, and a failing job writes something else under the same name.
 */
import { open } from 'node:fs/promises';
import { gunzipSync, inflateRawSync } from 'node:zlib';

export type PostgresFormat = 'custom' | 'directory' | 'tar' | 'plain';
export type Compression = 'gzip' | 'none';

export type Sniffed =
  | { kind: 'postgres'; format: Exclude<PostgresFormat, 'directory'>; compression: Compression }
  /** `damaged`: compressed data that does not decompress, an integrity failure rather than a wrong file. */
  | { kind: 'foreign'; description: string; damaged?: true };

/** How much of the file detection reads; enough for any dump header and a gzip block of it. */
const SNIFF_BYTES = 64 * 1024;

/** The first bytes of a backup file, what detection looks at. */
export async function readBackupHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];
const CUSTOM_MAGIC = Buffer.from('PGDMP');

const OTHER_COMPRESSIONS: Array<[number[], string]> = [
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz-compressed'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive'],
  [[0x04, 0x22, 0x4d, 0x18], 'lz4-compressed'],
];

export function sniffPostgresBackup(head: Buffer): Sniffed {
  if (head.length === 0) return { kind: 'foreign', description: 'an empty file' };
  if (startsWith(head, GZIP_MAGIC)) {
    let inner: Buffer;
    try {
      inner = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: accept a partial stream */ });
    } catch (err) {
      const garbage = trailingGarbage(head);
      if (garbage !== undefined) return { kind: 'foreign', damaged: true, description: `gzip data followed by ${garbage} byte(s) of trailing garbage (a partial overwrite or a botched copy)` };
      return { kind: 'foreign', damaged: true, description: `a gzip stream that cannot be decompressed (${(err as Error).message})` };
    }
    const innerSniff = sniffUncompressed(inner);
    if (innerSniff.kind === 'foreign') return { kind: 'foreign', description: `gzip-compressed: ${innerSniff.description}` };
    return { ...innerSniff, compression: 'gzip' };
  }
  return sniffUncompressed(head);
}

function sniffUncompressed(head: Buffer): Sniffed {
  if (head.length === 0) return { kind: 'foreign', description: 'empty content' };
  if (startsWith(head, [...CUSTOM_MAGIC])) return { kind: 'postgres', format: 'custom', compression: 'none' };
  if (isPgDumpTar(head)) return { kind: 'postgres', format: 'tar', compression: 'none' };
  for (const [magic, description] of OTHER_COMPRESSIONS) {
    if (startsWith(head, magic)) return { kind: 'foreign', description: `${description} data (only gzip is supported so far)` };
  }
  if (head.length >= 4 && head.readUInt32LE(0) === 0x8199e26d) return { kind: 'foreign', description: 'a mongodump archive (MongoDB)' };
  if (head.includes(0)) return { kind: 'foreign', description: 'binary data that is not a pg_dump archive' };
  const text = head.toString('utf8');
  const plain = classifyText(text);
  if (plain) return plain;
  return { kind: 'postgres', format: 'plain', compression: 'none' };
}

function classifyText(text: string): Sniffed | undefined {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  // Recent mariadb-dump versions open with a "sandbox mode" guard line before their header.
  if (/^(\/\*M!999999\\- enable the sandbox mode \*\/\s*)?-- (MySQL|MariaDB) dump/i.test(start) || /^\/\*M?!\d{5}/.test(start)) {
    return { kind: 'foreign', description: 'a MySQL/MariaDB dump (mysqldump)' };
  }
  if (/^<(!doctype|html|\?xml|head|body)/i.test(start)) {
    return { kind: 'foreign', description: 'an HTML/XML document (often an error page saved in place of the backup)' };
  }
  if (/^[[{]/.test(start)) return { kind: 'foreign', description: 'JSON text (mongoexport output, an API response, a config file)' };
  if (/-- PostgreSQL database (cluster )?dump/.test(text)) return undefined;
  const firstStatement = start
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line && !line.startsWith('--'));
  if (firstStatement === undefined && start.startsWith('--')) return undefined;
  if (firstStatement && /^(SET|SELECT|CREATE|ALTER|BEGIN|START|COPY|INSERT|DROP|COMMENT|GRANT|REVOKE|\\connect|\\restrict|DO|UPDATE|DELETE|WITH|TRUNCATE)\b/i.test(firstStatement)) {
    return undefined;
  }
  // Described by its kind, never quoted: the file may be a key or a config a drill was pointed at.
  const lines = start.split('\n').filter((line) => line.trim()).length;
  return { kind: 'foreign', description: `a text file that does not start like SQL (none of its first ${lines} line(s) is a SQL statement)` };
}

/** pg_dump's tar format is a ustar archive whose first member is toc.dat. */
function isPgDumpTar(head: Buffer): boolean {
  if (head.length < 512) return false;
  const magic = head.subarray(257, 262).toString('latin1');
  const firstName = head.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
  return magic === 'ustar' && firstName === 'toc.dat';
}

/**
 * Bytes after the end of a complete gzip member that are not another member, or undefined when
 * the member itself is damaged. Only the sniffed head is looked at: a small backup fits in it
 * whole; in a larger one the restore's own decompression finds the garbage.
 */
function trailingGarbage(head: Buffer): number | undefined {
  const flags = head[3] ?? 0;
  let offset = 10;
  try {
    if (flags & 0x04) offset += 2 + head.readUInt16LE(offset);
    if (flags & 0x08) offset = head.indexOf(0, offset) + 1;
    if (flags & 0x10) offset = head.indexOf(0, offset) + 1;
    if (flags & 0x02) offset += 2;
    if (offset <= 0 || offset >= head.length) return undefined;
    const inflated = inflateRawSync(head.subarray(offset), { info: true }) as unknown as { engine: { bytesWritten: number } };
    const memberEnd = offset + inflated.engine.bytesWritten + 8;
    if (memberEnd >= head.length || startsWith(head.subarray(memberEnd), GZIP_MAGIC)) return undefined;
    return head.length - memberEnd;
  } catch {
    return undefined;
  }
}

function startsWith(buffer: Buffer, magic: number[]): boolean {
  return buffer.length >= magic.length && magic.every((byte, i) => buffer[i] === byte);
}
