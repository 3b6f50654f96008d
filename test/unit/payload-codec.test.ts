import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeyRing } from '../../core/secret-keys.js';
import { EncryptionCodec } from '../../worker/payload-codec.js';

const key = () => randomBytes(32).toString('base64');
const ring = (env: NodeJS.ProcessEnv) => loadKeyRing('RESTORE_DRILL_PAYLOAD_KEY', 'RESTORE_DRILL_PREVIOUS_PAYLOAD_KEYS', path.join(os.tmpdir(), `never-${Date.now()}.key`), env);
const payload = (text: string) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(text) });

describe('payload encryption codec', () => {
  it('round-trips payloads and leaves no plaintext in the encoded bytes', async () => {
    const codec = new EncryptionCodec(ring({ RESTORE_DRILL_PAYLOAD_KEY: key() }));
    const [encoded] = await codec.encode([payload('{"credential":"backups-aws"}')]);
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('backups-aws');
    const [decoded] = await codec.decode([encoded!]);
    expect(Buffer.from(decoded!.data!).toString()).toBe('{"credential":"backups-aws"}');
    expect(Buffer.from(decoded!.metadata!.encoding!).toString()).toBe('json/plain');
  });

  it('decodes payloads written with a previous key after rotation, and names a key it does not have', async () => {
    const oldKey = key();
    const [old] = await new EncryptionCodec(ring({ RESTORE_DRILL_PAYLOAD_KEY: oldKey })).encode([payload('"before rotation"')]);
    const rotated = new EncryptionCodec(ring({ RESTORE_DRILL_PAYLOAD_KEY: key(), RESTORE_DRILL_PREVIOUS_PAYLOAD_KEYS: oldKey }));
    expect(Buffer.from((await rotated.decode([old!]))[0]!.data!).toString()).toBe('"before rotation"');
    const forgetful = new EncryptionCodec(ring({ RESTORE_DRILL_PAYLOAD_KEY: key() }));
    await expect(forgetful.decode([old!])).rejects.toThrow(/encrypted with key \w+, which is not among the configured payload keys .*RESTORE_DRILL_PREVIOUS_PAYLOAD_KEYS/);
  });

  it('refuses a modified ciphertext and passes unencrypted payloads through', async () => {
    const codec = new EncryptionCodec(ring({ RESTORE_DRILL_PAYLOAD_KEY: key() }));
    const [encoded] = await codec.encode([payload('"x"')]);
    const tampered = Buffer.from(encoded!.data!);
    tampered[20] = tampered[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data: tampered }])).rejects.toThrow(/unable to authenticate|auth/i);
    const plain = payload('"from the temporal CLI"');
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('rejects a key that is not 32 bytes of base64, without echoing it', () => {
    expect(() => ring({ RESTORE_DRILL_PAYLOAD_KEY: 'c2hvcnQ=' })).toThrow(/RESTORE_DRILL_PAYLOAD_KEY must hold 32 random bytes in base64 .*got 5 bytes/);
  });
});
