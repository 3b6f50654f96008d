/**
 * healthchecks.io-style pings: the check's URL (a secret: anyone holding it can report) gets
 * `/start` when a drill starts, nothing for a success, `/fail` for a failure, each with the same
 * `rid` so the service pairs start and finish and measures the run time. The service's own
 * schedule alarms when pings stop coming, which catches a Restore Drill that is down entirely.
 */
import { createHash } from 'node:crypto';
import type { ChannelConfig } from '../../core/notify.js';
import type { EventFacts, Notifier } from './channel.js';
import { deliverHttp, secretPartsOf } from './http-delivery.js';

type PingChannel = Extract<ChannelConfig, { kind: 'ping' }>;

/** healthchecks.io keeps this much of a ping's body as its log. */
export const PING_BODY_LIMIT_BYTES = 10_000;

const PING_SUFFIX: Partial<Record<EventFacts['kind'], '' | '/start' | '/fail'>> = {
  started: '/start',
  passed: '',
  recovered: '',
  test: '',
  failed: '/fail',
  error: '/fail',
};

export const pingNotifier: Notifier<PingChannel> = {
  kind: 'ping',
  async send(config, message, context) {
    const suffix = PING_SUFFIX[message.facts.kind];
    if (suffix === undefined) return { detail: 'not a ping event' };
    const { url } = await context.credentials.resolve(config.url, 'secret-url', { purpose: context.purpose });
    return deliverHttp({
      method: 'POST',
      url: pingUrl(url, suffix, runId(message.facts)),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: truncateUtf8(`${message.subject}\n\n${message.text}`, PING_BODY_LIMIT_BYTES),
      peer: `the ping URL (vault credential ${config.url})`,
      secrets: secretPartsOf(url),
      signal: context.signal,
    });
  },
};

export function pingUrl(base: string, suffix: '' | '/start' | '/fail', rid: string): string {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${suffix}`;
  url.searchParams.set('rid', rid);
  return url.href;
}

/**
 * The same UUID for every ping of one drill (start and finish pair up, retries repeat it),
 * shaped as an RFC 9562 version 8 ("custom") UUID built from sha256 of the drill id.
 */
export function runId(facts: Pick<EventFacts, 'drill' | 'eventId'>): string {
  const bytes = createHash('sha256').update(`restore-drill ping rid\0${facts.drill?.id ?? facts.eventId}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Dropping a trailing partial character keeps the body valid UTF-8.
  return bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD+$/, '');
}
