/**
 * How a SQL dump reaches psql / the mysql client. An uncompressed local file is handed to the tool
 * as its stdin, so the bytes never pass through this process (that costs a core on a big restore);
 * anything else streams through decompression and a keeper of its first and last bytes. Either way
 * the caller gets the dump's head and tail (for header and completeness checks) and progress.
 */
import { open } from 'node:fs/promises';
import { pipeline, type Readable, type Transform } from 'node:stream';
import type { BackupContent } from './backup-content.js';
import { watchReadProgress } from './proc-io.js';
import { plaintextStream, type ByteCounter, type TailKeeper } from './streams.js';

export type SqlInput =
  | { kind: 'file'; path: string; sizeBytes: number }
  /** `toTool`: what the tool reads when the SQL is rewritten on its way (head and tail are the dump's own). */
  | { kind: 'stream'; sql: TailKeeper; counter: ByteCounter; toTool?: Readable };

export function sqlInput(content: BackupContent, gzip: boolean, onProgress: (bytes: number) => void, keepBytes: number, ...rewrites: Transform[]): SqlInput {
  if (!gzip && content.localPath && rewrites.length === 0) return { kind: 'file', path: content.localPath, sizeBytes: content.sizeBytes };
  const { sql, counter } = plaintextStream(content.open(), gzip, onProgress, keepBytes);
  if (rewrites.length === 0) return { kind: 'stream', sql, counter };
  pipeline([sql, ...rewrites], () => {});
  return { kind: 'stream', sql, counter, toTool: rewrites.at(-1) };
}

/** What the tool options need for this input: the file as stdin, or the stream piped in. */
export function stdinFor(input: SqlInput): { stdinFile: string } | { stdin: Readable } {
  return input.kind === 'file' ? { stdinFile: input.path } : { stdin: input.toTool ?? input.sql };
}

/** For a file input, the tool's read progress; a stream counts itself as it passes. */
export function watchProgress(input: SqlInput, onProgress: (bytes: number) => void): { onSpawn: (child: { pid?: number }) => void; stop: () => void } {
  return input.kind === 'file' ? watchReadProgress(input.sizeBytes, onProgress) : { onSpawn: () => {}, stop: () => {} };
}

/** The first and last `keepBytes` of the SQL the tool read, and how many bytes that was. */
export async function headAndTail(input: SqlInput, keepBytes: number): Promise<{ head: string; tail: string; bytes: number }> {
  if (input.kind === 'stream') return { head: input.sql.headText(), tail: input.sql.tailText(), bytes: input.sql.bytes };
  const handle = await open(input.path, 'r');
  try {
    const head = Buffer.alloc(Math.min(keepBytes, input.sizeBytes));
    await handle.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(keepBytes, input.sizeBytes));
    await handle.read(tail, 0, tail.length, Math.max(0, input.sizeBytes - tail.length));
    return { head: head.toString('utf8'), tail: tail.toString('utf8'), bytes: input.sizeBytes };
  } finally {
    await handle.close();
  }
}

/** Bytes of the backup consumed, for the restore result. */
export function bytesRead(input: SqlInput): number {
  return input.kind === 'file' ? input.sizeBytes : input.counter.bytes;
}
