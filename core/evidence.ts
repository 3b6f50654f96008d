/**
 * Signed drill evidence: one JSON document an auditor can keep, and check offline against the
 * system's public key. What is signed is the canonical JSON (keys sorted, no whitespace) of the
 * format, the key id and the evidence itself, so that re-indenting the file changes nothing and
 * changing any value, or claiming another key, breaks the signature.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const EVIDENCE_FORMAT = 'restore-drill-evidence/1';

export interface EvidenceDocument {
  issuedAt: string;
  /** The deployment that signed it (its public URL). */
  issuer: string;
  drill: { id: string; verdict: string; failedStep: string | null; reason: string | null; startedAt: string; finishedAt: string | null; durationMs: number | null; temporalWorkflowId: string };
  /** As the drill's start request said: anyone who may start workflows in Temporal can claim any of it. */
  startedBy: { trigger: string; by: string | null; schedule: string | null };
  /** `origin`: "stored" when the drill read the plan from storage itself; "request" when its starter gave it. */
  plan: { id: string | null; name: string | null; version: number | null; origin: 'stored' | 'request' | 'unknown'; snapshot: unknown };
  backup: { location: string; path: string | null; sizeBytes: number; modifiedAt: string; sha256: string | null; sha256Verified: string | null } | null;
  engines: { engine: string; format: string | null; producer: string | null; sandbox: string | null };
  checks: Array<{ name: string; level: string; passed: boolean; observed: string; expected: string; message: string }>;
  tables: Array<{ database: string; schema: string; name: string; rows: number }>;
  tableCount: number | null;
  totalRows: number | null;
  timings: Array<{ step: string; status: string; startedAt: string; finishedAt: string | null; durationMs: number | null; bytes: number | null }>;
}

export interface SignedEvidence {
  format: typeof EVIDENCE_FORMAT;
  evidence: EvidenceDocument;
  signature: { algorithm: 'Ed25519'; keyId: string; value: string };
}

/** JSON with object keys sorted at every depth and no insignificant whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('evidence cannot hold a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  throw new Error(`evidence cannot hold a ${typeof value}`);
}

/** A short, stable name of a public key: the first 16 hex digits of the sha256 of its SPKI DER. */
export function evidenceKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

function signedBytes(keyId: string, evidence: EvidenceDocument): Buffer {
  return Buffer.from(canonicalJson({ format: EVIDENCE_FORMAT, keyId, evidence }), 'utf8');
}

export function signEvidence(evidence: EvidenceDocument, privateKey: KeyObject): SignedEvidence {
  const keyId = evidenceKeyId(createPublicKey(privateKey));
  const value = sign(null, signedBytes(keyId, evidence), privateKey).toString('base64');
  return { format: EVIDENCE_FORMAT, evidence, signature: { algorithm: 'Ed25519', keyId, value } };
}

export type EvidenceCheck = { valid: true; evidence: EvidenceDocument; keyId: string } | { valid: false; problem: string };

/** Checks a signed evidence file's text against a trusted public key (PEM); never throws for bad input. */
export function verifyEvidence(text: string, publicKeyPem: string): EvidenceCheck {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(publicKeyPem);
  } catch {
    return { valid: false, problem: 'the public key is not a PEM public key' };
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') return { valid: false, problem: `the public key is ${publicKey.asymmetricKeyType ?? 'not an asymmetric key'}, not Ed25519` };
  let parsed: Partial<SignedEvidence>;
  try {
    parsed = JSON.parse(text) as Partial<SignedEvidence>;
  } catch {
    return { valid: false, problem: 'the file is not JSON' };
  }
  // What people read must be what was signed: a second "verdict" earlier in an object is shown
  // by some viewers and dropped by JSON.parse; unsigned fields beside the evidence say nothing signed.
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) return { valid: false, problem: `the file names "${duplicate.slice(0, 80)}" twice in one object: only one of them could be the signed value` };
  const extra = [...Object.keys(parsed ?? {}).filter((key) => !['format', 'evidence', 'signature'].includes(key)), ...Object.keys(parsed?.signature ?? {}).filter((key) => !['algorithm', 'keyId', 'value'].includes(key)).map((key) => `signature.${key}`)];
  if (extra.length > 0) return { valid: false, problem: `the file carries fields outside the signature (${extra.join(', ')})` };
  if (parsed?.format !== EVIDENCE_FORMAT) return { valid: false, problem: `the file is not Restore Drill evidence (format ${JSON.stringify(parsed?.format ?? null)}, expected "${EVIDENCE_FORMAT}")` };
  const signature = parsed.signature;
  if (!signature || signature.algorithm !== 'Ed25519' || typeof signature.value !== 'string' || typeof signature.keyId !== 'string') return { valid: false, problem: 'the file carries no Ed25519 signature' };
  if (typeof parsed.evidence !== 'object' || parsed.evidence === null) return { valid: false, problem: 'the file carries no evidence' };
  const trustedId = evidenceKeyId(publicKey);
  if (signature.keyId !== trustedId) return { valid: false, problem: `signed with key ${signature.keyId}, not with the trusted key ${trustedId}` };
  let bytes: Buffer;
  try {
    bytes = signedBytes(signature.keyId, parsed.evidence);
  } catch (err) {
    return { valid: false, problem: (err as Error).message };
  }
  if (!verify(null, bytes, publicKey, Buffer.from(signature.value, 'base64'))) return { valid: false, problem: 'the signature does not match the content: the file was changed after it was signed' };
  return { valid: true, evidence: parsed.evidence, keyId: trustedId };
}

/** The first object key that appears twice in one object of a JSON text (compared as decoded), or null. */
export function firstDuplicateKey(text: string): string | null {
  const objects: Array<Set<string> | null> = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '{') objects.push(new Set());
    else if (char === '[') objects.push(null);
    else if (char === '}' || char === ']') objects.pop();
    else if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const token = text.slice(i, end + 1);
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      const keys = objects.at(-1);
      if (keys && text[next] === ':') {
        const key = JSON.parse(token) as string;
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = end;
    }
  }
  return null;
}
