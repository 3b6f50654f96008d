/**
 * OpenPGP decryption (what `gpg --encrypt -r KEY` writes, binary or armored) with openpgp.js v6,
 * streaming: the session key is unwrapped before this resolves; the data is decrypted as the
 * reader pulls.
 *
 * Integrity: a SEIPDv1 message (what GnuPG 2.2 writes) carries one MDC over the whole plaintext,
 * checked only at its end. openpgp.js streams such messages only with
 * `allowUnauthenticatedStream: true`; with `false` it reads the whole message into memory first,
 * which a multi-gigabyte backup cannot afford. So plaintext is released before it is
 * authenticated, and a modified or truncated message ends the stream in an error (a
 * backupRejected 'decrypt' check) after data was emitted: a consumer must treat everything it
 * read as void when the stream ends in an error (a restore into a disposable sandbox does).
 * AEAD messages (SEIPDv2) are authenticated chunk by chunk and fail at the damaged chunk.
 *
 * Memory, known limit: GnuPG compresses the data inside the encryption by default (unless told
 * -z 0). openpgp.js inflates it with the platform's DecompressionStream, and Node 20's has no
 * backpressure: it reads all of its input and queues all of its output. Backpressure holds for
 * uncompressed packets (measured: flat memory); for compressed ones memory grows with the backup
 * (measured: 200 MB of ciphertext → ~300 MB RSS). Also, unlocking a gpg-exported key runs its
 * iterated S2K, which openpgp.js does on a buffer as large as the iteration count (~130 MB,
 * transient, with GnuPG's default count).
 */
import { Readable } from 'node:stream';
import * as openpgp from 'openpgp';
import type { Credential } from '../../core/credentials.js';
import { backupRejected } from '../failures.js';
import { relay, toWebStream } from './stream-util.js';

type PgpKey = Extract<Credential, { kind: 'pgp-key' }>;

const NAME = 'decrypt';
const WILDCARD_KEY_ID = '0000000000000000';

export async function decryptOpenPgp(input: Readable, armored: boolean, credential: PgpKey | undefined): Promise<Readable> {
  const release = () => {
    if (!input.destroyed) input.destroy();
  };
  if (!credential) {
    release();
    throw reject('no decryption key configured', 'an OpenPGP private key (--decrypt-with)', 'the backup is OpenPGP-encrypted but the plan names no decryption key (--decrypt-with)');
  }
  const tap = new InputTap();
  let message: openpgp.Message<ReadableStream<Uint8Array>> | openpgp.Message<ReadableStream<string>>;
  try {
    const bytes = toWebStream(input).pipeThrough(tap.transform());
    // `as never`: Node's and the DOM's stream typings (the web app type-checks this file too) disagree on TextDecoderStream.
    message = armored
      ? await openpgp.readMessage({ armoredMessage: bytes.pipeThrough(new TextDecoderStream() as never) as ReadableStream<string> })
      : await openpgp.readMessage({ binaryMessage: bytes });
  } catch (err) {
    release();
    throw streamFailure(err as Error, tap, 'read');
  }

  const messageKeyIds = message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase());
  if (messageKeyIds.length === 0) {
    release();
    const symmetric = message.packets.some((packet) => packet instanceof openpgp.SymEncryptedSessionKeyPacket);
    throw symmetric
      ? reject('a passphrase-encrypted (symmetric) OpenPGP message', 'a message encrypted to a public key', 'the backup is OpenPGP-encrypted with a passphrase only (gpg --symmetric), which drills do not support: encrypt backups to a key (gpg --encrypt -r KEY) instead')
      : reject('an OpenPGP message without session keys', 'an OpenPGP message encrypted to a public key', 'the OpenPGP message has no encrypted session key: it is not an encrypted backup that a key can open');
  }

  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey: credential.privateKey });
  } catch {
    release();
    // The key's own text never goes into a message.
    throw reject('an unreadable OpenPGP private key', 'an ASCII-armored OpenPGP private key', 'the configured OpenPGP key cannot be read: it is not an ASCII-armored private key (gpg --armor --export-secret-keys)');
  }
  const keyIds = privateKey.getKeyIDs().map((id) => id.toHex().toUpperCase());
  if (!messageKeyIds.includes(WILDCARD_KEY_ID) && !messageKeyIds.some((id) => keyIds.includes(id))) {
    release();
    throw reject(
      `encrypted to key ID(s) ${messageKeyIds.join(', ')}`,
      `a message encrypted to ${keyIds.join(', ')}`,
      `the backup is encrypted to OpenPGP key ID(s) ${messageKeyIds.join(', ')}, but the configured key is ${describeKey(keyIds)}: wrong decryption key`,
    );
  }
  if (!privateKey.isDecrypted()) {
    if (credential.passphrase === undefined) {
      release();
      throw reject('a passphrase-protected key without a passphrase', 'the key’s passphrase in the credential', `the configured OpenPGP key ${keyIds[0]} is passphrase-protected, but the credential has no passphrase`);
    }
    try {
      privateKey = await openpgp.decryptKey({ privateKey, passphrase: credential.passphrase });
    } catch (err) {
      release();
      const wrong = /incorrect key passphrase/i.test((err as Error).message);
      throw reject(
        wrong ? 'the passphrase does not unlock the key' : `the key cannot be unlocked: ${(err as Error).message}`,
        'the key’s passphrase',
        wrong ? `the passphrase of the configured OpenPGP key ${keyIds[0]} is wrong: the key cannot be unlocked` : `the configured OpenPGP key ${keyIds[0]} cannot be unlocked (${(err as Error).message})`,
      );
    }
  }

  let data: ReadableStream<Uint8Array>;
  try {
    const result = await openpgp.decrypt({
      message: message as openpgp.Message<ReadableStream<Uint8Array>>,
      decryptionKeys: privateKey,
      format: 'binary',
      // See the file comment: `false` buffers whole SEIPDv1 messages in memory.
      config: { allowUnauthenticatedStream: true },
    });
    // Signed-and-encrypted backups: signatures are not verified here (no verification keys), and
    // their pending verdicts must not become unhandled rejections.
    for (const signature of result.signatures) void signature.verified.catch(() => {});
    data = result.data as ReadableStream<Uint8Array>;
  } catch (err) {
    release();
    const text = (err as Error).message ?? String(err);
    if (/session key decryption failed/i.test(text)) {
      throw reject(
        `session key decryption failed (message to ${messageKeyIds.join(', ')})`,
        `a message encrypted to ${keyIds.join(', ')}`,
        `the configured key ${describeKey(keyIds)} cannot decrypt the session key the backup is encrypted with (key ID(s) ${messageKeyIds.join(', ')}): wrong decryption key`,
      );
    }
    throw streamFailure(err as Error, tap, 'decrypt');
  }
  const web = Readable.fromWeb(data as import('node:stream/web').ReadableStream<Uint8Array>);
  return relay(web, (err) => streamFailure(err, tap, 'stream'), release);
}

function describeKey(keyIds: string[]): string {
  const [primary, ...subkeys] = keyIds;
  return subkeys.length ? `${primary} (subkeys ${subkeys.join(', ')})` : `${primary}`;
}

/** Watches the ciphertext going into the library: its size and whether it ended. */
class InputTap {
  bytes = 0;
  ended = false;

  transform(): TransformStream<Uint8Array, Uint8Array> {
    return new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        this.bytes += chunk.length;
        controller.enqueue(chunk);
      },
      flush: () => {
        this.ended = true;
      },
    });
  }
}

function streamFailure(err: Error, tap: InputTap, phase: 'read' | 'decrypt' | 'stream'): Error {
  if ((err as { type?: string }).type) return err; // already a verdict
  const text = (err.message ?? String(err)).replace(/^Error decrypting message: /, '');
  const observed = `${text} (${phase}, after ${tap.bytes} byte(s) of ciphertext${tap.ended ? ', all of it' : ''})`;
  if (/modification detected|authentication tag|tag mismatch|integrity/i.test(text)) {
    return reject(observed, 'a message whose integrity check (MDC/AEAD) passes', `the OpenPGP message was modified or damaged: its integrity check failed (${text})`);
  }
  if (tap.ended && /unexpected end|end of (packet|stream|input)|truncat|too short|misformed armored|ended before/i.test(text)) {
    return reject(observed, 'a complete OpenPGP message', `the OpenPGP message is truncated: the ciphertext ends before the message does (${text})`);
  }
  // Decompression errors inside the message mean its data was changed, whenever they surface:
  // with read-ahead, a small file is often read to its end before the inflate error arrives.
  if (/invalid (distance|block|code|stored|literal)|incorrect (header|data)|unknown compression|inflat|decompress|corrupt/i.test(text)) {
    return reject(observed, 'an intact OpenPGP message', `the OpenPGP message was modified or damaged: its decrypted data does not decode (${text})`);
  }
  if (phase === 'read' && !tap.ended) {
    return reject(observed, 'a readable OpenPGP message', `the OpenPGP message is malformed (${text})`);
  }
  return tap.ended
    ? reject(observed, 'a complete, intact OpenPGP message', `the OpenPGP message is truncated or damaged near its end (${text})`)
    : reject(observed, 'an intact OpenPGP message', `the OpenPGP message was modified or damaged: its decrypted data does not decode (${text})`);
}

function reject(observed: string, expected: string, message: string) {
  return backupRejected({ name: NAME, observed, expected, message });
}
