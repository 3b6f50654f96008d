/**
 * Signing and verifying per the Standard Webhooks spec (https://www.standardwebhooks.com), so a
 * receiver can use any of that spec's libraries: the signed content is `${id}.${timestamp}.${body}`,
 * HMAC-SHA256, base64, sent as `webhook-signature: v1,<signature>` next to `webhook-id` and
 * `webhook-timestamp` (unix seconds).
 *
 * Secrets: `whsec_<base64 key>` is the spec's form and the key is the decoded bytes. A secret
 * without the prefix is used as its UTF-8 bytes, so an operator can paste a password-like
 * string; the spec's reference libraries base64-decode an unprefixed secret instead, so receivers
 * using them should be given the `whsec_` form.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 16;
const MIN_RAW_SECRET_CHARS = 24;

export const DEFAULT_TOLERANCE_SECONDS = 300;

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** Why a string cannot be a signing secret, described by shape only; undefined when it can. */
export function webhookSecretProblem(secret: string): string | undefined {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length);
    if (!isCanonicalBase64(encoded)) return `after "${SECRET_PREFIX}" the secret must be base64 (A–Z, a–z, 0–9, "+", "/", optional "=" padding)`;
    const bytes = Buffer.from(encoded, 'base64').length;
    if (bytes < MIN_KEY_BYTES) return `a "${SECRET_PREFIX}" secret must encode at least ${MIN_KEY_BYTES} bytes, this one encodes ${bytes}`;
    return undefined;
  }
  if (secret.length < MIN_RAW_SECRET_CHARS) return `a secret without the "${SECRET_PREFIX}" prefix must be at least ${MIN_RAW_SECRET_CHARS} characters, this one has ${secret.length}`;
  if (/\s/.test(secret)) return 'the secret contains whitespace';
  return undefined;
}

/** The HMAC key a secret stands for. */
export function webhookSigningKey(secret: string): Buffer {
  const problem = webhookSecretProblem(secret);
  if (problem) throw new WebhookVerificationError(`not a usable webhook signing secret: ${problem}`);
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The `webhook-signature` header value for one message: `v1,<base64 signature>`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return `v1,${signature(webhookSigningKey(secret), id, timestampSeconds, body)}`;
}

/** The three headers a signed delivery carries. */
export function webhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signWebhook(secret, id, timestampSeconds, body) };
}

export type WebhookHeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far the timestamp may be from `now`, either way; older deliveries are refused as replays. */
  toleranceSeconds?: number;
  now?: Date;
}

export interface VerifiedWebhook {
  id: string;
  timestampSeconds: number;
}

/**
 * Accepts a delivery when one of its `v1` signatures matches and its timestamp is within the
 * tolerance; throws WebhookVerificationError saying which check failed otherwise. Several
 * space-separated signatures are allowed so a sender can sign with an old and a new secret while
 * rotating.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaderSource, body: string, options: VerifyOptions = {}): VerifiedWebhook {
  const { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = new Date() } = options;
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not unix seconds');
  const timestampSeconds = Number(timestamp);
  const skew = Math.floor(now.getTime() / 1000) - timestampSeconds;
  if (skew > toleranceSeconds) throw new WebhookVerificationError(`webhook-timestamp is ${skew}s old, more than the ${toleranceSeconds}s tolerance (a replay or a badly delayed delivery)`);
  if (-skew > toleranceSeconds) throw new WebhookVerificationError(`webhook-timestamp is ${-skew}s in the future, more than the ${toleranceSeconds}s tolerance`);

  const expected = Buffer.from(signature(webhookSigningKey(secret), id, timestampSeconds, body), 'base64');
  const matches = signatures
    .split(' ')
    .filter(Boolean)
    .some((versioned) => {
      const comma = versioned.indexOf(',');
      if (comma < 0 || versioned.slice(0, comma) !== 'v1') return false;
      const candidate = Buffer.from(versioned.slice(comma + 1), 'base64');
      // timingSafeEqual needs equal lengths; the length of a signature is no secret.
      return candidate.length === expected.length && timingSafeEqual(candidate, expected);
    });
  if (!matches) throw new WebhookVerificationError('no v1 signature in webhook-signature matches the body');
  return { id, timestampSeconds };
}

function signature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
}

function header(headers: WebhookHeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value.join(' ') : value;
}

function isCanonicalBase64(text: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  // Buffer's decoder skips what it does not understand; a round trip proves nothing was skipped.
  return Buffer.from(text, 'base64').toString('base64').replace(/=+$/, '') === text.replace(/=+$/, '');
}
