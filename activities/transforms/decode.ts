/**
 * From the bytes a source delivers to the bytes an engine reads: peels encryption (age, OpenPGP)
 * and the compressions the engines do not read themselves (zstd, xz, bzip2), each detected from
 * the stream's first bytes, never from a name, and repeatedly (gpg → xz → dump). gzip stays: the
 * engines read gzip-wrapped dumps themselves and report its damage in their own words.
 *
 * All streaming, with backpressure; plaintext never touches disk here. A layer that fails after
 * its header (tampering, truncation, corrupt compression) ends the returned stream in an error,
 * a backupRejected check ('decrypt' or 'decompress'), possibly after bytes were emitted: the
 * consumer must discard what it read when the stream errors. Destroying the returned stream (or
 * aborting `signal`) tears down every layer: children are killed, the source stream destroyed.
 */
import type { Readable } from 'node:stream';
import type { Credential } from '../../core/credentials.js';
import { decryptAge } from './age.js';
import { decompressStream } from './decompress.js';
import { DETECT_BYTES, detectLayer, type LayerKind } from './detect.js';
import { decryptOpenPgp } from './openpgp.js';
import { peek } from './stream-util.js';

export type { LayerKind } from './detect.js';

export interface DecodeKeys {
  pgp?: Extract<Credential, { kind: 'pgp-key' }>;
  age?: Extract<Credential, { kind: 'age-identity' }>;
}

export interface DecodedBackup {
  stream: Readable;
  /** layers peeled, outermost first, e.g. ['age', 'zstd'] */
  layers: LayerKind[];
}

/** More nested layers than any real backup has: beyond this the data is hostile or broken. */
const MAX_LAYERS = 8;

/** Peels encryption and non-gzip compression layers, detected by magic bytes (never by name), repeatedly (e.g. gpg → xz). gzip is left in place: the engines read gzip themselves. */
export async function decodeBackupStream(raw: Readable, options: { keys: DecodeKeys; signal: AbortSignal }): Promise<DecodedBackup> {
  const { keys, signal } = options;
  let current = raw;
  const layers: LayerKind[] = [];
  const onAbort = () => current.destroy(abortReason(signal));
  if (signal.aborted) {
    raw.destroy();
    throw abortReason(signal);
  }
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { head, stream } = await peek(current, DETECT_BYTES);
      current = stream;
      signal.throwIfAborted();
      const layer = detectLayer(head);
      if (!layer) break;
      if (layers.length >= MAX_LAYERS) break;
      layers.push(layer.kind);
      switch (layer.kind) {
        case 'age':
          current = await decryptAge(current, layer.armored, keys.age);
          break;
        case 'pgp':
          current = await decryptOpenPgp(current, layer.armored, keys.pgp);
          break;
        case 'zstd':
        case 'xz':
        case 'bzip2':
          current = decompressStream(layer.kind, current);
          break;
      }
      signal.throwIfAborted();
    }
  } catch (err) {
    signal.removeEventListener('abort', onAbort);
    if (!current.destroyed) current.destroy();
    if (!raw.destroyed) raw.destroy();
    throw signal.aborted ? abortReason(signal) : err;
  }
  const stream = current;
  signal.removeEventListener('abort', onAbort);
  // From here on the returned stream is what an abort destroys; it cascades to every layer.
  const onLateAbort = () => stream.destroy(abortReason(signal));
  signal.addEventListener('abort', onLateAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onLateAbort));
  return { stream, layers };
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'the operation was aborted');
  error.name = 'AbortError';
  return error;
}
