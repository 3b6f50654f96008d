/**
 * The AWS backend: the secret lives in AWS Secrets Manager (as the JSON of the credential); the
 * vault row keeps only its ARN. Endpoint, region and the vault's own AWS credentials come from the
 * standard AWS environment (AWS_REGION, AWS_ACCESS_KEY_ID…, AWS_PROFILE, AWS_ENDPOINT_URL).
 *
 *   RESTORE_DRILL_AWS_SECRET_PREFIX         name prefix of the secrets (default "restore-drill/")
 *   RESTORE_DRILL_AWS_SECRET_RECOVERY_DAYS  DeleteSecret's recovery window, 7–30 days, or 0 to
 *                                            delete at once without recovery (default 7)
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { VaultError } from '../errors.js';
import type { StoredSecret, VaultBackend } from './backend.js';

export const AWS_SECRET_PREFIX_ENV = 'RESTORE_DRILL_AWS_SECRET_PREFIX';
export const AWS_RECOVERY_DAYS_ENV = 'RESTORE_DRILL_AWS_SECRET_RECOVERY_DAYS';

export interface AwsVaultConfig {
  /** A Secrets Manager client; default: one configured from the environment. */
  client?: SecretsManagerClient;
  clientConfig?: SecretsManagerClientConfig;
  prefix?: string;
  /** 0 deletes without recovery; otherwise 7–30. */
  recoveryDays?: number;
}

export function loadAwsVaultConfig(env: NodeJS.ProcessEnv = process.env): AwsVaultConfig {
  const raw = env[AWS_RECOVERY_DAYS_ENV]?.trim();
  const recoveryDays = raw ? Number(raw) : 7;
  if (!Number.isInteger(recoveryDays) || (recoveryDays !== 0 && (recoveryDays < 7 || recoveryDays > 30))) {
    throw new VaultError('aws', `${AWS_RECOVERY_DAYS_ENV} must be 0 (delete without recovery) or a whole number of days from 7 to 30 (what Secrets Manager accepts), got "${raw}"`);
  }
  return { prefix: env[AWS_SECRET_PREFIX_ENV] ?? 'restore-drill/', recoveryDays };
}

/** Names the AWS errors that mean "the vault's AWS credentials are wrong", not "the secret is". */
const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'AccessDeniedException',
  'CredentialsProviderError',
]);

export function awsBackend(config: AwsVaultConfig = {}): VaultBackend {
  const prefix = config.prefix ?? 'restore-drill/';
  const recoveryDays = config.recoveryDays ?? 7;
  let client = config.client;
  const sm = () => (client ??= new SecretsManagerClient(config.clientConfig ?? {}));

  const fail = (what: string, name: string, err: unknown): VaultError => {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    // A 403 whose body the SDK could not parse (some endpoints answer auth failures in XML) is
    // still an authentication failure; its parser's complaint is not worth showing.
    const detail = status === 403 && e.name === 'SyntaxError' ? 'HTTP 403 Forbidden' : `${e.name ?? 'Error'}: ${(e.message ?? String(err)).replace(/\s+/g, ' ')}${status ? `, HTTP ${status}` : ''}`;
    if ((e.name && CREDENTIAL_ERRORS.has(e.name)) || status === 403) {
      return new VaultError(
        'aws-credentials',
        `AWS Secrets Manager refused to ${what} credential "${name}" because the vault's own AWS credentials were rejected (${detail}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or AWS_PROFILE, and that they are not expired and may use Secrets Manager`,
      );
    }
    return new VaultError('aws', `AWS Secrets Manager could not ${what} credential "${name}" (${detail})`);
  };

  return {
    name: 'aws',
    async store(ctx, secret): Promise<StoredSecret> {
      const secretName = `${prefix}${ctx.name}`;
      try {
        const created = await sm().send(
          new CreateSecretCommand({
            Name: secretName,
            SecretString: secret.toString('utf8'),
            Description: `Restore Drill vault credential "${ctx.name}" (${ctx.kind})`,
            Tags: [
              { Key: 'restore-drill:vault-id', Value: ctx.id },
              { Key: 'restore-drill:kind', Value: ctx.kind },
            ],
          }),
        );
        if (!created.ARN) throw new Error('CreateSecret returned no ARN');
        return { awsSecretArn: created.ARN };
      } catch (err) {
        const e = err as { name?: string };
        if (e.name === 'ResourceExistsException' || e.name === 'InvalidRequestException') {
          throw new VaultError('aws', `AWS Secrets Manager already holds a secret named "${secretName}" (or one scheduled for deletion): delete or restore it there, or use another name (${(err as Error).message})`);
        }
        throw fail('store', ctx.name, err);
      }
    },
    async read(row) {
      if (!row.awsSecretArn) throw new VaultError('tampered', `credential "${row.name}" is an AWS secret without an ARN: the row was altered; remove it and add the credential again`);
      try {
        const value = await sm().send(new GetSecretValueCommand({ SecretId: row.awsSecretArn }));
        if (value.SecretString === undefined) throw new Error(`secret ${row.awsSecretArn} has no string value`);
        return Buffer.from(value.SecretString, 'utf8');
      } catch (err) {
        const e = err as { name?: string; message?: string };
        if (e.name === 'ResourceNotFoundException' || (e.name === 'InvalidRequestException' && /deleted/i.test(e.message ?? ''))) {
          throw new VaultError('aws', `credential "${row.name}" is gone from AWS Secrets Manager (${row.awsSecretArn} not found or scheduled for deletion): remove it from the vault and add it again`);
        }
        throw fail('read', row.name, err);
      }
    },
    async destroy(row) {
      if (!row.awsSecretArn) return;
      try {
        await sm().send(
          new DeleteSecretCommand(recoveryDays === 0 ? { SecretId: row.awsSecretArn, ForceDeleteWithoutRecovery: true } : { SecretId: row.awsSecretArn, RecoveryWindowInDays: recoveryDays }),
        );
      } catch (err) {
        // Already deleted (by hand, or an earlier attempt): nothing left to delete.
        if ((err as { name?: string }).name === 'ResourceNotFoundException') return;
        if ((err as { name?: string }).name === 'InvalidRequestException' && /scheduled for deletion|marked for deletion/i.test((err as Error).message)) return;
        throw fail('delete', row.name, err);
      }
    },
    async discard(stored) {
      if (!stored.awsSecretArn) return;
      await sm()
        .send(new DeleteSecretCommand({ SecretId: stored.awsSecretArn, ForceDeleteWithoutRecovery: true }))
        .catch(() => {});
    },
  };
}
