/**
 * Every failure the vault reports on purpose. Messages name the credential, the setting to change
 * and what went wrong; they never carry secret bytes (material, keys, plaintext or ciphertext).
 */
export type VaultErrorCode =
  | 'no-master-key'
  | 'bad-master-key'
  | 'unknown-master-key'
  | 'tampered'
  | 'not-found'
  | 'wrong-kind'
  | 'exists'
  | 'invalid-name'
  | 'invalid-material'
  | 'aws'
  | 'aws-credentials';

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
