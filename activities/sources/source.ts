/**
 * Where backups live, behind one interface: resolve a URI (an exact object, or the newest object
 * under a prefix/directory matching a glob) to one object with its size, time and checksum, then
 * stream it. Sources never write to disk; the stream is decrypted and decompressed downstream.
 */
import type { Readable } from 'node:stream';
import type { Credential } from '../../core/credentials.js';

export interface SourceObject {
  /** Canonical URI of the chosen object (s3://bucket/key, sftp://user@host:port/path, https://…, file:///…). */
  uri: string;
  sizeBytes: number;
  modifiedAt: string;
  /** sha256 the source vouches for: an object checksum or a `<name>.sha256` sidecar next to it. */
  sha256: { hex: string; from: 'object' | 'sidecar' } | null;
  /** Source-specific bits `open` needs again (ETag for S3 resume, final URL after redirects…); no secrets. */
  details?: Record<string, string>;
}

export interface LocateRequest {
  uri: string;
  /** Glob on names under the URI's prefix/directory: the newest match (by modification time) wins. */
  latest?: string;
  credential?: Credential;
  signal: AbortSignal;
}

export interface OpenRequest {
  credential?: Credential;
  signal: AbortSignal;
}

export interface BackupSource {
  /** URI schemes this source serves ("s3", "sftp", "http", "https", "file"). */
  schemes: readonly string[];
  /**
   * Finds the object. A missing object, an empty prefix, a changed host key or refused
   * credentials throw `backupRejected` (check `present`, or `access` for credentials/host keys)
   * with a message that says which; network trouble throws a plain Error (retried).
   */
  locate(request: LocateRequest): Promise<SourceObject>;
  /**
   * Streams the object's bytes from the start. A connection dropped mid-way is resumed where it
   * stopped (byte ranges) a bounded number of times before the stream errors.
   */
  open(object: SourceObject, request: OpenRequest): Readable;
}
