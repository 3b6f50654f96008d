/**
 * One read of a dump directory's .bson files before restoring. It checks that every file holds whole
 * documents: mongorestore loads a file cut in the middle of a document up to the cut and reports
 * success, so a partial copy would pass with fewer documents; walking the length prefixes finds the
 * cut. With `scanner`, the same bytes also pass through a FerretDB LimitationScanner.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LimitationScanner, type Limitation } from './ferretdb-limits.js';

export interface IncompleteFile {
  /** "shop/orders.bson" */
  file: string;
  /** Why, e.g. "ends 1,234 bytes into a 2,048-byte document after 419 whole documents". */
  problem: string;
}

export interface DirectoryReading {
  incomplete?: IncompleteFile;
  limitation?: Limitation;
}

export async function readDumpDirectory(dir: string, signal: AbortSignal, options: { scanLimitations: boolean }): Promise<DirectoryReading> {
  let limitation: Limitation | undefined;
  for (const database of (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    for (const name of (await fs.readdir(path.join(dir, database.name))).filter((f) => /\.bson(\.gz)?$/.test(f)).sort()) {
      signal.throwIfAborted();
      const file = path.join(dir, database.name, name);
      // Never through a link, even one that appeared after the dump was looked at.
      const raw = (await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK)).createReadStream();
      const stages: NodeJS.ReadWriteStream[] = [];
      if (name.endsWith('.gz')) stages.push(createGunzip());
      if (options.scanLimitations && !limitation) stages.push(new LimitationScanner('bson', `${database.name}.${name.replace(/\.bson(\.gz)?$/, '')}`, (found) => (limitation = found)));
      // pipeline, not pipe: a gunzip error must reach the reader below rather than leave it waiting.
      const stream: Readable = stages.length === 0 ? raw : (pipeline([raw, ...stages] as unknown as [Readable, NodeJS.ReadWriteStream], () => {}) as unknown as Readable);
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
      // A cut file decides the verdict (failed) even when an earlier document was one FerretDB cannot hold.
      if (problem) return { incomplete: { file: `${database.name}/${name}`, problem } };
    }
  }
  return { limitation };
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
