/**
 * The fetch half of "fetch → restore": turns the located backup into the content an engine
 * restores from, opening the source again on the sandbox's host, with the decryption key taken
 * from the vault only when the bytes turn out to be encrypted (and only then audited as used).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { CredentialResolver } from '../core/credentials.js';
import type { BackupRef, BackupSourceSpec, SandboxHandle } from '../core/drill.js';
import { hasTransformLayer, localContent, streamedContent, type BackupContent } from './backup-content.js';
import { backupRejected } from './failures.js';
import { readFirstBytes } from './streams.js';
import { redactCredential, resolveSourceCredential } from './sources/locate.js';
import { sourceFor } from './sources/registry.js';
import type { SourceObject } from './sources/source.js';
import type { DecodeKeys } from './transforms/decode.js';
import { detectLayer, DETECT_BYTES } from './transforms/detect.js';

export interface FetchRequest {
  drillId: string;
  backup: BackupRef;
  source: BackupSourceSpec;
  /** Vault name of the PGP key or age identity; used only if the backup is encrypted. */
  decryptWith: string | undefined;
  sandbox: SandboxHandle;
  credentials: CredentialResolver | undefined;
  signal: AbortSignal;
}

export async function fetchBackupContent(request: FetchRequest): Promise<BackupContent> {
  const { backup } = request;
  if (backup.path !== null) {
    const stat = await fsp.stat(backup.path);
    if (stat.isDirectory() || !(await hasTransformLayer(backup.path))) return localContent(backup.path, backup.sizeBytes, stat.isDirectory());
    const file = backup.path;
    // Hashed (and checked against its sidecar) at locate; here it is only decrypted/decompressed.
    return streamedFrom(request, () => fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), null);
  }

  const uri = request.source.kind === 'uri' ? request.source.uri : backup.uri;
  const credential = request.source.kind === 'uri' && request.source.credential ? await resolveSourceCredential(uri, request.source.credential, request) : undefined;
  const source = sourceFor(backup.uri);
  const object: SourceObject = {
    uri: backup.uri,
    sizeBytes: backup.sizeBytes,
    modifiedAt: backup.modifiedAt,
    sha256: backup.sha256 ? { hex: backup.sha256, from: backup.sha256From ?? 'object' } : null,
    ...(backup.sourceDetails ? { details: backup.sourceDetails } : {}),
  };
  const openRaw = () => {
    const raw = source.open(object, { credential, signal: request.signal });
    // Before any other listener: whatever wraps or quotes this error must see it without secrets.
    raw.prependListener('error', (err) => redactCredential(err, credential));
    return raw;
  };
  return streamedFrom(request, openRaw, backup.sha256 ? { hex: backup.sha256, from: backup.sha256From ?? 'object' } : null);
}

async function streamedFrom(request: FetchRequest, openRaw: () => Readable, expectedSha256: { hex: string; from: string } | null): Promise<BackupContent> {
  return streamedContent({
    uri: request.backup.uri,
    sizeBytes: request.backup.sizeBytes,
    openRaw,
    keys: await decryptionKeys(request, openRaw),
    expectedSha256,
    sandbox: request.sandbox,
    signal: request.signal,
  });
}

/** Reads the first bytes once to learn whether (and how) the backup is encrypted. */
async function decryptionKeys(request: FetchRequest, openRaw: () => Readable): Promise<DecodeKeys> {
  if (!request.decryptWith) return {};
  const layer = detectLayer(await readFirstBytes(openRaw(), DETECT_BYTES));
  if (layer?.kind !== 'age' && layer?.kind !== 'pgp') return {};
  if (!request.credentials) {
    throw backupRejected({ name: 'decrypt', observed: `${layer.kind}-encrypted`, expected: 'a vault to take the key from', message: `the backup is ${layer.kind === 'age' ? 'age' : 'OpenPGP'}-encrypted, but this worker has no vault configured to take "${request.decryptWith}" from` });
  }
  const use = { purpose: `decrypt ${request.backup.uri}`, drillId: request.drillId };
  return layer.kind === 'age' ? { age: await request.credentials.resolve(request.decryptWith, 'age-identity', use) } : { pgp: await request.credentials.resolve(request.decryptWith, 'pgp-key', use) };
}
