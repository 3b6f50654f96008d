/**
 * Who wrote a pg_dump backup, read from the dump itself: the archive header of custom, directory
 * and tar dumps (archive format version, pg_dump version, server version), or the comment block
 * at the top of a plain SQL dump.
 */
import { gunzipSync } from 'node:zlib';
import type { Producer } from '../engine.js';

export interface PostgresProducer extends Producer {
  /** Archive format version ("1.15") of custom/directory/tar dumps; null for plain SQL. */
  archiveVersion: string | null;
}

/**
 * Newest archive format each pg_restore major reads (K_VERS_* in pg_backup_archiver.h). An older
 * pg_restore refuses a newer archive with "unsupported version (1.15) in file header".
 */
const NEWEST_ARCHIVE_READ: Array<[major: number, archive: [number, number]]> = [
  [17, [1, 16]],
  [16, [1, 15]],
  [12, [1, 14]],
  [11, [1, 13]],
  [0, [1, 12]],
];

export function newestArchiveVersionRead(toolsMajor: number): string {
  const [, [major, minor]] = NEWEST_ARCHIVE_READ.find(([first]) => toolsMajor >= first)!;
  return `${major}.${minor}`;
}

export function archiveVersionReadable(archiveVersion: string, toolsMajor: number): boolean {
  const [major, minor] = archiveVersion.split('.').map(Number) as [number, number];
  const [readMajor, readMinor] = newestArchiveVersionRead(toolsMajor).split('.').map(Number) as [number, number];
  return major < readMajor || (major === readMajor && minor <= readMinor);
}

/** Reads the producer from the first bytes of a dump (gzip-wrapped or not); null when unknown. */
export function readPostgresProducer(head: Buffer): PostgresProducer | null {
  let bytes = head;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { finishFlush: 2 /* Z_SYNC_FLUSH: a partial stream is fine */ });
    } catch {
      return null;
    }
  }
  if (bytes.subarray(0, 5).toString('latin1') === 'PGDMP') return readArchiveHeader(bytes);
  // pg_dump's tar format: toc.dat is the first member, its data starts after one 512-byte header.
  if (bytes.length > 517 && bytes.subarray(512, 517).toString('latin1') === 'PGDMP') return readArchiveHeader(bytes.subarray(512));
  return readPlainHeader(bytes.toString('utf8'));
}

function readPlainHeader(text: string): PostgresProducer | null {
  const server = /^-- Dumped from database version (.+)$/m.exec(text)?.[1]?.trim() ?? null;
  const tool = /^-- Dumped by (pg_dump(?:all)?) version (.+)$/m.exec(text);
  if (!server && !tool) return null;
  return { tool: tool ? `${tool[1]} ${tool[2]!.trim()}` : null, serverVersion: server, archiveVersion: null };
}

/** The fixed part of pg_backup_archiver.c's WriteHead, far enough to reach the version strings. */
function readArchiveHeader(bytes: Buffer): PostgresProducer | null {
  try {
    let offset = 5;
    const vmaj = bytes[offset++]!;
    const vmin = bytes[offset++]!;
    offset++; // revision
    const archiveVersion = `${vmaj}.${vmin}`;
    const intSize = bytes[offset++]!;
    offset++; // offSize
    offset++; // format
    const readInt = () => {
      const negative = bytes[offset++]! !== 0;
      let value = 0;
      for (let i = 0; i < intSize; i++) value += bytes[offset++]! * 2 ** (8 * i);
      if (offset > bytes.length) throw new RangeError('header cut short');
      return negative ? -value : value;
    };
    const readString = () => {
      const length = readInt();
      if (length < 0) return null;
      const text = bytes.subarray(offset, offset + length).toString('utf8');
      offset += length;
      if (offset > bytes.length) throw new RangeError('header cut short');
      return text;
    };
    const atLeast = (minor: number) => vmaj > 1 || (vmaj === 1 && vmin >= minor);
    if (atLeast(15)) offset++; // compression algorithm, one byte
    else readInt(); // compression level
    for (let i = 0; i < 7; i++) readInt(); // creation time: sec, min, hour, mday, mon, year, isdst
    readString(); // database name
    if (!atLeast(10)) return { tool: null, serverVersion: null, archiveVersion };
    const serverVersion = readString();
    const dumpVersion = readString();
    return { tool: dumpVersion ? `pg_dump ${dumpVersion}` : null, serverVersion, archiveVersion };
  } catch {
    return null;
  }
}
