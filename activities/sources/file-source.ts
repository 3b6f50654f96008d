/**
 * The file source behind the BackupSource interface: a thin adapter over `locateFileBackup`
 * (file.ts), which keeps serving the drill's locate step directly. `file:///abs/path` or a bare
 * absolute path; `latest` is the glob on names in that directory (or a trailing slash: any name).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FileSource } from '../../core/drill.js';
import { invalidRequest } from '../failures.js';
import { locateFileBackup } from './file.js';
import type { BackupSource, LocateRequest, OpenRequest, SourceObject } from './source.js';

function toPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch (err) {
      throw invalidRequest(`not a file URI: "${uri}" (${(err as Error).message})`);
    }
  }
  return uri;
}

/** A `file://` URI (or bare path) plus `latest`, as the file source's exact-path or newest-match spec. */
export function fileSpecOf(uri: string, latest: string | undefined): FileSource {
  const file = toPath(uri);
  const pickNewest = latest !== undefined || file.endsWith('/');
  return pickNewest ? { kind: 'file', path: file.replace(/(.)\/+$/, '$1'), pattern: latest ?? '*' } : { kind: 'file', path: file };
}

export const fileBackupSource: BackupSource = {
  schemes: ['file'],

  async locate(request: LocateRequest): Promise<SourceObject> {
    const options = { minSizeBytes: 1, requireChecksum: false, now: new Date(), signal: request.signal, onHashProgress: () => undefined };
    const { backup } = await locateFileBackup(fileSpecOf(request.uri, request.latest), options);
    return {
      uri: backup.uri,
      sizeBytes: backup.sizeBytes,
      modifiedAt: backup.modifiedAt,
      // The file source hashes the bytes itself; a matching sidecar is the stronger statement.
      sha256: backup.sha256 ? { hex: backup.sha256, from: backup.sidecarVerified ? 'sidecar' : 'object' } : null,
      details: { path: backup.path ?? fileURLToPath(backup.uri) },
    };
  },

  open(object: SourceObject, request: OpenRequest): Readable {
    const file = object.details?.path ?? toPath(object.uri);
    if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
      throw invalidRequest(`${path.basename(file)} is a dump directory: it is restored from its path, not streamed`);
    }
    return fs.createReadStream(file, { highWaterMark: 1024 * 1024, signal: request.signal });
  },
};
