/**
 * Encrypts every Temporal payload (workflow inputs and results, activity arguments, signals,
 * queries, failure details) with AES-256-GCM before it leaves the process, so Temporal's history
 * holds ciphertext only. The key id travels in the payload's metadata, so keys rotate: the
 * current key encrypts, previous keys still decrypt old histories. Payloads that arrive
 * unencrypted (e.g. a drill started with the `temporal` CLI) pass through.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { loadConfig } from '../core/config.js';
import { loadKeyRing, type KeyRing } from '../core/secret-keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PayloadMessage = proto.temporal.api.common.v1.Payload;

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const { id, key } = this.keys.current;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plaintext = PayloadMessage.encode(payload).finish();
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return {
        metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(id) },
        data: Buffer.concat([iv, ciphertext, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding ? decoder.decode(payload.metadata.encoding) : undefined;
      if (encoding !== ENCRYPTED_ENCODING) return payload;
      const id = payload.metadata?.[KEY_ID_METADATA] ? decoder.decode(payload.metadata[KEY_ID_METADATA]) : '(none)';
      const key = this.keys.byId.get(id);
      if (!key) throw new Error(`payload encrypted with key ${id}, which is not among the configured payload keys (${[...this.keys.byId.keys()].join(', ')}): set RESTORE_DRILL_PREVIOUS_PAYLOAD_KEYS`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      // Shorter than IV + tag: truncated or not ours. Checked here, or GCM would accept a short tag.
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`payload encrypted with key ${id} is truncated: ${data.length} byte(s), fewer than the ${IV_BYTES + TAG_BYTES} of its IV and authentication tag`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return PayloadMessage.decode(plaintext) as Payload;
    });
  }
}

/** The codec every Temporal client and worker of this deployment uses. */
export function loadPayloadCodec(env: NodeJS.ProcessEnv = process.env): EncryptionCodec {
  return new EncryptionCodec(loadKeyRing('RESTORE_DRILL_PAYLOAD_KEY', 'RESTORE_DRILL_PREVIOUS_PAYLOAD_KEYS', path.join(loadConfig(env).dataDir, 'payload.key'), env));
}

/** `dataConverter` option for Client and Worker. */
export function drillDataConverter(env: NodeJS.ProcessEnv = process.env) {
  return { payloadCodecs: [loadPayloadCodec(env)] };
}
