/** Which notifier delivers each channel kind: adding a kind is one module and one line here. */
import type { ChannelKind } from '../../core/notify.js';
import type { Notifier } from './channel.js';
import { emailNotifier } from './email.js';
import { pingNotifier } from './ping.js';
import { slackNotifier } from './slack.js';
import { webhookNotifier } from './webhook.js';

const NOTIFIERS: Record<ChannelKind, Notifier> = {
  email: emailNotifier,
  slack: slackNotifier,
  webhook: webhookNotifier,
  ping: pingNotifier,
};

export function notifierFor(kind: ChannelKind): Notifier {
  return NOTIFIERS[kind];
}
