/** The vault's public surface, for the worker, the API and the CLI. */
export { createVault, CREDENTIAL_NAME, type AddCredential, type RotationResult, type Vault, type VaultEntry, type VaultOptions } from './vault.js';
export { loadMasterKeys, keyringOf, generateMasterKeyBase64, noMasterKeyError, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, PREVIOUS_MASTER_KEYS_ENV, type MasterKeyring } from './master-keys.js';
export { loadAwsVaultConfig, AWS_SECRET_PREFIX_ENV, AWS_RECOVERY_DAYS_ENV, type AwsVaultConfig } from './backends/aws.js';
export { VAULT_BACKENDS, type VaultBackendName } from './backends/backend.js';
export { VaultError, type VaultErrorCode } from './errors.js';
