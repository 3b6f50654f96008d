/**
 * Turns what an operator hands `drill vault add --from-file` into a Credential, refusing anything
 * that would only fail later in a drill (a key that does not parse, a wrong passphrase), and
 * derives the non-secret fingerprint the vault shows in lists. Error messages describe the shape
 * of the input, never its content.
 */
import { createHash } from 'node:crypto';
import { identityToRecipient } from 'age-encryption';
import * as openpgp from 'openpgp';
import ssh2 from 'ssh2';
import type { Credential, CredentialKind } from '../../core/credentials.js';
import { webhookSecretProblem } from '../notify/standard-webhooks.js';
import { VaultError } from './errors.js';

export interface MaterialOptions {
  /** ssh-key and pgp-key: the key's passphrase. */
  passphrase?: string;
  /** ssh-key: the server's host key fingerprint, "SHA256:…" as `ssh-keygen -lf` prints it. */
  hostFingerprint?: string;
}

export interface ParsedMaterial {
  credential: Credential;
  /** Non-secret identifier shown in lists (null when the kind has none worth showing). */
  fingerprint: string | null;
}

const HOST_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

export async function parseMaterial(kind: CredentialKind, text: string, options: MaterialOptions = {}): Promise<ParsedMaterial> {
  const credential = await credentialFrom(kind, text, options);
  return { credential, fingerprint: await fingerprintOf(credential) };
}

/** Checks a Credential given as an object (library callers) the same way a file is checked. */
export async function validateCredential(credential: Credential): Promise<ParsedMaterial> {
  switch (credential.kind) {
    case 'ssh-key':
      return parseMaterial('ssh-key', credential.privateKey, { passphrase: credential.passphrase, hostFingerprint: credential.hostFingerprint });
    case 'pgp-key':
      return parseMaterial('pgp-key', credential.privateKey, { passphrase: credential.passphrase });
    case 'age-identity':
      return parseMaterial('age-identity', credential.identity);
    case 'db-password':
      return parseMaterial('db-password', credential.password);
    case 'secret-url':
      return parseMaterial('secret-url', credential.url);
    case 'webhook-secret':
      return parseMaterial('webhook-secret', credential.secret);
    case 'oidc-client':
      return parseMaterial('oidc-client', credential.clientSecret);
    default:
      return parseMaterial(credential.kind, JSON.stringify(stripKind(credential)));
  }
}

async function credentialFrom(kind: CredentialKind, text: string, options: MaterialOptions): Promise<Credential> {
  switch (kind) {
    case 'ssh-key':
      return sshKey(text, options);
    case 'pgp-key':
      return pgpKey(text, options);
    case 'age-identity':
      return { kind, identity: (await ageIdentities(text)).join('\n') };
    case 'aws':
      return awsCredential(text);
    case 'http':
      return httpCredential(text);
    case 'smtp': {
      const json = jsonObject(text, 'smtp', '{"username": "…", "password": "…"}');
      if (typeof json.username !== 'string' || !json.username || typeof json.password !== 'string' || !json.password) {
        throw invalid('smtp', 'needs a JSON object with non-empty string "username" and "password"');
      }
      return { kind, username: json.username, password: json.password };
    }
    case 'db-password': {
      const password = text.split(/\r?\n/)[0] ?? '';
      if (!password) throw invalid('db-password', 'the first line of the file (the password) is empty');
      return { kind, password };
    }
    case 'secret-url':
      return secretUrl(text);
    case 'webhook-secret': {
      const secret = firstLine(text).trim();
      if (!secret) throw invalid('webhook-secret', 'the first line of the file (the signing secret) is empty');
      const problem = webhookSecretProblem(secret);
      if (problem) throw invalid('webhook-secret', `${problem}; generate one with: echo "whsec_$(openssl rand -base64 32)"`);
      return { kind, secret };
    }
    case 'oidc-client': {
      const clientSecret = firstLine(text).trim();
      if (!clientSecret) throw invalid('oidc-client', 'the first line of the file (the client secret) is empty');
      return { kind, clientSecret };
    }
    default:
      throw invalid(kind, `unknown credential kind`);
  }
}

function secretUrl(text: string): Credential {
  const line = firstLine(text).trim();
  if (!line) throw invalid('secret-url', 'the first line of the file (the URL) is empty');
  let url: URL;
  try {
    url = new URL(line);
  } catch {
    // URL's own message quotes the input, which is the secret: not repeated here.
    throw invalid('secret-url', 'the first line of the file is not a URL; expected one like https://hooks.slack.com/services/…');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('secret-url', `the URL must be http(s), not ${url.protocol.replace(/:$/, '')}`);
  return { kind: 'secret-url', url: url.href };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

function sshKey(text: string, options: MaterialOptions): Credential {
  if (options.hostFingerprint !== undefined && !HOST_FINGERPRINT.test(options.hostFingerprint)) {
    throw invalid('ssh-key', 'the host fingerprint must look like "SHA256:" followed by 43 base64 characters, as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` or `ssh-keyscan HOST | ssh-keygen -lf -` print it');
  }
  const key = parseSshKey(text, options.passphrase);
  if (!key.isPrivateKey()) throw invalid('ssh-key', 'the file holds a public key; the vault needs the private key');
  return {
    kind: 'ssh-key',
    privateKey: text,
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    ...(options.hostFingerprint !== undefined ? { hostFingerprint: options.hostFingerprint } : {}),
  };
}

function parseSshKey(text: string, passphrase: string | undefined): ssh2.ParsedKey {
  let parsed: ReturnType<typeof ssh2.utils.parseKey> | ssh2.ParsedKey[];
  try {
    parsed = ssh2.utils.parseKey(text, passphrase);
  } catch (err) {
    throw invalid('ssh-key', `not an OpenSSH or PEM private key ssh2 can read (${describeParseError(err)})`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw invalid('ssh-key', 'the file holds no key');
  if (key instanceof Error) {
    const message = key.message;
    if (/no passphrase given/i.test(message)) throw invalid('ssh-key', 'the private key is encrypted: give its passphrase with --passphrase-file');
    if (/bad passphrase|integrity check failed|decrypt/i.test(message) && passphrase !== undefined) throw invalid('ssh-key', 'the passphrase does not decrypt the private key');
    throw invalid('ssh-key', `not an OpenSSH or PEM private key ssh2 can read (${describeParseError(key)})`);
  }
  return key;
}

async function pgpKey(text: string, options: MaterialOptions): Promise<Credential> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: text });
  } catch (err) {
    throw invalid('pgp-key', `not an ASCII-armored PGP private key (${describeParseError(err)})`);
  }
  if (!key.isDecrypted()) {
    if (options.passphrase === undefined) throw invalid('pgp-key', 'the private key is passphrase-protected: give its passphrase with --passphrase-file');
    try {
      await openpgp.decryptKey({ privateKey: key, passphrase: options.passphrase });
    } catch {
      throw invalid('pgp-key', 'the passphrase does not decrypt the private key');
    }
  }
  return { kind: 'pgp-key', privateKey: text, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) };
}

async function ageIdentities(text: string): Promise<string[]> {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) throw invalid('age-identity', 'the file holds no AGE-SECRET-KEY-1… line');
  for (const [i, line] of lines.entries()) {
    if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) throw invalid('age-identity', `line ${i + 1} (ignoring comments) is not an AGE-SECRET-KEY-1… identity`);
  }
  return lines;
}

function awsCredential(text: string): Credential {
  const trimmed = text.trim();
  const fields = trimmed.startsWith('{') ? awsJson(trimmed) : awsIni(trimmed);
  const { accessKeyId, secretAccessKey, sessionToken, roleArn, region, buckets } = fields;
  if (!roleArn && !(accessKeyId && secretAccessKey)) {
    throw invalid('aws', 'needs an access key pair ({"accessKeyId", "secretAccessKey", "sessionToken"?, "region"?}) or a role ({"roleArn", "region"?}), as JSON or an AWS credentials file [default] section');
  }
  if ((accessKeyId && !secretAccessKey) || (!accessKeyId && secretAccessKey)) throw invalid('aws', 'an access key pair needs both accessKeyId and secretAccessKey');
  if (accessKeyId && !/^[A-Z0-9]{16,128}$/.test(accessKeyId)) throw invalid('aws', 'accessKeyId is not an AWS access key id (upper-case letters and digits, like AKIA…)');
  if (roleArn && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/.test(roleArn)) throw invalid('aws', 'roleArn is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)');
  if (region && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw invalid('aws', `region "${region}" is not an AWS region name like eu-west-1`);
  return {
    kind: 'aws',
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(secretAccessKey ? { secretAccessKey } : {}),
    ...(sessionToken ? { sessionToken } : {}),
    ...(roleArn ? { roleArn } : {}),
    ...(region ? { region } : {}),
    ...(buckets ? { buckets } : {}),
  };
}

type AwsFields = Partial<Record<'accessKeyId' | 'secretAccessKey' | 'sessionToken' | 'roleArn' | 'region', string>> & { buckets?: string[] };

/** `"buckets": ["acme-backups"]`: the only buckets the credential may be used for. */
function awsBuckets(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) throw invalid('aws', '"buckets" must be a non-empty list of bucket names like "acme-backups"');
  for (const name of value as string[]) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw invalid('aws', `"${name.slice(0, 80)}" in "buckets" is not an S3 bucket name (3–63 lower-case letters, digits, dots and hyphens)`);
  }
  return value as string[];
}

function awsJson(text: string): AwsFields {
  const json = jsonObject(text, 'aws', '{"accessKeyId": "…", "secretAccessKey": "…"}');
  const out: AwsFields = {};
  for (const field of ['accessKeyId', 'secretAccessKey', 'sessionToken', 'roleArn', 'region'] as const) {
    const value = json[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw invalid('aws', `"${field}" must be a string`);
    out[field] = value.trim();
  }
  if (json.buckets !== undefined) out.buckets = awsBuckets(json.buckets);
  const unknown = Object.keys(json).filter((k) => !['accessKeyId', 'secretAccessKey', 'sessionToken', 'roleArn', 'region', 'buckets'].includes(k));
  if (unknown.length) throw invalid('aws', `unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}`);
  return out;
}

/** The [default] section of an AWS credentials (or config) file. */
function awsIni(text: string): AwsFields {
  let section: string | undefined;
  const values: Record<string, string> = {};
  let sawSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      section = header[1];
      sawSection = true;
      continue;
    }
    const pair = /^([A-Za-z_][\w]*)\s*=\s*(.*)$/.exec(line);
    if (!pair) throw invalid('aws', 'neither JSON nor an AWS credentials file (a line is not "[section]" or "key = value")');
    if (section === 'default' || section === 'profile default') values[pair[1]!.toLowerCase()] = pair[2]!.trim();
  }
  if (!sawSection) throw invalid('aws', 'neither JSON nor an AWS credentials file with a [default] section');
  if (Object.keys(values).length === 0) throw invalid('aws', 'the AWS credentials file has no [default] section (or it is empty)');
  return {
    accessKeyId: values.aws_access_key_id,
    secretAccessKey: values.aws_secret_access_key,
    sessionToken: values.aws_session_token,
    roleArn: values.role_arn,
    region: values.region,
  };
}

function httpCredential(text: string): Credential {
  const json = jsonObject(text, 'http', '{"username": "…", "password": "…"} or {"headers": {"Authorization": "Bearer …"}}');
  const hasBasic = json.username !== undefined || json.password !== undefined;
  if (hasBasic && (typeof json.username !== 'string' || typeof json.password !== 'string' || !json.username)) {
    throw invalid('http', 'basic authentication needs string "username" (non-empty) and "password"');
  }
  let headers: Record<string, string> | undefined;
  if (json.headers !== undefined) {
    if (typeof json.headers !== 'object' || json.headers === null || Array.isArray(json.headers)) throw invalid('http', '"headers" must be an object of header names to string values');
    headers = {};
    for (const [name, value] of Object.entries(json.headers as Record<string, unknown>)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw invalid('http', `"${name.slice(0, 40)}" is not a valid HTTP header name`);
      if (typeof value !== 'string') throw invalid('http', `header "${name}" must have a string value`);
      // Such a value cannot be sent, and the HTTP client would quote it in its error.
      if (/[\r\n\0]/.test(value)) throw invalid('http', `header "${name}" contains a line break or NUL character`);
      headers[name] = value;
    }
    if (Object.keys(headers).length === 0) throw invalid('http', '"headers" is empty');
  }
  if (!hasBasic && !headers) throw invalid('http', 'needs {"username", "password"} or {"headers": {…}}');
  const origins = json.origins === undefined ? undefined : httpOrigins(json.origins);
  return {
    kind: 'http',
    ...(hasBasic ? { username: json.username as string, password: json.password as string } : {}),
    ...(headers ? { headers } : {}),
    ...(origins ? { origins } : {}),
  };
}

/** `"origins": ["https://backups.example.com"]`: the only places the credential may be sent. */
function httpOrigins(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) throw invalid('http', '"origins" must be a non-empty list of origins like "https://backups.example.com"');
  return (value as string[]).map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalid('http', `"${text.slice(0, 80)}" in "origins" is not a URL origin like https://backups.example.com`);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
      throw invalid('http', `"${url.origin}" in "origins" must be just scheme, host and port (https://backups.example.com), nothing more`);
    }
    return url.origin;
  });
}

/** What lists show: identifies the credential without revealing or weakening it. */
export async function fingerprintOf(credential: Credential): Promise<string | null> {
  switch (credential.kind) {
    case 'ssh-key': {
      const key = parseSshKey(credential.privateKey, credential.passphrase);
      return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
    }
    case 'pgp-key':
      return (await openpgp.readPrivateKey({ armoredKey: credential.privateKey })).getFingerprint().toUpperCase();
    case 'age-identity': {
      const recipients: string[] = [];
      for (const identity of credential.identity.split('\n')) {
        try {
          recipients.push(await identityToRecipient(identity));
        } catch (err) {
          throw invalid('age-identity', `an AGE-SECRET-KEY line is not a valid age identity (${describeParseError(err)})`);
        }
      }
      return recipients.join(',');
    }
    case 'aws': {
      const parts = [credential.accessKeyId ? maskAccessKeyId(credential.accessKeyId) : undefined, credential.roleArn].filter(Boolean);
      return parts.join(' → ') + (credential.buckets ? `; only for ${credential.buckets.join(', ')}` : '');
    }
    case 'http':
      return [
        credential.username !== undefined ? `basic ${credential.username}` : undefined,
        credential.headers ? `headers ${Object.keys(credential.headers).join(', ')}` : undefined,
        credential.origins ? `only to ${credential.origins.join(', ')}` : undefined,
      ]
        .filter(Boolean)
        .join('; ');
    case 'smtp':
      return `user ${credential.username}`;
    case 'db-password':
      // A hash of a password is an offline-guessing oracle; its length leaks too. Nothing to show.
      return null;
    case 'secret-url':
      // The path is the capability; the host tells which service it posts to.
      return `${new URL(credential.url).origin}/…`;
    case 'webhook-secret':
      // Signing secrets are random keys, not guessable passwords: a short hash lets operators
      // match the vault entry to what the receiver was given without revealing it.
      return `sha256:${createHash('sha256').update(credential.secret).digest('hex').slice(0, 12)}`;
    case 'oidc-client':
      // Client secrets may be short, human-chosen strings at some providers: nothing to show.
      return null;
  }
}

/** AKIAIOSFODNN7EXAMPLE → AKIA…MPLE */
export function maskAccessKeyId(id: string): string {
  return id.length <= 8 ? '…' : `${id.slice(0, 4)}…${id.slice(-4)}`;
}

function jsonObject(text: string, kind: CredentialKind, example: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: not repeated here.
    throw invalid(kind, `the file is not valid JSON; expected ${example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(kind, `expected a JSON object like ${example}`);
  return value as Record<string, unknown>;
}

function stripKind(credential: Credential): Record<string, unknown> {
  const { kind: _kind, ...rest } = credential;
  return rest;
}

/** A parser's complaint, minus anything that could be a quote of the input. */
function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.replace(/["'`][^"'`]{12,}["'`]/g, '"…"').slice(0, 160);
}

function invalid(kind: string, message: string): VaultError {
  return new VaultError('invalid-material', `${kind}: ${message}`);
}
