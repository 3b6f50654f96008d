/**
 * What the vault holds, by kind. These values exist only inside activities, the vault and the CLI
 * process that adds them; workflows, histories, logs and API responses carry the credential's
 * name (its id) and never any of these fields.
 */
import { z } from 'zod';

/** How plans, channels and the CLI name a vault credential. */
export const vaultNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a vault credential name (letters, digits, ".", "_", "-"; at most 100)');

export const CREDENTIAL_KINDS = ['ssh-key', 'pgp-key', 'age-identity', 'aws', 'http', 'smtp', 'db-password', 'secret-url', 'webhook-secret', 'oidc-client'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export type Credential =
  | { kind: 'ssh-key'; privateKey: string; passphrase?: string; /** "SHA256:…" as ssh-keygen -lf prints it; required to connect. */ hostFingerprint?: string }
  | { kind: 'pgp-key'; /** ASCII-armored private key. */ privateKey: string; passphrase?: string }
  | { kind: 'age-identity'; /** One or more AGE-SECRET-KEY-1… lines. */ identity: string }
  /** `buckets`: the only S3 buckets it may be used for; any bucket a plan names when absent. */
  | { kind: 'aws'; accessKeyId?: string; secretAccessKey?: string; sessionToken?: string; roleArn?: string; region?: string; buckets?: string[] }
  /** `origins`: where it may be sent ("https://backups.example.com"); anywhere the source's URL points when absent. */
  | { kind: 'http'; username?: string; password?: string; headers?: Record<string, string>; origins?: string[] }
  | { kind: 'smtp'; username: string; password: string }
  | { kind: 'db-password'; password: string }
  /** A URL that is itself the capability (Slack incoming webhook, healthchecks ping URL): whoever has it can post. */
  | { kind: 'secret-url'; url: string }
  /** A Standard Webhooks signing secret: "whsec_" + base64 of the key, or a raw secret used as UTF-8 bytes. */
  | { kind: 'webhook-secret'; secret: string }
  /** The client secret Restore Drill signs in to an OpenID Provider with (the first line of the file). */
  | { kind: 'oidc-client'; clientSecret: string };

/** Why a credential is being read: written to the vault's audit log with the drill id. */
export interface CredentialUse {
  purpose: string;
  drillId?: string;
  actor?: string;
}

/** How activities get credentials: by name, from the vault, each read audited. */
export interface CredentialResolver {
  /** Throws a clear error naming the credential when it does not exist or is of another kind. */
  resolve<K extends CredentialKind>(name: string, kind: K, use: CredentialUse): Promise<Extract<Credential, { kind: K }>>;
}
