/**
 * Generic webhooks, signed per Standard Webhooks (./standard-webhooks.ts): the body is
 * `{type: "restore_drill.<kind>", timestamp, data: <the event's facts>}`, and `webhook-id` is the
 * event id on every attempt, so a receiver can drop the duplicates that retries produce.
 */
import type { ChannelConfig } from '../../core/notify.js';
import type { EventFacts, Notifier } from './channel.js';
import { deliverHttp } from './http-delivery.js';
import { webhookHeaders } from './standard-webhooks.js';

type WebhookChannel = Extract<ChannelConfig, { kind: 'webhook' }>;

export interface WebhookPayload {
  type: `restore_drill.${EventFacts['kind']}`;
  /** When the event happened (ISO 8601); the header timestamp is when this attempt was signed. */
  timestamp: string;
  data: EventFacts;
}

export function webhookPayload(facts: EventFacts): WebhookPayload {
  return { type: `restore_drill.${facts.kind}`, timestamp: facts.occurredAt, data: facts };
}

export const webhookNotifier: Notifier<WebhookChannel> = {
  kind: 'webhook',
  async send(config, message, context) {
    const { secret } = await context.credentials.resolve(config.signingSecret, 'webhook-secret', { purpose: context.purpose });
    const body = JSON.stringify(webhookPayload(message.facts));
    const url = new URL(config.url);
    return deliverHttp({
      method: 'POST',
      url: config.url,
      headers: { 'content-type': 'application/json', ...webhookHeaders(secret, message.facts.eventId, Math.floor(Date.now() / 1000), body) },
      body,
      // The query string may carry a receiver's token; the rest of the URL is configuration anyone may read.
      peer: `the webhook ${url.origin}${url.pathname}`,
      secrets: url.search.length > 1 ? [config.url, url.search.slice(1)] : [],
      signal: context.signal,
    });
  },
};
