/**
 * What an engine restores from: the backup's content after decryption and the compressions the
 * engines don't read themselves, whatever source it came from. A plain local file is handed over
 * as it is (tools read it directly, pg_restore -j seeks in it); anything else is one stream from
 * the source through the transforms, and becomes a file only when the engine needs random access,
 * then only inside the sandbox's private work dir.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SandboxHandle } from '../core/drill.js';
import { backupRejected } from './failures.js';
import { readFirstBytes } from './streams.js';
import { readBackupHead } from './engines/postgres/format.js';
import { decodeBackupStream, type DecodeKeys } from './transforms/decode.js';
import { detectLayer, DETECT_BYTES } from './transforms/detect.js';

export interface BackupContent {
  /** Where the bytes come from, for messages. */
  uri: string;
  /** Size as stored at the source (before decryption/decompression), for progress. */
  sizeBytes: number;
  /** A local dump directory (pg_dump -Fd, mongodump --out); only file sources have them. */
  directory: string | null;
  /** The local file holding exactly the content, when there is one without any copying. */
  localPath: string | null;
  /** The first bytes of the content, what format and producer detection read. */
  head(): Promise<Buffer>;
  /**
   * A fresh stream of the whole content. It fails with a BackupRejected failure when the source's
   * checksum, the decryption or the decompression says the backup is bad, or with a plain error
   * for infrastructure trouble; either way, bytes it already gave must not be trusted.
   */
  open(): Readable;
  /** A local file with exactly the content (for tools that seek); see the module comment. */
  file(): Promise<string>;
  /** Which layers were peeled ("age", "zstd"…), known once head() or open() has run. */
  layers(): string[];
  /** Whether a full read matched the source's sha256 (false: none expected, or not read to the end). */
  checksumVerified(): boolean;
}

const HEAD_BYTES = 64 * 1024;

/** A plain local file or dump directory: nothing to peel, tools read it where it is. */
export function localContent(filePath: string, sizeBytes: number, isDirectory: boolean): BackupContent {
  return {
    uri: `file://${filePath}`,
    sizeBytes,
    directory: isDirectory ? filePath : null,
    localPath: isDirectory ? null : filePath,
    head: () => readBackupHead(filePath),
    open: () => fs.createReadStream(filePath, { highWaterMark: 1024 * 1024 }),
    file: async () => filePath,
    layers: () => [],
    checksumVerified: () => false,
  };
}

/** Whether a local file needs the streaming path: it is encrypted or zstd/xz/bzip2-compressed. */
export async function hasTransformLayer(filePath: string): Promise<boolean> {
  const head = await readBackupHead(filePath);
  return detectLayer(head.subarray(0, DETECT_BYTES)) !== undefined;
}

export interface StreamedContentOptions {
  uri: string;
  sizeBytes: number;
  /** Opens the raw bytes at the source, from the start. */
  openRaw: () => Readable;
  keys: DecodeKeys;
  /** sha256 the source vouches for; checked over the raw bytes as they stream. */
  expectedSha256: { hex: string; from: string } | null;
  sandbox: SandboxHandle;
  signal: AbortSignal;
}

export function streamedContent(options: StreamedContentOptions): BackupContent {
  let peeled: string[] = [];
  let head: Promise<Buffer> | undefined;
  let verified = false;
  let materialized: Promise<string> | undefined;

  function open(verifyChecksum = true): Readable {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    const raw = options.openRaw();
    const checked = verifyChecksum && options.expectedSha256 ? raw.pipe(new ChecksumVerifier(options.expectedSha256, () => (verified = true))) : raw;
    if (checked !== raw) {
      raw.once('error', (err) => checked.destroy(err));
      // pipe() never destroys its source: when the verifier goes (reader gone, a layer failed),
      // the source's connection must go with it.
      checked.once('close', () => {
        if (!raw.destroyed) raw.destroy();
      });
    }
    let decoded: Readable | undefined;
    // The reader may leave before the layers are peeled: that stops the peeling (the source is
    // destroyed, decodeBackupStream fails into the handler below), or ends the peeled stream.
    out.once('close', () => (decoded ?? checked).destroy());
    decodeBackupStream(checked, { keys: options.keys, signal: options.signal }).then(
      ({ stream, layers }) => {
        peeled = layers;
        decoded = stream;
        if (out.destroyed) {
          stream.destroy();
          return;
        }
        stream.once('error', (err) => out.destroy(err));
        stream.pipe(out);
      },
      (err: unknown) => {
        checked.destroy();
        out.destroy(err as Error);
      },
    );
    return out;
  }

  return {
    uri: options.uri,
    sizeBytes: options.sizeBytes,
    directory: null,
    localPath: null,
    layers: () => peeled,
    checksumVerified: () => verified,
    open: () => open(),
    head() {
      // Read once: every detection step asks, and each read re-opens the source and re-derives
      // the decryption key. The checksum of a partial read means nothing, so it is not checked.
      head ??= readFirstBytes(open(false), HEAD_BYTES, { tolerateLateError: true });
      return head;
    },
    file() {
      materialized ??= (async () => {
        const target = path.join(options.sandbox.workDir, 'backup-content');
        try {
          await pipeline(open(), fs.createWriteStream(target, { mode: 0o600 }), { signal: options.signal });
        } catch (err) {
          // A partial file is no content: never leave it for a later read (or a disk to fill).
          await fsp.rm(target, { force: true }).catch(() => undefined);
          throw err;
        }
        return target;
      })();
      return materialized;
    },
  };
}

/** Removes what file() wrote into the sandbox's work dir (teardown removes it anyway). */
export async function releaseContent(sandbox: SandboxHandle): Promise<void> {
  for (const name of ['backup-content', 'canary-damaged-copy']) await fsp.rm(path.join(sandbox.workDir, name), { force: true });
}

/** Passes bytes through and fails at the end when their sha256 is not the expected one. */
class ChecksumVerifier extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly expected: { hex: string; from: string },
    private readonly onVerified: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual === this.expected.hex.toLowerCase()) {
      this.onVerified();
      return callback();
    }
    callback(
      backupRejected({
        name: 'checksum',
        observed: `sha256 ${actual} over ${this.bytes} bytes`,
        expected: `sha256 ${this.expected.hex} (${this.expected.from})`,
        message: `checksum mismatch: the backup's sha256 differs from the ${this.expected.from === 'sidecar' ? '.sha256 sidecar' : "source's object checksum"}, so the bytes changed after the backup job wrote them (corruption or a partial copy)`,
      }),
    );
  }
}
