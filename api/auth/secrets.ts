/**
 * Bearer secrets (session cookies, API tokens, the setup token): 256 random bits, of which only the
 * SHA-256 is stored. A fast hash is enough for secrets nobody chose, and it keeps a lookup per
 * request well under a millisecond.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface NewSecret {
  /** Shown once, never stored. */
  secret: string;
  hash: string;
  /** What may be shown later to tell secrets apart: "rdt_Xb3k…". */
  prefix: string;
}

export function newSecret(kind: 'rdt' | 'rds' | 'rdsetup'): NewSecret {
  const secret = `${kind}_${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashSecret(secret), prefix: `${secret.slice(0, kind.length + 7)}…` };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newId(kind: string): string {
  return `${kind}_${randomBytes(9).toString('base64url')}`;
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(hashSecret(a), 'hex');
  const right = Buffer.from(hashSecret(b), 'hex');
  return timingSafeEqual(left, right);
}
