/**
 * age decryption (age-encryption.org/v1) with `age-encryption`, streaming: the header is read and
 * its file key unwrapped before this resolves, the payload is decrypted 64 KiB chunk by chunk as
 * the reader pulls. Armored files are un-armored on the fly.
 *
 * Every chunk is authenticated before it is emitted, but truncation shows only at the last chunk
 * (its "final" flag does not verify), so the stream's error can come after plaintext was already
 * emitted: a consumer must treat everything it read as void when the stream ends in an error.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { Decrypter, identityToRecipient } from 'age-encryption';
import type { Credential } from '../../core/credentials.js';
import { backupRejected } from '../failures.js';
import { relay, toWebStream } from './stream-util.js';

type AgeIdentity = Extract<Credential, { kind: 'age-identity' }>;

const NAME = 'decrypt';
/** Bytes of the (un-armored) file kept to explain a header failure: the recipient stanzas. */
const HEADER_KEEP = 4096;

export async function decryptAge(input: Readable, armored: boolean, credential: AgeIdentity | undefined): Promise<Readable> {
  if (!credential) {
    input.destroy();
    throw reject('no age identity configured', 'an age identity (--decrypt-with)', 'the backup is age-encrypted but the plan names no decryption identity (--decrypt-with)');
  }
  const identities = credential.identity
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('AGE-SECRET-KEY-'));
  const decrypter = new Decrypter();
  const recipients: string[] = [];
  try {
    if (identities.length === 0) throw new Error('no AGE-SECRET-KEY-1… line');
    for (const identity of identities) {
      decrypter.addIdentity(identity);
      recipients.push(await identityToRecipient(identity));
    }
  } catch {
    input.destroy();
    // Never quote the identity: it is the secret.
    throw reject('an unusable age identity', 'AGE-SECRET-KEY-1… lines', 'the configured age identity is not a valid AGE-SECRET-KEY-1… secret key');
  }

  const ciphertext = armored ? unArmor(input) : input;
  const tap = new InputTap();
  const source = toWebStream(ciphertext).pipeThrough(tap.transform());
  let plaintext: ReadableStream<Uint8Array>;
  try {
    plaintext = await decrypter.decrypt(source);
  } catch (err) {
    ciphertext.destroy();
    input.destroy();
    throw headerFailure(err as Error, tap, recipients);
  }
  const web = Readable.fromWeb(plaintext as import('node:stream/web').ReadableStream<Uint8Array>);
  return relay(web, (err) => payloadFailure(err, tap), () => {
    if (!ciphertext.destroyed) ciphertext.destroy();
    if (!input.destroyed) input.destroy();
  });
}

/** Watches the ciphertext going into the library: its first bytes, its size, whether it ended. */
class InputTap {
  head = Buffer.alloc(0);
  bytes = 0;
  ended = false;

  transform(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        if (this.head.length < HEADER_KEEP) this.head = Buffer.concat([this.head, Buffer.from(chunk.subarray(0, HEADER_KEEP - this.head.length))]);
        this.bytes += chunk.length;
        controller.enqueue(chunk);
      },
      flush: () => {
        this.ended = true;
      },
    });
  }

  /** The header's stanza types, e.g. ['X25519', 'X25519'] or ['scrypt']. */
  stanzaTypes(): string[] {
    const text = this.head.toString('latin1');
    const end = text.indexOf('\n--- ');
    return [...(end >= 0 ? text.slice(0, end) : text).matchAll(/^-> (\S+)/gm)].map((m) => m[1]!);
  }
}

function headerFailure(err: Error, tap: InputTap, recipients: string[]): Error {
  if ((err as { type?: string }).type) return err; // already a verdict (armor)
  const message = err.message ?? String(err);
  if (/no identity matched/i.test(message)) {
    const types = tap.stanzaTypes();
    if (types.includes('scrypt')) {
      return reject('a passphrase-encrypted (scrypt) age file', 'an age file encrypted to a recipient', 'the backup is age-encrypted with a passphrase (scrypt), which drills do not support: encrypt backups to an age recipient (age -r) instead');
    }
    const counted = types.length ? `${types.length} recipient(s): ${summarize(types)}` : 'its recipients';
    return reject(
      `encrypted to ${counted}`,
      `a file encrypted to ${recipients.join(', ')}`,
      `no identity matches any of the file's recipients: the backup is encrypted to ${counted}, and the configured identity is for ${recipients.join(', ')}`,
    );
  }
  if (/invalid header HMAC/i.test(message)) {
    return reject('an age header whose MAC does not verify', 'an intact age header', 'the age header was modified or damaged: its MAC does not verify');
  }
  if (tap.ended || /stream ended|invalid stanza|invalid version|invalid header/i.test(message)) {
    const truncated = tap.ended && !/invalid version|non-ASCII/i.test(message);
    return reject(
      `age header error after ${tap.bytes} byte(s): ${message}`,
      'a complete age header',
      truncated ? `the age file is truncated: it ends inside its header (${message})` : `the age header is malformed (${message})`,
    );
  }
  return err;
}

function payloadFailure(err: Error, tap: InputTap): Error {
  if ((err as { type?: string }).type) return err; // already a verdict (armor)
  const message = err.message ?? String(err);
  // Chunks decrypt as the reader pulls; a chunk failing while input is still coming is a chunk in
  // the middle. Only the last chunk fails after the input ended: a cut (or a damaged end).
  if (!tap.ended) {
    return reject(
      `payload chunk failed to authenticate after ${tap.bytes} byte(s) of input: ${message}`,
      'every payload chunk authenticates',
      `the age ciphertext was modified or damaged: a payload chunk does not authenticate (${message})`,
    );
  }
  return reject(
    `the final payload chunk failed to authenticate (input ${tap.bytes} byte(s)): ${message}`,
    'a final chunk marked as last',
    `the age file is truncated (or damaged near its end): its last chunk does not authenticate as the final one (${message})`,
  );
}

function summarize(types: string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n > 1 ? `${n}× ${type}` : type)).join(', ');
}

function reject(observed: string, expected: string, message: string) {
  return backupRejected({ name: NAME, observed, expected, message });
}

const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
/** A line longer than this is not age armor (its lines are at most 64 characters). */
const MAX_LINE = 1024;

/** Streaming decoder of age's ASCII armor: strict base64 lines of 64 characters between the markers. */
function unArmor(input: Readable): Readable {
  const decoder = new AgeArmorDecoder();
  input.on('error', (err) => decoder.destroy(err));
  decoder.on('close', () => {
    if (!input.destroyed) input.destroy();
  });
  return input.pipe(decoder);
}

class AgeArmorDecoder extends Transform {
  private pending = '';
  private state: 'before' | 'body' | 'after' = 'before';
  private lastLineShort = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending += chunk.toString('latin1');
    let newline: number;
    try {
      while ((newline = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, newline).replace(/\r$/, '');
        this.pending = this.pending.slice(newline + 1);
        this.line(line);
      }
      if (this.pending.length > MAX_LINE) throw armorError('a line longer than any age armor line');
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      // Without the END line a partial last line is the cut, not malformed armor.
      if (this.state !== 'before' && this.pending.trim() === ARMOR_END) this.line(ARMOR_END);
      else if (this.state === 'after' && this.pending.trim()) this.line(this.pending);
      if (this.state !== 'after') {
        throw backupRejected({
          name: NAME,
          observed: 'armored age file without its END line',
          expected: `an armored age file ending in ${ARMOR_END}`,
          message: `the armored age file is truncated: it has no "${ARMOR_END}" line`,
        });
      }
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  private line(line: string): void {
    if (this.state === 'before') {
      if (line.trim() === '') return;
      if (line.trim() !== ARMOR_BEGIN) throw armorError('no BEGIN line');
      this.state = 'body';
      return;
    }
    if (this.state === 'after') {
      if (line.trim() !== '') throw armorError('data after the END line');
      return;
    }
    if (line === ARMOR_END) {
      this.state = 'after';
      return;
    }
    if (this.lastLineShort) throw armorError('a short line before the end');
    if (line.length === 0 || line.length > 64 || line.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(line)) throw armorError('a line that is not 64-column base64');
    this.lastLineShort = line.length < 64;
    this.push(Buffer.from(line, 'base64'));
  }
}

function armorError(what: string) {
  return backupRejected({ name: NAME, observed: `age armor with ${what}`, expected: 'valid age armor', message: `the armored age file is malformed (${what})` });
}
