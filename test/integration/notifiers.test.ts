/**
 * Every notifier against a real peer on loopback: an SMTP server (smtp-server, messages parsed
 * with mailparser) and an HTTP server standing in for Slack, a signed-webhook receiver and a ping
 * service. Assertions are on what the peer received and on how its real answers are classified.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credential, CredentialKind, CredentialResolver } from '../../core/credentials.js';
import { channelConfigSchema, type ChannelConfig, type ChannelConfigInput } from '../../core/notify.js';
import { NotifyError, type DeliveryContext, type EventFacts, type OutgoingMessage } from '../../activities/notify/channel.js';
import { emailNotifier } from '../../activities/notify/email.js';
import { pingNotifier } from '../../activities/notify/ping.js';
import { notifierFor } from '../../activities/notify/registry.js';
import { slackNotifier } from '../../activities/notify/slack.js';
import { renderMessage } from '../../activities/notify/templates.js';
import { webhookNotifier } from '../../activities/notify/webhook.js';
import { parseMaterial } from '../../activities/vault/material.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SMTP_USER = 'drill-alerts';
const SMTP_PASSWORD = 'correct horse battery staple 7f3a';
const SIGNING_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const SLACK_TOKEN = 'xoxbSecretTokenAbcdefghijkl0123';

function failedDrillFacts(overrides: Partial<EventFacts> = {}): EventFacts {
  return {
    kind: 'failed',
    eventId: 'evt-drill-20261126-170301-9999b4-failed',
    occurredAt: '2026-11-26T17:03:03.120Z',
    canary: false,
    plan: { id: 'plan-nightly-app-4f2a', name: 'nightly-app' },
    drill: {
      id: 'drill-20261126-170301-9999b4',
      outcome: 'failed',
      trigger: 'schedule',
      failedStep: 'restore',
      reason: '[restorable] the plain SQL dump is incomplete: it ends without pg_dump\'s "dump complete" trailer, so the backup job was cut short',
      level: 'restorable',
      engine: 'postgres',
      source: 'file:///backups/app-cut.sql',
      startedAt: '2026-11-26T17:03:01.000Z',
      finishedAt: '2026-11-26T17:03:02.500Z',
      durationMs: 1500,
      backup: { uri: 'file:///backups/app-cut.sql', sizeBytes: 14_540, modifiedAt: '2026-11-26T17:00:54.457Z', sha256: '5bd687265c68e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819' },
      tableCount: 0,
      totalRows: 0,
      failedChecks: [{ name: 'restore', level: 'restorable', observed: 'no "dump complete" trailer', expected: 'a complete dump', message: 'the plain SQL dump is incomplete' }],
      log: ['locate passed in 46ms', 'provision passed in 1.0s', 'restore failed after 364ms: the plain SQL dump is incomplete', 'teardown passed in 100ms'],
    },
    links: { drill: 'http://127.0.0.1:8080/drills/drill-20261126-170301-9999b4', temporal: 'http://127.0.0.1:8233/namespaces/default/workflows/drill-20261126-170301-9999b4' },
    streak: { count: 2, since: '2026-11-25T02:00:00.000Z' },
    ...overrides,
  };
}

function messageFor(facts: EventFacts): OutgoingMessage {
  return { facts, ...renderMessage(facts) };
}

/** Credentials from a map, as the vault would hand them out; records what was asked for. */
function credentialsFrom(entries: Record<string, Credential>): CredentialResolver & { asked: Array<{ name: string; kind: CredentialKind; purpose: string }> } {
  const asked: Array<{ name: string; kind: CredentialKind; purpose: string }> = [];
  return {
    asked,
    async resolve(name, kind, use) {
      asked.push({ name, kind, purpose: use.purpose });
      const credential = entries[name];
      if (!credential) throw new Error(`no credential named "${name}" in the vault`);
      if (credential.kind !== kind) throw new Error(`credential "${name}" is a ${credential.kind}, not a ${kind}`);
      return credential as never;
    },
  };
}

function contextWith(credentials: CredentialResolver, signal = new AbortController().signal): DeliveryContext {
  return { credentials, signal, purpose: 'notify failed → test channel' };
}

function channel<K extends ChannelConfigInput['kind']>(config: Extract<ChannelConfigInput, { kind: K }>) {
  return channelConfigSchema.parse(config) as Extract<ChannelConfig, { kind: K }>;
}

async function rejection(promise: Promise<unknown>): Promise<NotifyError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(NotifyError);
    return err as NotifyError;
  }
  throw new Error('expected the delivery to fail');
}

/** A port nothing listens on: bound by us a moment ago, then released. */
async function freedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('registry', () => {
  it('gives each channel kind its notifier', () => {
    expect(notifierFor('email')).toBe(emailNotifier);
    expect(notifierFor('slack')).toBe(slackNotifier);
    expect(notifierFor('webhook')).toBe(webhookNotifier);
    expect(notifierFor('ping')).toBe(pingNotifier);
    for (const kind of ['email', 'slack', 'webhook', 'ping'] as const) expect(notifierFor(kind).kind).toBe(kind);
  });
});

describe('email', () => {
  let smtp: SmtpReceiver;
  const credentials = credentialsFrom({ 'ops-smtp': { kind: 'smtp', username: SMTP_USER, password: SMTP_PASSWORD }, 'wrong-smtp': { kind: 'smtp', username: SMTP_USER, password: 'not the password 1234' } });
  const emailChannel = (overrides: { credential?: string; to?: string[]; port?: number; security?: 'none' | 'starttls' | 'tls' } = {}) =>
    channel<'email'>({
      kind: 'email',
      smtp: { host: '127.0.0.1', port: overrides.port ?? smtp.port, security: overrides.security ?? 'none', credential: overrides.credential ?? 'ops-smtp' },
      from: 'restore-drill@example.com',
      to: overrides.to ?? ['oncall@example.com', 'dba@example.com'],
    });

  beforeAll(async () => {
    smtp = await startSmtpReceiver({ auth: { username: SMTP_USER, password: SMTP_PASSWORD }, rejectRecipients: ['gone@example.com'] });
  });
  afterAll(async () => smtp.stop());

  it('delivers a failed drill as a plain-text mail, logged in with the vault credential', async () => {
    const facts = failedDrillFacts();
    const message = messageFor(facts);
    const receipt = await emailNotifier.send(emailChannel(), message, contextWith(credentials));

    expect(receipt.detail).toMatch(/^250 .*queued/);
    const mail = await smtp.waitForMessage((m) => m.headers['x-restore-drill-event-id'] === facts.eventId);
    expect(mail.subject).toBe(message.subject);
    expect(mail.subject.startsWith('[Restore Drill] FAILED: nightly-app — [restorable] the plain SQL dump is incomplete')).toBe(true);
    expect(mail.from).toBe('restore-drill@example.com');
    expect(mail.to).toEqual(['oncall@example.com', 'dba@example.com']);
    expect(mail.envelope).toEqual({ from: 'restore-drill@example.com', to: ['oncall@example.com', 'dba@example.com'] });
    expect(mail.headers['x-restore-drill-event']).toBe('failed');
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.headers['content-type']).toMatch(/^text\/plain/);
    expect(mail.messageId).toContain(facts.eventId);
    expect(mail.auth).toEqual({ method: expect.stringMatching(/^(PLAIN|LOGIN)$/), username: SMTP_USER });
    expect(smtp.authAttempts.at(-1)).toMatchObject({ username: SMTP_USER, accepted: true });
    expect(credentials.asked.at(-1)).toEqual({ name: 'ops-smtp', kind: 'smtp', purpose: 'notify failed → test channel' });

    for (const expected of [
      'Plan       nightly-app (plan-nightly-app-4f2a)',
      'Backup     file:///backups/app-cut.sql',
      'Size       14.2 KiB',
      'Modified   2026-11-26T17:00:54.457Z',
      `SHA-256    ${facts.drill!.backup!.sha256}`,
      'Step       restore',
      'Level      restorable',
      `Reason     ${facts.drill!.reason}`,
      '[restorable] restore — observed: no "dump complete" trailer; expected: a complete dump — the plain SQL dump is incomplete',
      'Log        locate passed in 46ms',
      '           restore failed after 364ms: the plain SQL dump is incomplete',
      `Details    ${facts.links.drill}`,
      `Temporal   ${facts.links.temporal}`,
    ]) {
      expect(mail.text).toContain(expected);
    }
    expect(mail.raw).not.toMatch(/text\/html/);
  });

  it('sends a retried event with the same Message-ID', async () => {
    const facts = failedDrillFacts({ eventId: 'evt-retried-once' });
    await emailNotifier.send(emailChannel({ to: ['oncall@example.com'] }), messageFor(facts), contextWith(credentials));
    await emailNotifier.send(emailChannel({ to: ['oncall@example.com'] }), messageFor(facts), contextWith(credentials));
    const copies = smtp.messages.filter((m) => m.headers['x-restore-drill-event-id'] === 'evt-retried-once');
    expect(copies).toHaveLength(2);
    expect(copies[0]!.messageId).toBe(copies[1]!.messageId);
  });

  it('reports a recipient the server rejected alongside the ones it accepted', async () => {
    const receipt = await emailNotifier.send(emailChannel({ to: ['oncall@example.com', 'gone@example.com'] }), messageFor(failedDrillFacts({ eventId: 'evt-partial' })), contextWith(credentials));
    expect(receipt.detail).toMatch(/^250 .*\(rejected: gone@example\.com\)$/);
    const mail = await smtp.waitForMessage((m) => m.headers['x-restore-drill-event-id'] === 'evt-partial');
    expect(mail.envelope.to).toEqual(['oncall@example.com']);
  });

  it('treats a wrong password (535) as permanent, without quoting the password', async () => {
    const err = await rejection(emailNotifier.send(emailChannel({ credential: 'wrong-smtp' }), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain(`127.0.0.1:${smtp.port}`);
    expect(err.message).toContain('535');
    expect(err.message).toContain(`"${SMTP_USER}"`);
    expect(err.message).not.toContain('not the password 1234');
    expect(err.message).not.toContain(SMTP_PASSWORD);
    expect(smtp.authAttempts.at(-1)).toMatchObject({ username: SMTP_USER, accepted: false });
  });

  it('treats a rejected recipient (550) as permanent, naming it', async () => {
    const err = await rejection(emailNotifier.send(emailChannel({ to: ['gone@example.com'] }), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('gone@example.com');
    expect(err.message).toContain('550');
    expect(err.message).toContain(`127.0.0.1:${smtp.port}`);
  });

  it('retries a temporary refusal (451 at DATA)', async () => {
    smtp.configure({ rejectData: { code: 451, message: 'Requested action aborted: local error in processing' } });
    try {
      const err = await rejection(emailNotifier.send(emailChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
      expect(err.permanent).toBe(false);
      expect(err.message).toContain('451');
    } finally {
      smtp.configure({ rejectData: undefined });
    }
  });

  it('retries when nothing listens (connection refused), naming host and port', async () => {
    const port = await freedPort();
    const err = await rejection(emailNotifier.send(emailChannel({ port }), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.permanent).toBe(false);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('refuses to send unencrypted when "starttls" is configured and the server does not offer it', async () => {
    const delivered = smtp.messages.length;
    const err = await rejection(emailNotifier.send(emailChannel({ security: 'starttls' }), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/did not complete TLS .*STARTTLS/);
    expect(smtp.messages.length).toBe(delivered);
  });

  it('stops a send that hangs when the delivery is cancelled', async () => {
    // Accepts connections and never greets: only the abort can end the send early.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    try {
      const err = await rejection(emailNotifier.send(emailChannel({ port }), messageFor(failedDrillFacts()), contextWith(credentials, controller.signal)));
      expect(err.message).toContain('cancelled');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });
});

describe('slack', () => {
  let slack: WebhookReceiver;
  let credentials: ReturnType<typeof credentialsFrom>;
  const slackChannel = (name = 'ops-slack') => channel<'slack'>({ kind: 'slack', webhookUrl: name });

  beforeAll(async () => {
    slack = await startWebhookReceiver();
    credentials = credentialsFrom({
      'ops-slack': { kind: 'secret-url', url: `${slack.origin}/services/T0AAAAAAA/B0BBBBBBB/${SLACK_TOKEN}` },
      'gone-slack': { kind: 'secret-url', url: `http://127.0.0.1:${await freedPort()}/services/T0AAAAAAA/B0BBBBBBB/${SLACK_TOKEN}` },
    });
  });
  afterAll(async () => slack.stop());

  it('posts the subject in bold and the body as JSON {text}', async () => {
    const message = messageFor(failedDrillFacts());
    const receipt = await slackNotifier.send(slackChannel(), message, contextWith(credentials));
    expect(receipt.detail).toBe('HTTP 200 ok');
    const request = slack.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`/services/T0AAAAAAA/B0BBBBBBB/${SLACK_TOKEN}`);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    const payload = JSON.parse(request.body) as Record<string, unknown>;
    expect(Object.keys(payload)).toEqual(['text']);
    const text = payload.text as string;
    expect(text.split('\n')[0]).toBe(`*${message.subject}*`);
    expect(text).toContain('Step       restore');
    expect(text).toContain(`Details    ${failedDrillFacts().links.drill}`);
    expect(text.length).toBeLessThan(40_000);
    expect(credentials.asked.at(-1)).toMatchObject({ name: 'ops-slack', kind: 'secret-url' });
  });

  it('classifies the answers: 404 permanent, 503 and 429 retryable, all without the URL', async () => {
    slack.respondWith({ status: 404, body: `no_service for /services/T0AAAAAAA/B0BBBBBBB/${SLACK_TOKEN}` }, 503, { status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } });
    const notFound = await rejection(slackNotifier.send(slackChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    const unavailable = await rejection(slackNotifier.send(slackChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    const limited = await rejection(slackNotifier.send(slackChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));

    expect(notFound.permanent).toBe(true);
    expect(notFound.message).toBe('the Slack webhook (vault credential ops-slack) refused the message: HTTP 404 no_service for …');
    expect(unavailable.permanent).toBe(false);
    expect(unavailable.message).toContain('HTTP 503');
    expect(limited.permanent).toBe(false);
    expect(limited.message).toContain('HTTP 429 rate_limited (retry after 30s)');
    for (const err of [notFound, unavailable, limited]) {
      expect(err.message).toContain('the Slack webhook (vault credential ops-slack)');
      expect(err.message).not.toContain(SLACK_TOKEN);
      expect(err.message).not.toContain(slack.origin);
    }
  });

  it('does not follow a redirect', async () => {
    const before = slack.requests.length;
    slack.respondWith({ status: 302, headers: { location: `${slack.origin}/elsewhere` } });
    const err = await rejection(slackNotifier.send(slackChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.permanent).toBe(true);
    expect(err.message).toContain('HTTP 302');
    expect(err.message).toContain('redirect');
    expect(slack.requests.length).toBe(before + 1);
  });

  it('retries when Slack cannot be reached, without the URL', async () => {
    const err = await rejection(slackNotifier.send(slackChannel('gone-slack'), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.permanent).toBe(false);
    expect(err.message).toBe('could not reach the Slack webhook (vault credential gone-slack): connection refused (ECONNREFUSED)');
  });
});

describe('webhook (Standard Webhooks)', () => {
  let receiver: WebhookReceiver;
  const credentials = credentialsFrom({ 'hook-secret': { kind: 'webhook-secret', secret: SIGNING_SECRET }, 'raw-secret': { kind: 'webhook-secret', secret: 'a-raw-shared-secret-of-32-chars!' } });
  const webhookChannel = (signingSecret = 'hook-secret', path = '/hooks/restore-drill') => channel<'webhook'>({ kind: 'webhook', url: `${receiver.origin}${path}`, signingSecret });

  beforeAll(async () => {
    receiver = await startWebhookReceiver({ signingSecret: SIGNING_SECRET });
  });
  afterAll(async () => receiver.stop());

  it('posts the facts as a signed Standard Webhooks event the receiver verifies', async () => {
    const facts = failedDrillFacts();
    const before = Math.floor(Date.now() / 1000);
    const receipt = await webhookNotifier.send(webhookChannel(), messageFor(facts), contextWith(credentials));
    const after = Math.floor(Date.now() / 1000);

    expect(receipt.detail).toBe('HTTP 200 ok');
    const request = receiver.requests.at(-1)!;
    expect(request.verification).toBe('ok');
    expect(request.path).toBe('/hooks/restore-drill');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(facts.eventId);
    const timestamp = Number(request.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(JSON.parse(request.body)).toEqual({ type: 'restore_drill.failed', timestamp: facts.occurredAt, data: facts });
  });

  it('has its deliveries refused when replayed later or tampered with', async () => {
    await webhookNotifier.send(webhookChannel(), messageFor(failedDrillFacts({ eventId: 'evt-to-replay' })), contextWith(credentials));
    const original = receiver.requests.at(-1)!;
    expect(original.verification).toBe('ok');
    const resend = (body: string) =>
      fetch(`${receiver.origin}${original.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': String(original.headers['webhook-id']), 'webhook-timestamp': String(original.headers['webhook-timestamp']), 'webhook-signature': String(original.headers['webhook-signature']) },
        body,
      });

    const tampered = await resend(original.body.replace('"outcome":"failed"', '"outcome":"passed"'));
    expect(tampered.status).toBe(401);
    expect(await tampered.text()).toBe('signature mismatch');

    // Ten minutes on, the same signed request is a replay.
    receiver.options.now = () => new Date(Date.now() + 10 * 60_000);
    try {
      const replayed = await resend(original.body);
      expect(replayed.status).toBe(401);
      expect(await replayed.text()).toBe('timestamp outside tolerance');
    } finally {
      delete receiver.options.now;
    }
  });

  it('signs with a raw (unprefixed) secret as its UTF-8 bytes', async () => {
    const raw = await startWebhookReceiver({ signingSecret: 'a-raw-shared-secret-of-32-chars!' });
    try {
      await webhookNotifier.send(channel<'webhook'>({ kind: 'webhook', url: `${raw.origin}/in`, signingSecret: 'raw-secret' }), messageFor(failedDrillFacts()), contextWith(credentials));
      expect(raw.requests.at(-1)!.verification).toBe('ok');
    } finally {
      await raw.stop();
    }
  });

  it('keeps the event id across a retry: 503 is retryable, then the retry is delivered', async () => {
    const facts = failedDrillFacts({ eventId: 'evt-retry-503' });
    receiver.respondWith(503);
    const err = await rejection(webhookNotifier.send(webhookChannel(), messageFor(facts), contextWith(credentials)));
    expect(err.permanent).toBe(false);
    expect(err.message).toBe(`the webhook ${receiver.origin}/hooks/restore-drill failed: HTTP 503 Service Unavailable`);
    await webhookNotifier.send(webhookChannel(), messageFor(facts), contextWith(credentials));
    const attempts = receiver.requests.filter((r) => r.headers['webhook-id'] === 'evt-retry-503');
    expect(attempts.map((r) => [r.status, r.verification])).toEqual([
      [503, 'ok'],
      [200, 'ok'],
    ]);
  });

  it('treats 404 as permanent and 429 as retryable', async () => {
    receiver.respondWith(404, 429);
    const notFound = await rejection(webhookNotifier.send(webhookChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    const limited = await rejection(webhookNotifier.send(webhookChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect([notFound.permanent, limited.permanent]).toEqual([true, false]);
    expect(notFound.message).toContain('HTTP 404');
    expect(limited.message).toContain('HTTP 429');
  });

  it('leaves a token in the query string out of its errors', async () => {
    receiver.respondWith(500);
    const err = await rejection(webhookNotifier.send(webhookChannel('hook-secret', '/hooks/in?token=receiver-token-123456'), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(err.message).toBe(`the webhook ${receiver.origin}/hooks/in failed: HTTP 500 Internal Server Error`);
  });
});

describe('ping (healthchecks.io style)', () => {
  let ping: WebhookReceiver;
  let credentials: ReturnType<typeof credentialsFrom>;
  const CHECK_UUID = '5f0c2e4a-7b1d-4c3e-9a8f-0d1e2f3a4b5c';
  const pingChannel = (name = 'ops-ping') => channel<'ping'>({ kind: 'ping', url: name });

  beforeAll(async () => {
    ping = await startWebhookReceiver();
    credentials = credentialsFrom({
      'ops-ping': { kind: 'secret-url', url: `${ping.origin}/ping/${CHECK_UUID}` },
      'gone-ping': { kind: 'secret-url', url: `http://127.0.0.1:${await freedPort()}/ping/${CHECK_UUID}` },
    });
  });
  afterAll(async () => ping.stop());

  it('pings /start, the base URL and /fail with one run id per drill', async () => {
    const failed = failedDrillFacts();
    const started = failedDrillFacts({ kind: 'started', eventId: 'evt-started' });
    const passed = failedDrillFacts({ kind: 'passed', eventId: 'evt-passed' });
    const before = ping.requests.length;
    for (const facts of [started, failed, passed]) {
      const receipt = await pingNotifier.send(pingChannel(), messageFor(facts), contextWith(credentials));
      expect(receipt.detail).toBe('HTTP 200 ok');
    }
    const requests = ping.requests.slice(before);
    expect(requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', `/ping/${CHECK_UUID}/start`],
      ['POST', `/ping/${CHECK_UUID}/fail`],
      ['POST', `/ping/${CHECK_UUID}`],
    ]);
    const rids = new Set(requests.map((r) => r.query.rid));
    expect(rids.size).toBe(1);
    expect([...rids][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requests[1]!.body.startsWith(`${messageFor(failed).subject}\n\n`)).toBe(true);
    expect(requests[1]!.body).toContain('Step       restore');
    expect(Buffer.byteLength(requests[1]!.body)).toBeLessThanOrEqual(10_000);

    const otherDrill = failedDrillFacts({ drill: { ...failed.drill!, id: 'drill-other' } });
    await pingNotifier.send(pingChannel(), messageFor(otherDrill), contextWith(credentials));
    expect(ping.requests.at(-1)!.query.rid).not.toBe([...rids][0]);
  });

  it('sends nothing for events a ping cannot express', async () => {
    const before = ping.requests.length;
    const receipt = await pingNotifier.send(pingChannel(), messageFor(failedDrillFacts({ kind: 'overdue', drill: null })), contextWith(credentials));
    expect(receipt.detail).toBe('not a ping event');
    expect(ping.requests.length).toBe(before);
  });

  it('classifies answers and failures without printing the ping URL', async () => {
    ping.respondWith(404, 503);
    const notFound = await rejection(pingNotifier.send(pingChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    const unavailable = await rejection(pingNotifier.send(pingChannel(), messageFor(failedDrillFacts()), contextWith(credentials)));
    const unreachable = await rejection(pingNotifier.send(pingChannel('gone-ping'), messageFor(failedDrillFacts()), contextWith(credentials)));
    expect(notFound).toMatchObject({ permanent: true, message: 'the ping URL (vault credential ops-ping) refused the message: HTTP 404 Not Found' });
    expect(unavailable).toMatchObject({ permanent: false, message: 'the ping URL (vault credential ops-ping) failed: HTTP 503 Service Unavailable' });
    expect(unreachable).toMatchObject({ permanent: false, message: 'could not reach the ping URL (vault credential gone-ping): connection refused (ECONNREFUSED)' });
    for (const err of [notFound, unavailable, unreachable]) expect(err.message).not.toContain(CHECK_UUID);
  });
});

describe('vault material for notifier credentials', () => {
  it('keeps a secret URL and shows only its origin', async () => {
    const parsed = await parseMaterial('secret-url', `https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/${SLACK_TOKEN}\nsecond line ignored\n`);
    expect(parsed.credential).toEqual({ kind: 'secret-url', url: `https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/${SLACK_TOKEN}` });
    expect(parsed.fingerprint).toBe('https://hooks.slack.com/…');
  });

  it('refuses what is not an http(s) URL, without quoting it', async () => {
    for (const text of ['not a url with-secret-bits', 'ftp://files.example.com/secret-bits', '\nhttps://on-the-second-line.example.com']) {
      const err = await parseMaterial('secret-url', text).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/^secret-url: /);
      expect(err?.message).not.toContain('secret-bits');
      expect(err?.message).not.toContain('on-the-second-line');
    }
  });

  it('accepts whsec_ and long raw signing secrets, fingerprinted by a hash prefix', async () => {
    const parsed = await parseMaterial('webhook-secret', `${SIGNING_SECRET}\n`);
    expect(parsed.credential).toEqual({ kind: 'webhook-secret', secret: SIGNING_SECRET });
    expect(parsed.fingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(parsed.fingerprint).not.toContain(SIGNING_SECRET.slice(6, 18));
    expect((await parseMaterial('webhook-secret', 'a-raw-shared-secret-of-32-chars!')).credential).toEqual({ kind: 'webhook-secret', secret: 'a-raw-shared-secret-of-32-chars!' });
  });

  it('refuses signing secrets that are too short or not base64, describing only their shape', async () => {
    const cases: Array<[string, RegExp]> = [
      [`whsec_${Buffer.from('short-key').toString('base64')}`, /at least 16 bytes, this one encodes 9/],
      ['whsec_not*base64!secret-material', /must be base64/],
      ['raw-but-short-secret', /at least 24 characters, this one has 20/],
      ['', /is empty/],
    ];
    for (const [text, expected] of cases) {
      const err = await parseMaterial('webhook-secret', text).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(expected);
      if (text) expect(err?.message).not.toContain(text);
    }
  });
});
