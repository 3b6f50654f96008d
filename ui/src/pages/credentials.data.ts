/**
 * The credentials page's data: the vault's entries (metadata only) and the manager's adds and
 * removals. Material goes from the form to the API and is kept nowhere on the way.
 */
import { createResource } from 'solid-js';
import type { CredentialKind } from '../../../core/credentials.js';
import { api, bodyOf, byName, type VaultCredential } from '../api.js';

export function loadCredentials() {
  const [credentials, { refetch }] = createResource(async () => (await bodyOf(api.vault.$get())).credentials);
  return { credentials, refetch };
}

export interface NewCredential {
  name: string;
  kind: CredentialKind;
  material: string;
  passphrase?: string;
  hostFingerprint?: string;
}

export function addCredential(credential: NewCredential): Promise<VaultCredential> {
  return bodyOf(api.vault.$post({ json: credential }));
}

export async function deleteCredential(name: string): Promise<void> {
  await bodyOf(api.vault[':name'].$delete({ param: byName(name) }));
}

/** What to paste for each kind: the same text `drill vault add --from-file` reads. */
export const KIND_HINTS: Record<CredentialKind, string> = {
  'ssh-key': 'An OpenSSH or PEM private key file (~/.ssh/id_ed25519), from its -----BEGIN line to its -----END line.',
  'pgp-key': 'An ASCII-armored PGP private key (gpg --armor --export-secret-keys KEY), -----BEGIN PGP PRIVATE KEY BLOCK----- and all.',
  'age-identity': 'One or more AGE-SECRET-KEY-1… lines, as age-keygen writes them (# comments are ignored).',
  aws: 'JSON {"accessKeyId": "AKIA…", "secretAccessKey": "…", "region": "eu-west-1"} or {"roleArn": "arn:aws:iam::…:role/…"}, or an AWS credentials file with a [default] section; "buckets": [...] limits where it may be used.',
  http: 'JSON {"username": "…", "password": "…"} or {"headers": {"Authorization": "Bearer …"}}; "origins": ["https://backups.example.com"] limits where it is sent.',
  smtp: 'JSON {"username": "…", "password": "…"} for the SMTP relay.',
  'db-password': 'The database password, on the first line.',
  'secret-url': 'The URL that is itself the secret (a Slack incoming webhook, a healthchecks ping URL), on the first line.',
  'webhook-secret': 'A Standard Webhooks signing secret: whsec_ and base64 (echo "whsec_$(openssl rand -base64 32)"), on the first line.',
  'oidc-client': "The identity provider's client secret for Restore Drill, on the first line.",
};

/** Kinds whose key may be locked with a passphrase. */
export const WITH_PASSPHRASE: readonly CredentialKind[] = ['ssh-key', 'pgp-key'];
