/**
 * argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane): about 20-40 ms per check here,
 * which throttling turns into a few guesses per minute per account.
 */
import { hash, verify } from '@node-rs/argon2';

const ARGON2ID = 2;
const COST = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return hash(password, COST);
}

/** A hash of nothing anyone knows: unknown accounts cost a check too, so timing tells nobody which exist. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  decoy ??= hashPassword(`decoy-${Math.random()}`);
  const target = passwordHash ?? (await decoy);
  try {
    return (await verify(target, password)) && passwordHash !== null;
  } catch {
    return false;
  }
}

/** Why a password cannot be used, or undefined. Length is what matters (NIST SP 800-63B). */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}
