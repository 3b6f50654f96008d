/**
 * What a FerretDB sandbox server cannot hold, found in the dump itself. FerretDB 1.x closes the
 * connection on documents with Decimal128, JavaScript code, symbols or min/max keys, and refuses
 * views, time-series collections, validators and collations: restoring such a sound dump would end
 * in "lost the sandbox server" or in refused collections, which says nothing about the backup.
 * Knowing it in advance lets the drill end as an `error` naming the feature and the way out.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { BSON } from 'mongodb';
import { readUntrustedFile } from '../../untrusted-files.js';

/** BSON element types FerretDB 1.x cannot store, by type byte. */
const UNSUPPORTED_TYPES: Record<number, string> = {
  0x0c: 'DBPointer',
  0x0d: 'JavaScript code',
  0x0e: 'Symbol',
  0x0f: 'JavaScript code with scope',
  0x13: 'Decimal128',
  0xff: 'MinKey',
  0x7f: 'MaxKey',
};

/** Collection options FerretDB 1.x refuses on create, with the feature's name. */
const UNSUPPORTED_OPTIONS: Array<[option: string, feature: string]> = [
  ['viewOn', 'a view'],
  ['timeseries', 'a time-series collection'],
  ['validator', 'a schema validator'],
  ['collation', 'a collation'],
  ['clusteredIndex', 'a clustered index'],
  ['encryptedFields', 'queryable encryption'],
];

export interface Limitation {
  /** "Decimal128 values", "a view". */
  feature: string;
  /** "shop.prices", when known. */
  namespace: string | null;
}

export const WAY_OUT = 'put a real mongod on PATH (or set RESTORE_DRILL_MONGOD) on the worker host, or use an ecs sandbox with a mongo image';

export function describeLimitation(limitation: Limitation, where: 'archive' | 'directory'): string {
  const place = limitation.namespace ? `collection ${limitation.namespace}` : `the dump ${where === 'archive' ? 'archive' : 'directory'}`;
  return `${place} holds ${limitation.feature}, which the FerretDB sandbox server cannot store, so this drill cannot judge the backup: ${WAY_OUT}`;
}

/** The first unsupported option of a collection's metadata (the JSON mongodump writes). */
export function unsupportedOption(metadata: unknown): string | undefined {
  const record = metadata as { options?: Record<string, unknown>; type?: unknown } | null;
  if (record?.type === 'view') return 'a view';
  const options = record?.options ?? {};
  return UNSUPPORTED_OPTIONS.find(([option]) => options[option] !== undefined)?.[1];
}

/** The first unsupported BSON type anywhere in one document (nested documents and arrays too). */
export function unsupportedType(doc: Buffer): string | undefined {
  return scanDocument(doc, 0, 0);
}

const MAX_DEPTH = 200;
/** BSON documents are at most 16 MiB; mongodump's archive adds nothing near 48. */
const MAX_DOCUMENT_BYTES = 48 * 1024 * 1024;

/**
 * Walks one document's elements. Hostile bytes must not make it loop, read out of bounds or recurse
 * without end: every step moves strictly forward inside the document, or the walk stops (damaged
 * data is mongorestore's to report).
 */
function scanDocument(buf: Buffer, start: number, depth: number): string | undefined {
  if (depth > MAX_DEPTH || start < 0 || start + 5 > buf.length) return undefined;
  const declared = buf.readInt32LE(start);
  const end = start + declared - 1;
  if (declared < 5 || end >= buf.length) return undefined;
  let at = start + 4;
  while (at < end) {
    const type = buf[at++]!;
    const nameEnd = buf.indexOf(0, at);
    if (nameEnd < 0 || nameEnd >= end) return undefined;
    at = nameEnd + 1;
    const unsupported = UNSUPPORTED_TYPES[type];
    if (unsupported) return unsupported;
    const size = valueSize(buf, at, end, type);
    if (size === undefined) return undefined;
    if (type === 0x03 || type === 0x04) {
      const nested = scanDocument(buf, at, depth + 1);
      if (nested) return nested;
    }
    at += size;
  }
  return undefined;
}

/** Bytes the value of `type` at `at` takes, or undefined when it cannot be (damaged or unknown). */
function valueSize(buf: Buffer, at: number, end: number, type: number): number | undefined {
  const int32 = () => (at + 4 <= end ? buf.readInt32LE(at) : -1);
  let size: number;
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: size = 8; break;
    case 0x02: size = int32() < 1 ? -1 : 4 + int32(); break;
    case 0x03: case 0x04: size = int32() < 5 ? -1 : int32(); break;
    case 0x05: size = int32() < 0 ? -1 : 5 + int32(); break;
    case 0x06: case 0x0a: size = 0; break;
    case 0x07: size = 12; break;
    case 0x08: size = 1; break;
    case 0x0b: {
      const first = buf.indexOf(0, at);
      const second = first < 0 || first >= end ? -1 : buf.indexOf(0, first + 1);
      size = second < 0 || second >= end ? -1 : second + 1 - at;
      break;
    }
    case 0x10: size = 4; break;
    default: return undefined;
  }
  return size >= 0 && at + size <= end ? size : undefined;
}

/**
 * Watches a stream of BSON documents as it passes (a .bson file, or a mongodump archive, whose
 * prelude carries each collection's metadata and whose body runs of documents are each preceded
 * by a namespace header) and reports the first limitation it meets. Bytes pass through unchanged.
 */
export class LimitationScanner extends Transform {
  private parts: Buffer[] = [];
  private queued = 0;
  /** Bytes still to arrive before the next document (or length word) is whole. */
  private needed = 4;
  private state: 'magic' | 'prelude-header' | 'prelude' | 'namespace' | 'documents';
  private namespace: string | null;
  /** Set on data that does not parse as BSON: the restore judges that, not this scanner. */
  private gaveUp = false;
  found: Limitation | undefined;

  constructor(kind: 'archive' | 'bson', namespace: string | null, private readonly onFound: (limitation: Limitation) => void) {
    super();
    this.state = kind === 'archive' ? 'magic' : 'documents';
    this.namespace = namespace;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.found && !this.gaveUp) {
      try {
        this.feed(chunk);
      } catch {
        // Bytes that do not parse: stop looking and let mongorestore judge them.
        this.gaveUp = true;
        this.parts = [];
      }
    }
    callback(null, chunk);
  }

  /** Chunks wait in a list until the next document is whole: no copying per chunk of a big one. */
  private feed(chunk: Buffer): void {
    this.parts.push(chunk);
    this.queued += chunk.length;
    if (this.queued < this.needed) return;
    const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.queued);
    this.parts = [];
    this.queued = 0;
    let at = 0;
    this.needed = 4;
    while (!this.found && bytes.length - at >= 4) {
      if (this.state === 'magic') {
        at += 4;
        this.state = 'prelude-header';
        continue;
      }
      const length = bytes.readInt32LE(at);
      if (length === -1) {
        // A terminator: ends the prelude, or one namespace's run of documents.
        at += 4;
        this.state = 'namespace';
        continue;
      }
      if (length < 5 || length > MAX_DOCUMENT_BYTES) {
        this.gaveUp = true;
        return;
      }
      if (bytes.length - at < length) {
        this.needed = length;
        break;
      }
      this.inspect(bytes.subarray(at, at + length));
      at += length;
    }
    if (this.found || at >= bytes.length) return;
    const rest = Buffer.from(bytes.subarray(at));
    this.parts = [rest];
    this.queued = rest.length;
  }

  private inspect(doc: Buffer): void {
    if (this.state === 'prelude-header') {
      this.state = 'prelude';
      return;
    }
    if (this.state === 'prelude') {
      const entry = safeDeserialize(doc) as { db?: string; collection?: string; metadata?: string; type?: string } | undefined;
      const feature = entry?.type === 'view' ? 'a view' : entry?.type === 'timeseries' ? 'a time-series collection' : entry?.metadata ? unsupportedOption(safeJson(entry.metadata)) : undefined;
      if (feature) this.report({ feature, namespace: entry?.db && entry.collection ? `${entry.db}.${entry.collection}` : null });
      return;
    }
    if (this.state === 'namespace') {
      const header = safeDeserialize(doc) as { db?: string; collection?: string } | undefined;
      this.namespace = header?.db && header.collection ? `${header.db}.${header.collection}` : null;
      this.state = 'documents';
      return;
    }
    const type = unsupportedType(doc);
    if (type) this.report({ feature: `${type} values`, namespace: this.namespace });
  }

  private report(limitation: Limitation): void {
    this.found = limitation;
    this.parts = [];
    this.onFound(limitation);
  }
}

function safeDeserialize(doc: Buffer): unknown {
  try {
    return BSON.deserialize(doc);
  } catch {
    return undefined;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What a dump directory's collection metadata asks for that FerretDB refuses (views, validators,
 * …). Documents are watched by LimitationScanner during the directory's one read (./dump-directory.ts).
 */
export async function findMetadataLimitation(dir: string): Promise<Limitation | undefined> {
  for (const database of (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const files = await fs.readdir(path.join(dir, database.name));
    for (const file of files.filter((f) => /\.metadata\.json(\.gz)?$/.test(f))) {
      const raw = await readUntrustedFile(path.join(dir, database.name, file), MAX_METADATA_BYTES).catch(() => Buffer.alloc(0));
      const metadata = safeJson((file.endsWith('.gz') ? gunzipSafe(raw) : raw).toString('utf8'));
      const feature = unsupportedOption(metadata);
      if (feature) return { feature, namespace: `${database.name}.${file.replace(/\.metadata\.json(\.gz)?$/, '')}` };
    }
  }
  return undefined;
}

/** Collection metadata is a few KB; a bomb that inflates past this is not read. */
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

function gunzipSafe(raw: Buffer): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: MAX_METADATA_BYTES });
  } catch {
    return Buffer.alloc(0);
  }
}
