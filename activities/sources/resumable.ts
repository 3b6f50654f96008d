/**
 * One download loop for every remote source: open the object at an offset, pass its bytes on,
 * and when the connection drops mid-way open it again where it stopped. Bounded: a run of
 * `maxAttempts` consecutive failures without a new byte ends the stream with the last error.
 */
import { Readable, addAbortSignal } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';

export interface ResumableOptions {
  /** Names the object in errors (a URI without secrets). */
  what: string;
  /** Expected total size; a body that ends short of it counts as a dropped connection. */
  sizeBytes: number;
  signal: AbortSignal;
  maxAttempts?: number;
  /** First backoff; doubles per consecutive failure (capped at 5 s). */
  backoffMs?: number;
  /** Opens the object from `offset` (0 = start). Throw a FatalSourceError for "do not resume". */
  openAt(offset: number, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
}

/** An error the resume loop must not retry (object changed, refused, gone). */
export class FatalSourceError extends Error {
  override readonly name = 'FatalSourceError';
}

export function resumableStream(options: ResumableOptions): Readable {
  const maxAttempts = options.maxAttempts ?? 5;
  const backoffMs = options.backoffMs ?? 200;
  const { signal } = options;

  async function* bytes(): AsyncGenerator<Buffer> {
    let offset = 0;
    let failures = 0;
    for (;;) {
      signal.throwIfAborted();
      const before = offset;
      try {
        const body = await options.openAt(offset, signal);
        for await (const chunk of body) {
          const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          if (buffer.length === 0) continue;
          offset += buffer.length;
          yield buffer;
        }
        if (offset < options.sizeBytes) throw new Error(`the connection ended after ${offset} of ${options.sizeBytes} bytes`);
        if (offset > options.sizeBytes) throw new FatalSourceError(`${options.what} sent ${offset} bytes, more than the ${options.sizeBytes} it had when located: it changed during the download`);
        return;
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        if (err instanceof FatalSourceError || err instanceof ApplicationFailure) throw err;
        failures = offset > before ? 1 : failures + 1;
        if (failures >= maxAttempts) {
          throw new Error(`download of ${options.what} failed at byte ${offset} of ${options.sizeBytes} after ${maxAttempts} attempts: ${(err as Error).message}`, { cause: err });
        }
        await sleep(Math.min(5000, backoffMs * 2 ** (failures - 1)), undefined, { signal });
      }
    }
  }

  const stream = Readable.from(bytes(), { objectMode: false, highWaterMark: 1024 * 1024 });
  return addAbortSignal(signal, stream);
}
