/** Where a credential's secret bytes live. The vault row keeps whatever the backend returns. */
import type { VaultSecretRow } from '../../../db/schema/index.js';
import type { EnvelopeContext } from '../crypto.js';

export const VAULT_BACKENDS = ['local', 'aws'] as const;
export type VaultBackendName = (typeof VAULT_BACKENDS)[number];

/** The backend's columns of a vault row (the rest, null). */
export interface StoredSecret {
  ciphertext?: Buffer | null;
  iv?: Buffer | null;
  tag?: Buffer | null;
  wrappedKey?: Buffer | null;
  masterKeyId?: string | null;
  awsSecretArn?: string | null;
}

export interface VaultBackend {
  readonly name: VaultBackendName;
  /** Keeps `secret` for the credential `context` names; returns what its row must hold. */
  store(context: EnvelopeContext, secret: Buffer): Promise<StoredSecret>;
  /** The secret bytes of a row this backend stored. */
  read(row: VaultSecretRow): Promise<Buffer>;
  /** Deletes the secret wherever it lives outside the row (the caller deletes the row). */
  destroy(row: Pick<VaultSecretRow, 'name' | 'awsSecretArn'>): Promise<void>;
  /** Undoes a `store` whose row could not be written. */
  discard(stored: StoredSecret): Promise<void>;
}
