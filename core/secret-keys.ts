/**
 * 256-bit keys read from the environment (base64 in a variable, or a file), with the ids stored
 * beside what they encrypt so that keys can rotate: the current key encrypts, previous keys still
 * decrypt. On a developer machine with nothing configured, a key is generated once into the data
 * dir (mode 0600) so that `npm start` works; production sets the variables.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface KeyRing {
  current: { id: string; key: Buffer };
  /** Every usable key by id, the current one included. */
  byId: Map<string, Buffer>;
  /** Where the current key came from, for messages ("RESTORE_DRILL_PAYLOAD_KEY", a file path…). */
  origin: string;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

function decodeKey(text: string, origin: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${origin} must hold 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  return key;
}

/**
 * Reads `<NAME>` / `<NAME>_FILE` (the current key) and `RESTORE_DRILL_PREVIOUS_<…>S` (older keys,
 * comma-separated base64), the same convention as the vault's master keys. With neither current
 * variable set, uses (or creates) `devKeyFile`.
 */
export function loadKeyRing(prefix: string, previousVariable: string, devKeyFile: string, env: NodeJS.ProcessEnv = process.env): KeyRing {
  let current: Buffer;
  let origin: string;
  if (env[prefix]) {
    current = decodeKey(env[prefix]!, prefix);
    origin = prefix;
  } else if (env[`${prefix}_FILE`]) {
    const file = env[`${prefix}_FILE`]!;
    current = decodeKey(fs.readFileSync(file, 'utf8'), `${prefix}_FILE (${file})`);
    origin = file;
  } else {
    current = developmentKey(devKeyFile);
    origin = devKeyFile;
  }
  const previous = (env[previousVariable] ?? '').split(/[,\s]+/).filter(Boolean).map((text) => decodeKey(text, previousVariable));
  const byId = new Map<string, Buffer>();
  for (const key of [current, ...previous]) byId.set(keyId(key), key);
  return { current: { id: keyId(current), key: current }, byId, origin };
}

function developmentKey(file: string): Buffer {
  return decodeKey(readOrCreateSecretFile(file, () => randomBytes(32).toString('base64')).text, file);
}

/**
 * A development secret kept in a file (mode 0600), generated on first use. Two processes starting
 * together must not each write a different secret: the file is created exclusively, and the loser
 * reads the winner's.
 */
export function readOrCreateSecretFile(file: string, generate: () => string): { text: string; created: boolean } {
  if (fs.existsSync(file)) return { text: fs.readFileSync(file, 'utf8'), created: false };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { text: fs.readFileSync(file, 'utf8'), created: false };
  }
  return { text: fs.readFileSync(file, 'utf8'), created: true };
}

/** A shared-secret token from `envVar`, or (development) one generated once into `devFile`. */
export function loadToken(envVar: string, devFile: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[envVar]?.trim();
  if (configured) {
    if (configured.length < 16) throw new Error(`${envVar} is too short to be a secret: use at least 16 characters (e.g. \`openssl rand -hex 24\`)`);
    return configured;
  }
  return readOrCreateSecretFile(devFile, () => randomBytes(24).toString('hex')).text.trim();
}
