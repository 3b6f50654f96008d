/**
 * Slack incoming webhooks: one POST of `{text}` to the URL Slack issued, which is kept in the vault
 * because whoever holds it can post to the channel.
 */
import type { ChannelConfig } from '../../core/notify.js';
import type { Notifier, OutgoingMessage } from './channel.js';
import { deliverHttp, secretPartsOf } from './http-delivery.js';

type SlackChannel = Extract<ChannelConfig, { kind: 'slack' }>;

/** Slack cuts messages beyond 40,000 characters; cutting them here keeps the links at the end. */
export const SLACK_TEXT_LIMIT = 39_000;
const KEPT_TAIL_CHARS = 2_000;

export const slackNotifier: Notifier<SlackChannel> = {
  kind: 'slack',
  async send(config, message, context) {
    const { url } = await context.credentials.resolve(config.webhookUrl, 'secret-url', { purpose: context.purpose });
    return deliverHttp({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ text: slackText(message) }),
      peer: `the Slack webhook (vault credential ${config.webhookUrl})`,
      secrets: secretPartsOf(url),
      signal: context.signal,
    });
  },
};

/** The subject in bold, then the body; Slack reads `&`, `<` and `>` as markup, so they are escaped. */
export function slackText(message: Pick<OutgoingMessage, 'subject' | 'text'>): string {
  const text = `*${escapeSlack(message.subject)}*\n${escapeSlack(message.text)}`;
  if (text.length <= SLACK_TEXT_LIMIT) return text;
  const marker = '\n… (the middle of this message was cut to fit Slack) …\n';
  const head = SLACK_TEXT_LIMIT - KEPT_TAIL_CHARS - marker.length;
  return `${text.slice(0, head)}${marker}${text.slice(text.length - KEPT_TAIL_CHARS)}`;
}

function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
