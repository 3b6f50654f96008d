/**
 * What wraps a backup, from its first bytes, never from its name: encryption (age, OpenPGP) and
 * the compressions the engines do not read themselves (zstd, xz, bzip2). gzip is not a layer
 * here: the engines read gzip-wrapped dumps directly.
 */

export type LayerKind = 'age' | 'pgp' | 'zstd' | 'xz' | 'bzip2';

export interface DetectedLayer {
  kind: LayerKind;
  /** ASCII armor (age's PEM-like armor, OpenPGP's "-----BEGIN PGP MESSAGE-----"). */
  armored: boolean;
}

/** How many first bytes detection looks at (it works with fewer when the stream is shorter). */
export const DETECT_BYTES = 512;

const AGE_HEADER = Buffer.from('age-encryption.org/v1\n');
const AGE_ARMOR = '-----BEGIN AGE ENCRYPTED FILE-----';
const PGP_ARMOR = '-----BEGIN PGP MESSAGE-----';
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** "BZh", a block size digit 1-9, then the magic of a block (π) or of the end of stream (√π). */
const BZIP2_MAGIC = [0x42, 0x5a, 0x68];
const BZIP2_BLOCK = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const BZIP2_EOS = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/** The outermost layer of `head`, or undefined for anything else (a dump, gzip, unknown data). */
export function detectLayer(head: Uint8Array): DetectedLayer | undefined {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (startsWith(bytes, [...AGE_HEADER])) return { kind: 'age', armored: false };
  if (startsWith(bytes, ZSTD_MAGIC)) return { kind: 'zstd', armored: false };
  if (startsWith(bytes, XZ_MAGIC)) return { kind: 'xz', armored: false };
  if (isBzip2(bytes)) return { kind: 'bzip2', armored: false };
  if (isPgpEncryptedPacket(bytes)) return { kind: 'pgp', armored: false };
  // Armor may follow leading whitespace (both armors allow it); only ASCII text is looked at.
  const text = bytes.subarray(0, 128).toString('latin1').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith(AGE_ARMOR)) return { kind: 'age', armored: true };
  if (text.startsWith(PGP_ARMOR)) return { kind: 'pgp', armored: true };
  return undefined;
}

function isBzip2(bytes: Buffer): boolean {
  if (!startsWith(bytes, BZIP2_MAGIC)) return false;
  const level = bytes[3];
  if (level === undefined || level < 0x31 || level > 0x39) return false;
  const next = bytes.subarray(4, 10);
  // A head shorter than the block magic (a tiny, probably truncated file) still counts.
  if (next.length < 6) return BZIP2_BLOCK.slice(0, next.length).every((b, i) => next[i] === b) || BZIP2_EOS.slice(0, next.length).every((b, i) => next[i] === b);
  return startsWith(next, BZIP2_BLOCK) || startsWith(next, BZIP2_EOS);
}

/** Public-key algorithms a v3 PKESK packet may name (RFC 9580 §9.1). */
const PKESK_ALGORITHMS = new Set([1, 2, 16, 18, 20, 22, 25, 26]);

/**
 * Whether the bytes open with an OpenPGP encrypted message: its first packet is a public-key
 * (tag 1) or symmetric-key (tag 3) encrypted session key, in old or new packet format, with a
 * plausible length and a known version. The high bit alone would match much binary data.
 */
export function isPgpEncryptedPacket(bytes: Buffer): boolean {
  const first = bytes[0];
  if (first === undefined || (first & 0x80) === 0) return false;
  let tag: number;
  let length: number;
  let offset: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l0 = bytes[1];
    if (l0 === undefined) return false;
    if (l0 < 192) [length, offset] = [l0, 2];
    else if (l0 < 224) {
      const l1 = bytes[2];
      if (l1 === undefined) return false;
      [length, offset] = [((l0 - 192) << 8) + l1 + 192, 3];
    } else if (l0 === 255) {
      if (bytes.length < 6) return false;
      [length, offset] = [bytes.readUInt32BE(2), 6];
    } else return false; // partial body lengths are not allowed for session key packets
  } else {
    tag = (first >> 2) & 0x0f;
    const lengthType = first & 0x03;
    if (lengthType === 0 && bytes.length >= 2) [length, offset] = [bytes[1]!, 2];
    else if (lengthType === 1 && bytes.length >= 3) [length, offset] = [bytes.readUInt16BE(1), 3];
    else if (lengthType === 2 && bytes.length >= 5) [length, offset] = [bytes.readUInt32BE(1), 5];
    else return false;
  }
  const version = bytes[offset];
  if (version === undefined) return false;
  if (tag === 1) {
    if (length < 10 || length > 8192) return false;
    if (version === 6) return true;
    if (version !== 3) return false;
    const algorithm = bytes[offset + 9];
    return algorithm === undefined || PKESK_ALGORITHMS.has(algorithm);
  }
  if (tag === 3) return length >= 4 && length <= 1024 && (version === 4 || version === 5 || version === 6);
  return false;
}

function startsWith(buffer: Uint8Array, magic: number[]): boolean {
  return buffer.length >= magic.length && magic.every((byte, i) => buffer[i] === byte);
}
