import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, WebhookVerificationError, webhookHeaders, webhookSecretProblem, webhookSigningKey } from '../../activities/notify/standard-webhooks.js';

// The test vector published with the Standard Webhooks reference libraries.
const SPEC_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SPEC_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const SPEC_TIMESTAMP = 1614265330;
const SPEC_BODY = '{"test": 2432232314}';
const SPEC_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const KEY = randomBytes(32);
const SECRET = `whsec_${KEY.toString('base64')}`;
const ID = 'evt-drill-20261126-170301-9999b4-failed';
const BODY = JSON.stringify({ type: 'restore_drill.failed', timestamp: '2026-11-26T17:03:03.120Z', data: { drill: { id: 'drill-1' } } });
const NOW = new Date('2026-11-26T17:03:05.000Z');
const TS = Math.floor(NOW.getTime() / 1000);

/** The signature computed straight from the spec with Node's crypto, independent of the module. */
function expectedSignature(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function headersFor(signature: string, timestamp = TS, id = ID): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return (err as Error).message;
  }
  throw new Error('expected the webhook to be refused');
}

describe('signWebhook', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    expect(signWebhook(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).toBe(SPEC_SIGNATURE);
  });

  it('signs `${id}.${timestamp}.${body}` with HMAC-SHA256 under the base64-decoded key', () => {
    expect(signWebhook(SECRET, ID, TS, BODY)).toBe(expectedSignature(KEY, ID, TS, BODY));
  });

  it('uses an unprefixed secret as its UTF-8 bytes', () => {
    const raw = 'päss-phrase-style-secret-2026!';
    expect(signWebhook(raw, ID, TS, BODY)).toBe(expectedSignature(Buffer.from(raw, 'utf8'), ID, TS, BODY));
    expect(webhookSigningKey(raw).equals(Buffer.from(raw, 'utf8'))).toBe(true);
  });

  it('builds the three headers of a delivery', () => {
    expect(webhookHeaders(SECRET, ID, TS, BODY)).toEqual({ 'webhook-id': ID, 'webhook-timestamp': String(TS), 'webhook-signature': expectedSignature(KEY, ID, TS, BODY) });
  });

  it('refuses secrets that are too weak to sign with, by shape only', () => {
    expect(() => signWebhook('whsec_c2hvcnQ=', ID, TS, BODY)).toThrow(/at least 16 bytes, this one encodes 5/);
    expect(() => signWebhook('short-raw', ID, TS, BODY)).toThrow(/at least 24 characters/);
  });
});

describe('verifyWebhook', () => {
  it('accepts the published test vector at its own time', () => {
    expect(verifyWebhook(SPEC_SECRET, headersFor(SPEC_SIGNATURE, SPEC_TIMESTAMP, SPEC_ID), SPEC_BODY, { now: new Date(SPEC_TIMESTAMP * 1000) })).toEqual({ id: SPEC_ID, timestampSeconds: SPEC_TIMESTAMP });
  });

  it('accepts a delivery signed independently with the same key', () => {
    expect(verifyWebhook(SECRET, headersFor(expectedSignature(KEY, ID, TS, BODY)), BODY, { now: NOW })).toEqual({ id: ID, timestampSeconds: TS });
  });

  it('reads headers from a Fetch Headers object and in any letter case', () => {
    const signature = expectedSignature(KEY, ID, TS, BODY);
    expect(verifyWebhook(SECRET, new Headers(headersFor(signature)), BODY, { now: NOW }).id).toBe(ID);
    expect(verifyWebhook(SECRET, { 'Webhook-Id': ID, 'Webhook-Timestamp': String(TS), 'Webhook-Signature': signature }, BODY, { now: NOW }).id).toBe(ID);
  });

  it('refuses a tampered body, a wrong secret, another id or another timestamp', () => {
    const signature = expectedSignature(KEY, ID, TS, BODY);
    expect(refusal(() => verifyWebhook(SECRET, headersFor(signature), BODY.replace('failed', 'passed'), { now: NOW }))).toBe('no v1 signature in webhook-signature matches the body');
    expect(refusal(() => verifyWebhook(`whsec_${randomBytes(32).toString('base64')}`, headersFor(signature), BODY, { now: NOW }))).toMatch(/no v1 signature/);
    expect(refusal(() => verifyWebhook(SECRET, headersFor(signature, TS, 'evt-other'), BODY, { now: NOW }))).toMatch(/no v1 signature/);
    expect(refusal(() => verifyWebhook(SECRET, headersFor(signature, TS - 1), BODY, { now: NOW }))).toMatch(/no v1 signature/);
  });

  it('refuses deliveries outside the tolerance window either way (replays and clock skew)', () => {
    const old = TS - 301;
    const future = TS + 301;
    expect(refusal(() => verifyWebhook(SECRET, headersFor(expectedSignature(KEY, ID, old, BODY), old), BODY, { now: NOW }))).toBe('webhook-timestamp is 301s old, more than the 300s tolerance (a replay or a badly delayed delivery)');
    expect(refusal(() => verifyWebhook(SECRET, headersFor(expectedSignature(KEY, ID, future, BODY), future), BODY, { now: NOW }))).toBe('webhook-timestamp is 301s in the future, more than the 300s tolerance');
    const edge = TS - 300;
    expect(verifyWebhook(SECRET, headersFor(expectedSignature(KEY, ID, edge, BODY), edge), BODY, { now: NOW }).timestampSeconds).toBe(edge);
  });

  it('honours a custom tolerance', () => {
    const t = TS - 60;
    const headers = headersFor(expectedSignature(KEY, ID, t, BODY), t);
    expect(refusal(() => verifyWebhook(SECRET, headers, BODY, { now: NOW, toleranceSeconds: 30 }))).toMatch(/60s old, more than the 30s tolerance/);
    expect(verifyWebhook(SECRET, headers, BODY, { now: NOW, toleranceSeconds: 90 }).id).toBe(ID);
  });

  it('accepts when any of several space-separated signatures matches, and ignores other versions', () => {
    const good = expectedSignature(KEY, ID, TS, BODY);
    const otherKey = expectedSignature(randomBytes(32), ID, TS, BODY);
    expect(verifyWebhook(SECRET, headersFor(`${otherKey} v1a,${good.slice(3)} ${good}`), BODY, { now: NOW }).id).toBe(ID);
    expect(refusal(() => verifyWebhook(SECRET, headersFor(`${otherKey} v2,${good.slice(3)} v1a,${good.slice(3)}`), BODY, { now: NOW }))).toMatch(/no v1 signature/);
  });

  it('accepts repeated webhook-signature headers as Node delivers them (an array)', () => {
    const good = expectedSignature(KEY, ID, TS, BODY);
    expect(verifyWebhook(SECRET, { 'webhook-id': ID, 'webhook-timestamp': String(TS), 'webhook-signature': ['v1,AAAA', good] }, BODY, { now: NOW }).id).toBe(ID);
  });

  it('refuses missing headers and timestamps that are not unix seconds', () => {
    expect(refusal(() => verifyWebhook(SECRET, { 'webhook-id': ID, 'webhook-timestamp': String(TS) }, BODY, { now: NOW }))).toMatch(/missing webhook-id, webhook-timestamp or webhook-signature/);
    expect(refusal(() => verifyWebhook(SECRET, { ...headersFor('v1,AAAA'), 'webhook-timestamp': '2026-11-26T17:03:05Z' }, BODY, { now: NOW }))).toBe('webhook-timestamp is not unix seconds');
  });
});

describe('webhookSecretProblem', () => {
  it('accepts whsec_ + base64 of at least 16 bytes, and raw secrets of at least 24 characters', () => {
    expect(webhookSecretProblem(SPEC_SECRET)).toBeUndefined();
    expect(webhookSecretProblem(`whsec_${randomBytes(16).toString('base64')}`)).toBeUndefined();
    expect(webhookSecretProblem('x'.repeat(24))).toBeUndefined();
  });

  it('describes what is wrong without repeating the secret', () => {
    const cases: Array<[string, RegExp]> = [
      [`whsec_${randomBytes(15).toString('base64')}`, /at least 16 bytes, this one encodes 15/],
      ['whsec_abc$def*ghi!jkl-secretish', /must be base64/],
      ['whsec_YWJj=ZGVm', /must be base64/],
      ['x'.repeat(23), /at least 24 characters, this one has 23/],
      ['a raw secret with spaces in it', /whitespace/],
    ];
    for (const [secret, expected] of cases) {
      const problem = webhookSecretProblem(secret);
      expect(problem).toMatch(expected);
      expect(problem).not.toContain(secret.slice(6));
    }
  });
});
