/**
 * The vault's master keys: the current one wraps every new data key (and every data key
 * `rotateMasterKey` re-wraps); previous ones only unwrap rows not yet rotated. Each is known by a
 * short hash, its key id, stored beside every row it wrapped.
 *
 *   RESTORE_DRILL_MASTER_KEY            base64 of 32 random bytes (`openssl rand -base64 32`)
 *   RESTORE_DRILL_MASTER_KEY_FILE       a file holding that base64 (when the variable is unset)
 *   RESTORE_DRILL_PREVIOUS_MASTER_KEYS  comma-separated base64 keys, or a path to a file of them
 *                                        (one per line or comma-separated): readable, never written
 *
 * Development default: with neither of the first two set, `loadMasterKeys` (when allowed to)
 * uses `<data dir>/master.key`, generating it (mode 0600) on first use and saying so on stderr.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readOrCreateSecretFile } from '../../core/secret-keys.js';
import { VaultError } from './errors.js';

export const MASTER_KEY_ENV = 'RESTORE_DRILL_MASTER_KEY';
export const MASTER_KEY_FILE_ENV = 'RESTORE_DRILL_MASTER_KEY_FILE';
export const PREVIOUS_MASTER_KEYS_ENV = 'RESTORE_DRILL_PREVIOUS_MASTER_KEYS';

export interface MasterKey {
  /** 16 hex digits of SHA-256 over a label and the key: names the key, reveals nothing of it. */
  id: string;
  key: Buffer;
}

export interface MasterKeyring {
  current: MasterKey;
  previous: MasterKey[];
  /** Where the current key came from, for messages ("RESTORE_DRILL_MASTER_KEY", a file path…). */
  origin: string;
}

export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('restore-drill vault master key id\0').update(key).digest('hex').slice(0, 16);
}

export function masterKey(base64: string, origin: string): MasterKey {
  const text = base64.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    // Deliberately not echoing the value: it may be a real key pasted in the wrong form.
    throw new VaultError('bad-master-key', `${origin} must be the base64 encoding of exactly 32 bytes (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} byte(s)`);
  }
  return { id: masterKeyId(key), key };
}

/** A fresh master key in its stored form (base64), e.g. for `RESTORE_DRILL_MASTER_KEY`. */
export function generateMasterKeyBase64(): string {
  return randomBytes(32).toString('base64');
}

/** Builds a keyring from explicit keys (tests, the worker): the first is current. */
export function keyringOf(current: string, previous: string[] = [], origin = 'the given master key'): MasterKeyring {
  const cur = masterKey(current, origin);
  return { current: cur, previous: dedupe(cur, previous.map((p, i) => masterKey(p, `previous master key #${i + 1}`))), origin };
}

export interface LoadMasterKeysOptions {
  /** Where the development key lives; undefined disables the development default. */
  devKeyFile?: string;
  /** Told once when a development key is generated (default: stderr). */
  notice?: (message: string) => void;
}

/**
 * The configured keyring, or undefined when no master key is configured and no development key
 * file is allowed (callers then fail with `noMasterKeyError()` on first use of a local secret).
 */
export function loadMasterKeys(env: NodeJS.ProcessEnv = process.env, options: LoadMasterKeysOptions = {}): MasterKeyring | undefined {
  let current: MasterKey | undefined;
  let origin: string;
  if (env[MASTER_KEY_ENV]) {
    origin = MASTER_KEY_ENV;
    current = masterKey(env[MASTER_KEY_ENV], origin);
  } else if (env[MASTER_KEY_FILE_ENV]) {
    const file = path.resolve(env[MASTER_KEY_FILE_ENV]);
    origin = `${MASTER_KEY_FILE_ENV} (${file})`;
    current = masterKey(readKeyFile(file, MASTER_KEY_FILE_ENV), origin);
  } else if (options.devKeyFile) {
    origin = `the development key file ${options.devKeyFile}`;
    current = masterKey(devKey(options.devKeyFile, options.notice ?? ((m) => process.stderr.write(`${m}\n`))), origin);
  } else {
    return undefined;
  }
  return { current, previous: dedupe(current, previousKeys(env)), origin };
}

export function noMasterKeyError(): VaultError {
  return new VaultError(
    'no-master-key',
    `no vault master key is configured: set ${MASTER_KEY_ENV} to the base64 of 32 random bytes (\`openssl rand -base64 32\`), or ${MASTER_KEY_FILE_ENV} to a file holding it`,
  );
}

function previousKeys(env: NodeJS.ProcessEnv): MasterKey[] {
  const value = env[PREVIOUS_MASTER_KEYS_ENV]?.trim();
  if (!value) return [];
  // A 32-byte key is 44 base64 characters ending in "="; anything else is the path of a file of keys.
  const isKeyList = value.split(',').every((part) => /^[A-Za-z0-9+/]{43}=$/.test(part.trim()));
  const text = isKeyList ? value : readKeyFile(path.resolve(value), PREVIOUS_MASTER_KEYS_ENV);
  return text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter(Boolean)
    .map((part, i) => masterKey(part, `${PREVIOUS_MASTER_KEYS_ENV} entry #${i + 1}`));
}

function readKeyFile(file: string, variable: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new VaultError('bad-master-key', `${variable}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function devKey(file: string, notice: (message: string) => void): string {
  let secret: { text: string; created: boolean };
  try {
    secret = readOrCreateSecretFile(file, generateMasterKeyBase64);
  } catch (err) {
    throw new VaultError('bad-master-key', `the development master key: cannot read or create ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!secret.created) return secret.text;
  notice(
    `vault: no ${MASTER_KEY_ENV} set, so a development master key was generated in ${file} (mode 0600). ` +
      `Keep it with the database: without it the vault's local secrets cannot be read. In production set ${MASTER_KEY_ENV}.`,
  );
  return secret.text;
}

function dedupe(current: MasterKey, previous: MasterKey[]): MasterKey[] {
  const seen = new Set([current.id]);
  return previous.filter((k) => (seen.has(k.id) ? false : (seen.add(k.id), true)));
}
