/**
 * The vault: credentials added once, listed by metadata only, resolved by name for drills (each
 * read audited), removed for real. Secrets are kept by a backend chosen per credential: `local`
 * (an AES-256-GCM envelope in the history database, see crypto.ts) or `aws` (Secrets Manager).
 *
 *   const vault = createVault({ db, keys: loadMasterKeys(), actor: 'worker:host-1' });
 *   const key = await vault.resolve('backup-host', 'ssh-key', { purpose: 'fetch', drillId });
 */
import { randomUUID } from 'node:crypto';
import { CREDENTIAL_KINDS, type Credential, type CredentialKind, type CredentialResolver, type CredentialUse } from '../../core/credentials.js';
import type { HistoryDb } from '../../db/client.js';
import type { VaultSecretRow } from '../../db/schema/index.js';
import { awsBackend, loadAwsVaultConfig, type AwsVaultConfig } from './backends/aws.js';
import { VAULT_BACKENDS, type VaultBackend, type VaultBackendName } from './backends/backend.js';
import { localBackend } from './backends/local.js';
import { VaultError } from './errors.js';
import { noMasterKeyError, type MasterKeyring } from './master-keys.js';
import { parseMaterial, validateCredential, type MaterialOptions } from './material.js';
import { vaultStore } from './store.js';

export const CREDENTIAL_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export interface VaultOptions {
  db: HistoryDb;
  /** Master keys of the local backend; undefined: local secrets fail with "no master key configured". */
  keys: MasterKeyring | undefined;
  /** The AWS backend's settings; default: from the environment (loadAwsVaultConfig). */
  aws?: AwsVaultConfig;
  /** Who acts, for the audit log: "cli:<os user>", "worker:<host>"… */
  actor: string;
}

export interface AddCredential extends MaterialOptions {
  name: string;
  kind: CredentialKind;
  /** The file's text as `vault add --from-file` reads it, or a Credential object. */
  material: string | Credential;
  backend?: VaultBackendName;
  /** Who adds it, for the audit log, when not the vault's own actor (the API's signed-in manager). */
  actor?: string;
}

/** What the vault shows of a credential. Never any material. */
export interface VaultEntry {
  name: string;
  kind: CredentialKind;
  backend: VaultBackendName;
  fingerprint: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface RotationResult {
  /** The master key every local row is now wrapped with. */
  currentKeyId: string;
  rewrapped: number;
  /** Rows that could not be re-wrapped (their key is not configured, or they were altered). */
  failed: Array<{ name: string; message: string }>;
}

export interface Vault extends CredentialResolver {
  add(request: AddCredential): Promise<VaultEntry>;
  list(): Promise<VaultEntry[]>;
  /** `actor`: who removes it, for the audit log, when not the vault's own actor. */
  remove(name: string, options?: { actor?: string }): Promise<VaultEntry>;
  rotateMasterKey(options?: { batchSize?: number }): Promise<RotationResult>;
  auditLog(options?: { name?: string; limit?: number }): ReturnType<ReturnType<typeof vaultStore>['auditLog']>;
}

export function createVault(options: VaultOptions): Vault {
  const store = vaultStore(options.db);
  const local = localBackend(options.keys);
  let aws: VaultBackend | undefined;
  const backendOf = (name: string): VaultBackend => {
    if (name === 'local') return local;
    if (name === 'aws') return (aws ??= awsBackend(options.aws ?? loadAwsVaultConfig()));
    throw new VaultError('tampered', `unknown vault backend "${name}"`);
  };
  const entryOf = (row: Pick<VaultSecretRow, 'name' | 'kind' | 'backend' | 'fingerprint' | 'createdAt' | 'lastUsedAt'>): VaultEntry => ({
    name: row.name,
    kind: row.kind as CredentialKind,
    backend: row.backend as VaultBackendName,
    fingerprint: row.fingerprint,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  });
  const mustExist = async (name: string): Promise<VaultSecretRow> => {
    const row = await store.byName(name);
    if (!row) throw new VaultError('not-found', `no credential named "${name}" in the vault`);
    return row;
  };

  return {
    async add(request) {
      const backendName = request.backend ?? 'local';
      if (!CREDENTIAL_NAME.test(request.name)) {
        throw new VaultError('invalid-name', `credential name "${request.name.slice(0, 140)}" is not allowed: use lower-case letters, digits, ".", "_" and "-", starting with a letter or digit (at most 128 characters)`);
      }
      if (!(CREDENTIAL_KINDS as readonly string[]).includes(request.kind)) throw new VaultError('invalid-material', `unknown credential kind "${request.kind}": one of ${CREDENTIAL_KINDS.join(', ')}`);
      if (!(VAULT_BACKENDS as readonly string[]).includes(backendName)) throw new VaultError('invalid-material', `unknown vault backend "${backendName}": local or aws`);
      if (typeof request.material !== 'string' && request.material.kind !== request.kind) {
        throw new VaultError('invalid-material', `the material is a ${request.material.kind}, not a ${request.kind}`);
      }
      const parsed =
        typeof request.material === 'string'
          ? await parseMaterial(request.kind, request.material, { passphrase: request.passphrase, hostFingerprint: request.hostFingerprint })
          : await validateCredential(request.material);
      const exists = () => new VaultError('exists', `a credential named "${request.name}" already exists in the vault: remove it first with \`drill vault rm ${request.name}\``);
      if (await store.byName(request.name)) throw exists();

      const backend = backendOf(backendName);
      const id = randomUUID();
      const stored = await backend.store({ id, name: request.name, kind: request.kind }, Buffer.from(JSON.stringify(parsed.credential), 'utf8'));
      let inserted = false;
      try {
        inserted = await store.insert(
          { id, name: request.name, kind: request.kind, backend: backendName, fingerprint: parsed.fingerprint, ...stored },
          { actor: request.actor ?? options.actor, action: 'create', credentialName: request.name, kind: request.kind, purpose: `added to the ${backendName} backend` },
        );
      } finally {
        if (!inserted) await backend.discard(stored);
      }
      if (!inserted) throw exists();
      return entryOf((await store.byName(request.name))!);
    },

    async list() {
      return (await store.list()).map(entryOf);
    },

    async remove(name, removal = {}) {
      const row = await mustExist(name);
      // The backend first: a secret that could not be deleted stays listed, so it can be retried.
      await backendOf(row.backend).destroy(row);
      await store.delete(row.id, { actor: removal.actor ?? options.actor, action: 'delete', credentialName: row.name, kind: row.kind, purpose: row.backend === 'aws' ? `deleted from AWS Secrets Manager (${row.awsSecretArn})` : 'ciphertext deleted' });
      return entryOf(row);
    },

    async resolve<K extends CredentialKind>(name: string, kind: K, use: CredentialUse): Promise<Extract<Credential, { kind: K }>> {
      const row = await mustExist(name);
      if (row.kind !== kind) throw new VaultError('wrong-kind', `credential "${name}" is ${article(row.kind)} ${row.kind}, not ${article(kind)} ${kind}`);
      const bytes = await backendOf(row.backend).read(row);
      let credential: Credential;
      try {
        credential = JSON.parse(bytes.toString('utf8')) as Credential;
      } catch {
        throw new VaultError('tampered', `credential "${name}" decrypted to something that is not a credential`);
      } finally {
        bytes.fill(0);
      }
      if (credential.kind !== kind) throw new VaultError('tampered', `credential "${name}" holds ${article(credential.kind)} ${credential.kind} although its row says ${kind}`);
      await store.recordUse(row.id, { actor: use.actor ?? options.actor, action: 'use', credentialName: name, kind, drillId: use.drillId ?? null, purpose: use.purpose });
      return credential as Extract<Credential, { kind: K }>;
    },

    async rotateMasterKey({ batchSize = 20 } = {}) {
      const currentKeyId = local.currentKeyId();
      if (!currentKeyId) throw noMasterKeyError();
      const current = currentKeyId;
      const failed: RotationResult['failed'] = [];
      const skip: string[] = [];
      let rewrapped = 0;
      for (;;) {
        const ids = await store.staleLocalIds(current, batchSize, skip);
        if (ids.length === 0) break;
        const result = await store.rewrapBatch(
          ids,
          current,
          (row) => {
            try {
              return local.rewrapped(row);
            } catch (err) {
              return err as Error;
            }
          },
          (row) => ({ actor: options.actor, action: 'rotate', credentialName: row.name, kind: row.kind, purpose: `data key re-wrapped from master key ${row.masterKeyId} to ${current}` }),
        );
        rewrapped += result.rewrapped;
        for (const { row, error } of result.failed) failed.push({ name: row.name, message: error.message });
        // Ids the batch did not re-wrap (failed, or rotated meanwhile by another process) are not asked for again.
        skip.push(...result.failed.map((f) => f.row.id));
        if (result.rewrapped === 0 && result.failed.length === 0) skip.push(...ids);
      }
      return { currentKeyId: current, rewrapped, failed };
    },

    auditLog: (opts) => store.auditLog(opts),
  };
}

/** As the kind is read aloud: "an ssh-key", "an smtp", "a pgp-key", "a db-password". */
function article(kind: string): string {
  return /^(pgp|db)/.test(kind) ? 'a' : 'an';
}
