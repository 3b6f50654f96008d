/**
 * Stream plumbing shared by the transforms: peeking at a stream's first bytes without consuming
 * them, Node ↔ web stream bridges that keep backpressure, and relaying a stream while rewriting
 * its error. Every stream built here destroys what it reads from when it is destroyed, so
 * destroying the last stage of a chain releases the whole chain back to the source.
 */
import { Readable } from 'node:stream';

export interface Peeked {
  /** Up to the requested number of first bytes (fewer only when the stream is shorter). */
  head: Buffer;
  /** Replays `head`, then the rest of the source: reading it yields exactly the source's bytes. */
  stream: Readable;
}

/** Reads the first `bytes` bytes (or all, for a shorter stream) and returns them with a replaying stream. */
export async function peek(source: Readable, bytes: number): Promise<Peeked> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  try {
    while (length < bytes) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      chunks.push(chunk);
      length += chunk.length;
    }
  } catch (err) {
    source.destroy();
    throw err;
  }
  const prefix = Buffer.concat(chunks);
  return { head: prefix.subarray(0, bytes), stream: new Replay(prefix, ended ? undefined : iterator, source) };
}

/** A readable that yields `prefix`, then whatever `rest` still yields. */
class Replay extends Readable {
  private prefix: Buffer | undefined;

  constructor(
    prefix: Buffer,
    private readonly rest: AsyncIterator<Buffer | string> | undefined,
    private readonly source: Readable,
  ) {
    super();
    this.prefix = prefix.length > 0 ? prefix : undefined;
  }

  override _read(): void {
    if (this.prefix) {
      const prefix = this.prefix;
      this.prefix = undefined;
      this.push(prefix);
      return;
    }
    if (!this.rest) {
      this.push(null);
      return;
    }
    this.rest.next().then(
      (next) => {
        if (next.done) this.push(null);
        else this.push(typeof next.value === 'string' ? Buffer.from(next.value) : next.value);
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.source.destroyed) this.source.destroy();
    callback(error);
  }
}

/**
 * A web ReadableStream that pulls one chunk from `source` each time the reader asks: no eager
 * buffering (Node 20's Readable.toWeb reads ahead), cancel destroys the source.
 */
export function toWebStream(source: Readable): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else {
          const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        }
      },
      cancel(reason) {
        source.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Relays `from` into a new readable, with backpressure. An error of `from` reaches the reader as
 * `mapError(error)`; destroying the result destroys `from` and calls `onDestroy` (to release
 * whatever feeds `from`).
 */
export function relay(from: Readable, mapError: (error: Error) => Error, onDestroy?: () => void): Readable {
  let reading = false;
  const out = new Readable({
    read() {
      if (reading) return;
      reading = true;
      pump();
    },
    destroy(error, callback) {
      if (!from.destroyed) from.destroy();
      onDestroy?.();
      callback(error);
    },
  });
  const pump = () => {
    let chunk: Buffer | null;
    while ((chunk = from.read() as Buffer | null) !== null) {
      if (!out.push(chunk)) {
        reading = false;
        return;
      }
    }
  };
  from.on('readable', () => {
    if (reading) pump();
  });
  let ended = false;
  from.once('end', () => {
    ended = true;
    out.push(null);
  });
  from.once('error', (error) => out.destroy(mapError(error)));
  from.once('close', () => {
    // Destroyed without an error and without its end: the reader must not see a clean end.
    if (!ended && !out.destroyed) setImmediate(() => out.destroy(mapError(new Error('the stream closed before its end'))));
  });
  return out;
}
