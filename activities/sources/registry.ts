/**
 * Sources by URI scheme. Adding a source: one module next to these, one line in SOURCES.
 */
import { invalidRequest } from '../failures.js';
import { fileBackupSource } from './file-source.js';
import { httpSource } from './http.js';
import { s3Source } from './s3.js';
import { sftpSource } from './sftp.js';
import type { BackupSource } from './source.js';

const SOURCES: readonly BackupSource[] = [fileBackupSource, s3Source, sftpSource, httpSource];

export const SUPPORTED_SCHEMES: readonly string[] = SOURCES.flatMap((source) => source.schemes);

/** The source serving `uri`; a bare absolute path is a file. */
export function sourceFor(uri: string): BackupSource {
  if (uri.startsWith('/')) return fileBackupSource;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  const source = scheme ? SOURCES.find((candidate) => candidate.schemes.includes(scheme)) : undefined;
  if (!source) {
    throw invalidRequest(`${scheme ? `unsupported backup source scheme "${scheme}:"` : `"${uri}" is not a backup URI`}: supported are ${SUPPORTED_SCHEMES.map((s) => `${s}://`).join(', ')} (or an absolute path)`);
  }
  return source;
}
