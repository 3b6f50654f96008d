/**
 * Envelope encryption for the local backend, AES-256-GCM throughout: a fresh random data key per
 * secret encrypts the secret; the master key wraps the data key. Both use the row's identity as
 * additional authenticated data, so a ciphertext or wrapped key copied onto another row, or any
 * changed byte, fails authentication instead of decrypting to something else.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKey } from './master-keys.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface Envelope {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  /** iv ‖ encrypted data key ‖ tag */
  wrappedKey: Buffer;
  masterKeyId: string;
}

/** What the ciphertexts are bound to: the row's id, name and kind. */
export interface EnvelopeContext {
  id: string;
  name: string;
  kind: string;
}

export class AuthenticationFailed extends Error {
  constructor(readonly part: 'data key' | 'secret') {
    super(`GCM authentication of the ${part} failed`);
  }
}

export function seal(plaintext: Buffer, master: MasterKey, context: EnvelopeContext): Envelope {
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const { iv, ciphertext, tag } = gcmEncrypt(dataKey, plaintext, aad('secret', context));
    return { ciphertext, iv, tag, wrappedKey: wrapDataKey(dataKey, master, context), masterKeyId: master.id };
  } finally {
    dataKey.fill(0);
  }
}

export function open(envelope: Omit<Envelope, 'masterKeyId'>, master: MasterKey, context: EnvelopeContext): Buffer {
  const dataKey = unwrapDataKey(envelope.wrappedKey, master, context);
  try {
    return gcmDecrypt(dataKey, envelope.iv, envelope.ciphertext, envelope.tag, aad('secret', context), 'secret');
  } finally {
    dataKey.fill(0);
  }
}

/** The same data key under another master key: what master-key rotation does to each row. */
export function rewrap(wrappedKey: Buffer, from: MasterKey, to: MasterKey, context: EnvelopeContext): Buffer {
  const dataKey = unwrapDataKey(wrappedKey, from, context);
  try {
    return wrapDataKey(dataKey, to, context);
  } finally {
    dataKey.fill(0);
  }
}

function wrapDataKey(dataKey: Buffer, master: MasterKey, context: EnvelopeContext): Buffer {
  const { iv, ciphertext, tag } = gcmEncrypt(master.key, dataKey, aad('data key', context));
  return Buffer.concat([iv, ciphertext, tag]);
}

function unwrapDataKey(wrapped: Buffer, master: MasterKey, context: EnvelopeContext): Buffer {
  if (wrapped.length !== IV_BYTES + KEY_BYTES + TAG_BYTES) throw new AuthenticationFailed('data key');
  const iv = wrapped.subarray(0, IV_BYTES);
  const ciphertext = wrapped.subarray(IV_BYTES, IV_BYTES + KEY_BYTES);
  const tag = wrapped.subarray(IV_BYTES + KEY_BYTES);
  return gcmDecrypt(master.key, iv, ciphertext, tag, aad('data key', context), 'data key');
}

function aad(part: string, context: EnvelopeContext): Buffer {
  return Buffer.from(JSON.stringify(['restore-drill vault v1', part, context.id, context.name, context.kind]));
}

function gcmEncrypt(key: Buffer, plaintext: Buffer, additional: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additional);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

function gcmDecrypt(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, additional: Buffer, part: 'data key' | 'secret'): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new AuthenticationFailed(part);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additional);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    // Node's message ("Unsupported state or unable to authenticate data") says nothing useful.
    throw new AuthenticationFailed(part);
  }
}
