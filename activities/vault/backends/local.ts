/** The local backend: an AES-256-GCM envelope in the vault row, wrapped with the master key. */
import type { VaultSecretRow } from '../../../db/schema/index.js';
import { AuthenticationFailed, open, rewrap, seal, type EnvelopeContext } from '../crypto.js';
import { VaultError } from '../errors.js';
import { MASTER_KEY_ENV, noMasterKeyError, PREVIOUS_MASTER_KEYS_ENV, type MasterKey, type MasterKeyring } from '../master-keys.js';
import type { StoredSecret, VaultBackend } from './backend.js';

export interface LocalBackend extends VaultBackend {
  readonly name: 'local';
  /** The current master key's id, or undefined when none is configured. */
  currentKeyId(): string | undefined;
  /** The row's data key wrapped with the current master key instead (rotation). */
  rewrapped(row: VaultSecretRow): { wrappedKey: Buffer; masterKeyId: string };
}

export function localBackend(keys: MasterKeyring | undefined): LocalBackend {
  const ring = (): MasterKeyring => {
    if (!keys) throw noMasterKeyError();
    return keys;
  };
  const keyFor = (row: VaultSecretRow): MasterKey => {
    const { current, previous } = ring();
    const found = [current, ...previous].find((k) => k.id === row.masterKeyId);
    if (!found) {
      throw new VaultError(
        'unknown-master-key',
        `credential "${row.name}" was encrypted with master key ${row.masterKeyId}, which is not configured (current key: ${current.id}${previous.length ? `, previous: ${previous.map((k) => k.id).join(', ')}` : ''}): ` +
          `set ${MASTER_KEY_ENV} to that key, or list it in ${PREVIOUS_MASTER_KEYS_ENV}`,
      );
    }
    return found;
  };
  const context = (row: VaultSecretRow): EnvelopeContext => ({ id: row.id, name: row.name, kind: row.kind });
  const tampered = (row: VaultSecretRow, err: AuthenticationFailed) =>
    new VaultError(
      'tampered',
      `credential "${row.name}" cannot be decrypted: its ${err.part === 'data key' ? 'wrapped data key' : 'ciphertext'} fails AES-GCM authentication although master key ${row.masterKeyId} is configured, so the row was altered or copied from another row; remove it and add the credential again`,
    );
  const envelopeOf = (row: VaultSecretRow) => {
    if (!row.ciphertext || !row.iv || !row.tag || !row.wrappedKey || !row.masterKeyId) {
      throw new VaultError('tampered', `credential "${row.name}" is a local secret without its encrypted envelope: the row was altered; remove it and add the credential again`);
    }
    return { ciphertext: row.ciphertext, iv: row.iv, tag: row.tag, wrappedKey: row.wrappedKey };
  };

  return {
    name: 'local',
    currentKeyId: () => keys?.current.id,
    async store(ctx, secret): Promise<StoredSecret> {
      return seal(secret, ring().current, ctx);
    },
    async read(row) {
      const envelope = envelopeOf(row);
      const key = keyFor(row);
      try {
        return open(envelope, key, context(row));
      } catch (err) {
        if (err instanceof AuthenticationFailed) throw tampered(row, err);
        throw err;
      }
    },
    rewrapped(row) {
      const { wrappedKey } = envelopeOf(row);
      const current = ring().current;
      try {
        return { wrappedKey: rewrap(wrappedKey, keyFor(row), current, context(row)), masterKeyId: current.id };
      } catch (err) {
        if (err instanceof AuthenticationFailed) throw tampered(row, err);
        throw err;
      }
    },
    // The envelope lives only in the row: deleting the row is deleting the secret.
    async destroy() {},
    async discard() {},
  };
}
