/**
 * The locate step for any source: the file source as before (exact path or newest glob match,
 * hashed here), every other source through its BackupSource, with the same level-1 checks.
 */
import type { Credential, CredentialKind, CredentialResolver } from '../../core/credentials.js';
import type { BackupRef, BackupSourceSpec, Check, DrillChecks } from '../../core/drill.js';
import { existenceChecks } from '../checks/existence.js';
import { backupRejected, invalidRequest } from '../failures.js';
import { locateFileBackup } from './file.js';
import { fileSpecOf } from './file-source.js';
import { sourceFor } from './registry.js';

/** Which vault kind opens which source. */
export const CREDENTIAL_KIND_BY_SCHEME: Record<string, CredentialKind> = { s3: 'aws', sftp: 'ssh-key', http: 'http', https: 'http' };

export interface LocateContext {
  drillId: string;
  checks: DrillChecks;
  credentials: CredentialResolver | undefined;
  signal: AbortSignal;
  onHashProgress: (bytesDone: number) => void;
}

export async function locateBackup(spec: BackupSourceSpec, context: LocateContext): Promise<{ backup: BackupRef; checks: Check[] }> {
  const fileOptions = {
    maxAgeSeconds: context.checks.maxAgeSeconds,
    minSizeBytes: context.checks.minSizeBytes,
    requireChecksum: context.checks.requireChecksum,
    now: new Date(),
    signal: context.signal,
    onHashProgress: context.onHashProgress,
  };
  if (spec.kind === 'file') return locateFileBackup(spec, fileOptions);
  // Local files keep their path on the BackupRef, so tools read them where they are.
  if (spec.uri.startsWith('file://')) return locateFileBackup(fileSpecOf(spec.uri, spec.latest), fileOptions);

  const source = sourceFor(spec.uri);
  const credential = spec.credential ? await resolveSourceCredential(spec.uri, spec.credential, context) : undefined;
  const object = await source.locate({ uri: spec.uri, latest: spec.latest, credential, signal: context.signal }).catch((err: unknown) => {
    throw redactCredential(err, credential);
  });
  const checks = existenceChecks({ where: object.uri, sizeBytes: object.sizeBytes, modifiedAt: new Date(object.modifiedAt) }, fileOptions);
  if (!object.sha256 && context.checks.requireChecksum) {
    throw backupRejected({ name: 'checksum', observed: 'no checksum at the source', expected: 'an object checksum or a .sha256 sidecar', message: `the plan requires a checksum, but ${object.uri} has neither an object checksum nor a .sha256 sidecar` });
  }
  const backup: BackupRef = {
    path: null,
    uri: object.uri,
    sizeBytes: object.sizeBytes,
    modifiedAt: object.modifiedAt,
    sha256: object.sha256?.hex ?? null,
    sidecarVerified: false,
    ...(object.sha256 ? { sha256From: object.sha256.from } : {}),
    ...(object.details ? { sourceDetails: object.details } : {}),
  };
  return { backup, checks };
}

export async function resolveSourceCredential(uri: string, name: string, context: { drillId: string; credentials: CredentialResolver | undefined }): Promise<Credential> {
  const scheme = /^([a-z0-9]+):/i.exec(uri)?.[1]?.toLowerCase() ?? '';
  const kind = CREDENTIAL_KIND_BY_SCHEME[scheme];
  if (!kind) throw invalidRequest(`${scheme}:// sources take no credential, but the plan names "${name}"`);
  if (!context.credentials) throw invalidRequest(`the plan names credential "${name}", but this worker has no vault configured`);
  return context.credentials.resolve(name, kind, { purpose: `open ${uri}`, drillId: context.drillId });
}

/** Non-secret fields: names, places and fingerprints that messages may show. */
const PUBLIC_FIELDS = new Set(['kind', 'username', 'region', 'roleArn', 'hostFingerprint', 'origins', 'buckets']);
/** Shorter values are not redacted: they would blank ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** The secret strings a credential holds, in the forms a library's message may quote them. */
function secretStrings(credential: Credential): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    for (const form of [value, value.trim(), ...value.split(/\r?\n/).map((line) => line.trim())]) if (form.length >= MIN_SECRET_LENGTH) found.add(form);
  };
  for (const [field, value] of Object.entries(credential)) {
    if (PUBLIC_FIELDS.has(field)) continue;
    if (typeof value === 'string') add(value);
    else if (value && typeof value === 'object') for (const v of Object.values(value as Record<string, unknown>)) if (typeof v === 'string') add(v);
  }
  if (credential.kind === 'http' && (credential.username !== undefined || credential.password !== undefined)) {
    add(Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`).toString('base64'));
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Blanks the credential's secrets in an error's message and stack, down its cause chain, in place
 * (so every listener of an emitted error sees the clean one). Sources never quote a credential on
 * purpose, but the libraries under them may (undici quotes an invalid header value, for one), and
 * whatever an error says ends up in Temporal's history and the worker's log.
 */
export function redactCredential<T>(err: T, credential: Credential | undefined): T {
  if (!credential) return err;
  const secrets = secretStrings(credential);
  if (secrets.length === 0) return err;
  const clean = (text: string) => secrets.reduce((t, secret) => t.split(secret).join('[redacted]'), text);
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e) && seen.size < 8; e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    try {
      if (typeof e.message === 'string') e.message = clean(e.message);
      if (typeof e.stack === 'string') e.stack = clean(e.stack);
    } catch {
      // A frozen or read-only error: nothing to rewrite.
    }
  }
  return err;
}
