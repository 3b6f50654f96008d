/**
 * Whether every .bson file of a dump directory holds whole documents. mongorestore loads a .bson
 * file cut in the middle of a document up to the cut and reports success, so a partial copy or an
 * interrupted dump would pass with fewer documents; walking the documents' length prefixes (no
 * parsing) finds the cut first.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface IncompleteFile {
  /** "shop/orders.bson" */
  file: string;
  /** Why, e.g. "ends 1,234 bytes into a 2,048-byte document after 419 whole documents". */
  problem: string;
}

export async function findIncompleteBsonFile(dir: string, signal: AbortSignal): Promise<IncompleteFile | undefined> {
  for (const database of (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    for (const name of (await fs.readdir(path.join(dir, database.name))).filter((f) => /\.bson(\.gz)?$/.test(f)).sort()) {
      signal.throwIfAborted();
      const file = path.join(dir, database.name, name);
      const raw = createReadStream(file);
      const stream: Readable = name.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
      let problem: string | undefined;
      try {
        problem = await walkDocuments(stream);
      } catch (err) {
        // A damaged gzip member: mongorestore reports that in its own words.
        if (/^Z_/.test(String((err as NodeJS.ErrnoException).code))) continue;
        throw err;
      } finally {
        raw.destroy();
      }
      if (problem) return { file: `${database.name}/${name}`, problem };
    }
  }
  return undefined;
}

async function walkDocuments(stream: Readable): Promise<string | undefined> {
  let documents = 0;
  /** Bytes of the current document still to come; 0 between documents. */
  let remaining = 0;
  let current = 0;
  const lengthBytes: number[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - at);
        remaining -= take;
        at += take;
        if (remaining === 0) documents += 1;
        continue;
      }
      lengthBytes.push(chunk[at]!);
      at += 1;
      if (lengthBytes.length < 4) continue;
      current = Buffer.from(lengthBytes).readInt32LE(0);
      lengthBytes.length = 0;
      if (current < 5) return `holds a document of impossible length ${current} after ${documents} whole document(s)`;
      remaining = current - 4;
    }
  }
  if (remaining > 0) return `ends ${current - remaining} bytes into a ${current}-byte document, after ${documents} whole document(s)`;
  if (lengthBytes.length > 0) return `ends ${lengthBytes.length} byte(s) into the next document's length, after ${documents} whole document(s)`;
  return undefined;
}
