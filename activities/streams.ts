/** Small stream pieces shared by restore paths: byte counting and keeping the last bytes seen. */
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Passes data through, counting bytes and telling `onBytes` the running total. */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor(private readonly onBytes?: (total: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    callback(null, chunk);
  }
}

/** Passes data through and remembers the first and last `keep` bytes (a dump's header and trailer). */
export class TailKeeper extends Transform {
  private tail: Buffer = Buffer.alloc(0);
  private head: Buffer = Buffer.alloc(0);
  bytes = 0;

  constructor(private readonly keep: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.head.length < this.keep) this.head = Buffer.concat([this.head, chunk.subarray(0, this.keep - this.head.length)]);
    this.tail = chunk.length >= this.keep ? chunk.subarray(chunk.length - this.keep) : Buffer.concat([this.tail, chunk]).subarray(-this.keep);
    callback(null, chunk);
  }

  headText(): string {
    return this.head.toString('utf8');
  }

  tailText(): string {
    return this.tail.toString('utf8');
  }
}

/**
 * The plaintext of a SQL backup as one readable stream: content → byte count (compressed, for
 * progress) → gunzip when needed → a keeper of its first and last bytes. Any failure upstream
 * destroys `sql`, so the tool reading it fails instead of seeing a short, clean end.
 */
export function plaintextStream(source: Readable, gzip: boolean, onBytes: (total: number) => void, keepBytes: number): { sql: TailKeeper; counter: ByteCounter } {
  const counter = new ByteCounter(onBytes);
  const sql = new TailKeeper(keepBytes);
  const stages: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [source, counter];
  if (gzip) stages.push(createGunzip());
  stages.push(sql);
  pipeline(stages as unknown as [Readable, ...NodeJS.ReadWriteStream[]], () => {});
  return { sql, counter };
}

/**
 * The first `count` bytes of a stream, which is then destroyed (its source closed). With
 * `tolerateLateError`, an error after some bytes still returns them: a damaged stream has a head
 * to judge, and the full read reports the damage.
 */
export async function readFirstBytes(stream: Readable, count: number, options: { tolerateLateError?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= count) break;
    }
  } catch (err) {
    if (!options.tolerateLateError || length === 0) throw err;
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, count);
}
