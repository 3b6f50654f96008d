import { describe, expect, it } from 'vitest';
import { detectLayer, isPgpEncryptedPacket } from '../../activities/transforms/detect.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('detectLayer', () => {
  it('age, binary and armored (leading whitespace allowed)', () => {
    expect(detectLayer(Buffer.from('age-encryption.org/v1\n-> X25519 abc\n'))).toEqual({ kind: 'age', armored: false });
    expect(detectLayer(Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n'))).toEqual({ kind: 'age', armored: true });
    expect(detectLayer(Buffer.from('\r\n  -----BEGIN AGE ENCRYPTED FILE-----\n'))).toEqual({ kind: 'age', armored: true });
    expect(detectLayer(Buffer.from('age-encryption.org/v2\n'))).toBeUndefined();
  });

  it('OpenPGP armored', () => {
    expect(detectLayer(Buffer.from('-----BEGIN PGP MESSAGE-----\n\nhQEMA...'))).toEqual({ kind: 'pgp', armored: true });
    expect(detectLayer(Buffer.from('-----BEGIN PGP SIGNATURE-----\n'))).toBeUndefined();
    expect(detectLayer(Buffer.from('-----BEGIN PGP PUBLIC KEY BLOCK-----\n'))).toBeUndefined();
  });

  it('OpenPGP binary: PKESK and SKESK packets, old and new format', () => {
    // What gpg 2.2 writes: old format, tag 1, two-octet length, v3, key ID, RSA.
    expect(detectLayer(bytes(0x85, 0x01, 0x8c, 0x03, 0x1f, 0xe8, 0x4f, 0xf2, 0x31, 0x35, 0x4e, 0x41, 0x01, 0x0c))).toEqual({ kind: 'pgp', armored: false });
    // Old format, one-octet length, v3, ECDH (18).
    expect(detectLayer(bytes(0x84, 0x5e, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0x12, 0x01))).toEqual({ kind: 'pgp', armored: false });
    // New format PKESK v6; new format SKESK v4 (gpg --symmetric); old format SKESK.
    expect(detectLayer(bytes(0xc1, 0x40, 0x06, 0x21))).toEqual({ kind: 'pgp', armored: false });
    expect(detectLayer(bytes(0xc3, 0x0d, 0x04, 0x09, 0x03, 0x08))).toEqual({ kind: 'pgp', armored: false });
    expect(detectLayer(bytes(0x8c, 0x0d, 0x04, 0x09, 0x03, 0x08))).toEqual({ kind: 'pgp', armored: false });
  });

  it('high-bit bytes that are not an encrypted OpenPGP message', () => {
    expect(isPgpEncryptedPacket(bytes(0x85, 0x01, 0x8c, 0x07))).toBe(false); // PKESK with an unknown version
    expect(isPgpEncryptedPacket(bytes(0x84, 0x5e, 0x03, 1, 2, 3, 4, 5, 6, 7, 8, 0x63))).toBe(false); // unknown algorithm
    expect(isPgpEncryptedPacket(bytes(0x84, 0x02, 0x03))).toBe(false); // too short for a PKESK
    expect(isPgpEncryptedPacket(bytes(0xa3, 0x01, 0x78))).toBe(false); // compressed data packet (signed/compressed, not encrypted)
    expect(isPgpEncryptedPacket(bytes(0xcb, 0x10, 0x62))).toBe(false); // literal data packet
    expect(isPgpEncryptedPacket(bytes(0x87, 0x00))).toBe(false); // indeterminate length
    expect(isPgpEncryptedPacket(bytes(0xc1, 0xe5, 0x03))).toBe(false); // partial length: not allowed here
    expect(detectLayer(bytes(0x6d, 0xe2, 0x99, 0x81))).toBeUndefined(); // mongodump archive
    expect(detectLayer(bytes(0x85))).toBeUndefined();
  });

  it('zstd, xz and bzip2 by magic', () => {
    expect(detectLayer(bytes(0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00))).toEqual({ kind: 'zstd', armored: false });
    expect(detectLayer(bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04))).toEqual({ kind: 'xz', armored: false });
    expect(detectLayer(bytes(0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59))).toEqual({ kind: 'bzip2', armored: false });
    // An empty bzip2 file: end-of-stream magic right after the header.
    expect(detectLayer(bytes(0x42, 0x5a, 0x68, 0x39, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90))).toEqual({ kind: 'bzip2', armored: false });
    expect(detectLayer(bytes(0x28, 0xb5, 0x2f))).toBeUndefined(); // too short to tell
    expect(detectLayer(bytes(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x01))).toBeUndefined();
  });

  it('"BZh" text is not bzip2', () => {
    expect(detectLayer(Buffer.from('BZh is how bzip2 files start'))).toBeUndefined();
    expect(detectLayer(Buffer.from('BZh9 but then text follows'))).toBeUndefined();
  });

  it('leaves gzip, dumps and everything else alone', () => {
    expect(detectLayer(bytes(0x1f, 0x8b, 0x08, 0x00))).toBeUndefined();
    expect(detectLayer(Buffer.from('PGDMP\x01\x0f\x00'))).toBeUndefined();
    expect(detectLayer(Buffer.from('--\n-- PostgreSQL database dump\n--\n'))).toBeUndefined();
    expect(detectLayer(Buffer.from('<!DOCTYPE html>'))).toBeUndefined();
    expect(detectLayer(Buffer.alloc(0))).toBeUndefined();
  });
});
