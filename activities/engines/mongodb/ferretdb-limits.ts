/**
 * What a FerretDB sandbox server cannot hold, found in the dump itself. FerretDB 1.x closes the
 * connection on documents with Decimal128, JavaScript code, symbols or min/max keys, and refuses
 * views, time-series collections, validators and collations: restoring such a sound dump would end
 * in "lost the sandbox server" or in refused collections, which says nothing about the backup.
 * Knowing it in advance lets the drill end as an `error` naming the feature and the way out.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { BSON } from 'mongodb';

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

function scanDocument(buf: Buffer, start: number, depth: number): string | undefined {
  if (depth > MAX_DEPTH || start + 5 > buf.length) return undefined;
  const end = start + buf.readInt32LE(start) - 1;
  if (end >= buf.length || end < start + 4) return undefined;
  let at = start + 4;
  while (at < end) {
    const type = buf[at++]!;
    const nameEnd = buf.indexOf(0, at);
    if (nameEnd < 0 || nameEnd >= end) return undefined;
    at = nameEnd + 1;
    const unsupported = UNSUPPORTED_TYPES[type];
    if (unsupported) return unsupported;
    switch (type) {
      case 0x01: case 0x09: case 0x11: case 0x12: at += 8; break;
      case 0x02: at += 4 + buf.readInt32LE(at); break;
      case 0x03: case 0x04: {
        const nested = scanDocument(buf, at, depth + 1);
        if (nested) return nested;
        at += buf.readInt32LE(at);
        break;
      }
      case 0x05: at += 5 + buf.readInt32LE(at); break;
      case 0x06: case 0x0a: break;
      case 0x07: at += 12; break;
      case 0x08: at += 1; break;
      case 0x0b: at = buf.indexOf(0, buf.indexOf(0, at) + 1) + 1; break;
      case 0x10: at += 4; break;
      // Unknown type: damaged data, which mongorestore itself reports.
      default: return undefined;
    }
    if (at <= 0 || at > end) return undefined;
  }
  return undefined;
}

/**
 * Watches a stream of BSON documents as it passes (a .bson file, or a mongodump archive, whose
 * prelude carries each collection's metadata and whose body runs of documents are each preceded
 * by a namespace header) and reports the first limitation it meets. Bytes pass through unchanged.
 */
export class LimitationScanner extends Transform {
  private pending: Buffer = Buffer.alloc(0);
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
    if (!this.found && !this.gaveUp) this.scan(chunk);
    callback(null, chunk);
  }

  private scan(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    while (!this.found && this.pending.length - at >= 4) {
      if (this.state === 'magic') {
        at += 4;
        this.state = 'prelude-header';
        continue;
      }
      const length = this.pending.readInt32LE(at);
      if (length === -1) {
        // A terminator: ends the prelude, or one namespace's run of documents.
        at += 4;
        this.state = 'namespace';
        continue;
      }
      if (length < 5 || length > 48 * 1024 * 1024) {
        this.gaveUp = true;
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.pending.length - at < length) break;
      const doc = this.pending.subarray(at, at + length);
      at += length;
      this.inspect(doc);
    }
    this.pending = this.pending.subarray(at);
    if (this.pending.length > 0) this.pending = Buffer.from(this.pending);
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
    this.pending = Buffer.alloc(0);
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
 * Reads a dump directory for what FerretDB cannot hold, before anything is restored: each
 * collection's metadata, then its documents (stopping at the first limitation).
 */
export async function findDirectoryLimitation(dir: string, signal: AbortSignal): Promise<Limitation | undefined> {
  for (const database of (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const files = await fs.readdir(path.join(dir, database.name));
    for (const file of files.filter((f) => /\.metadata\.json(\.gz)?$/.test(f))) {
      const raw = await fs.readFile(path.join(dir, database.name, file));
      const metadata = safeJson((file.endsWith('.gz') ? gunzipSafe(raw) : raw).toString('utf8'));
      const feature = unsupportedOption(metadata);
      if (feature) return { feature, namespace: `${database.name}.${file.replace(/\.metadata\.json(\.gz)?$/, '')}` };
    }
    for (const file of files.filter((f) => /\.bson(\.gz)?$/.test(f))) {
      const namespace = `${database.name}.${file.replace(/\.bson(\.gz)?$/, '')}`;
      const found = await scanBsonFile(path.join(dir, database.name, file), namespace, signal);
      if (found) return found;
    }
  }
  return undefined;
}

async function scanBsonFile(file: string, namespace: string, signal: AbortSignal): Promise<Limitation | undefined> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let found: Limitation | undefined;
  const scanner = new LimitationScanner('bson', namespace, (limitation) => {
    found = limitation;
    stop.abort();
  });
  const stages: NodeJS.ReadWriteStream[] = file.endsWith('.gz') ? [createGunzip(), scanner] : [scanner];
  try {
    await pipeline(createReadStream(file), ...(stages as [NodeJS.ReadWriteStream]), new Writable({ write: (_chunk, _enc, done) => done() }), { signal: stop.signal });
  } catch (err) {
    signal.throwIfAborted();
    // Found (we stopped reading) or damaged data, which the restore reports in its own words.
    if (!found && (err as Error).name !== 'AbortError' && !/^Z_/.test(String((err as NodeJS.ErrnoException).code))) throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return found;
}

function gunzipSafe(raw: Buffer): Buffer {
  try {
    return gunzipSync(raw);
  } catch {
    return Buffer.alloc(0);
  }
}
