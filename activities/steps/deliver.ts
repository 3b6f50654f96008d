/**
 * One delivery attempt of one event to one channel, recorded whatever happens (the attempt row
 * and the channel's health). Already delivered (an attempt that crashed after sending): nothing
 * is sent twice. A refusal the channel will always give is not retried.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { channelConfigSchema } from '../../core/notify.js';
import { INVALID_REQUEST } from '../../core/failures.js';
import { getChannelRow, recordChannelAttempt } from '../../db/queries/channels.js';
import { getEvent, recordAttempt, wasDelivered } from '../../db/queries/notifications.js';
import type { DeliveryResult } from '../../workflows/definitions.js';
import type { ActivityDeps } from '../deps.js';
import type { EventFacts } from '../notify/channel.js';
import { NotifyError } from '../notify/channel.js';
import { notifierFor } from '../notify/registry.js';
import { renderMessage } from '../notify/templates.js';

/** Failure messages end up in history, the API and metrics: bounded. */
const MAX_DETAIL = 500;

export function deliveryActivities(deps: ActivityDeps) {
  return {
    async deliverNotification(input: { eventId: string; channelId: string }): Promise<DeliveryResult> {
      const ctx = Context.current();
      const [event, channel] = await Promise.all([getEvent(deps.db, input.eventId), getChannelRow(deps.db, input.channelId, { includeDeleted: true })]);
      if (!event) throw refused(`notification event ${input.eventId} does not exist`);
      if (!channel) throw refused(`channel ${input.channelId} does not exist`);
      if (channel.deletedAt) throw refused(`channel "${channel.name}" was deleted`);
      if (await wasDelivered(deps.db, event.id, channel.id)) return { channelId: channel.id, channel: channel.name, status: 'sent', detail: 'already delivered' };

      const config = channelConfigSchema.parse(channel.config);
      const facts = event.facts as unknown as EventFacts;
      const template = 'templates' in config ? config.templates[facts.kind as keyof typeof config.templates] : undefined;
      const message = { facts, ...renderMessage(facts, template) };
      const startedAt = new Date();
      const record = async (status: 'sent' | 'failed', detail: string) => {
        const bounded = detail.slice(0, MAX_DETAIL);
        await recordAttempt(deps.db, { eventId: event.id, channelId: channel.id, attempt: ctx.info.attempt, status, detail: bounded, startedAt, durationMs: Date.now() - startedAt.getTime() });
        await recordChannelAttempt(deps.db, channel.id, { sent: status === 'sent', detail: bounded, at: new Date() });
        return bounded;
      };
      try {
        if (!deps.credentials) throw new NotifyError('this worker has no vault configured to take channel credentials from', true);
        const receipt = await notifierFor(config.kind).send(config, message, {
          credentials: deps.credentials,
          signal: ctx.cancellationSignal,
          purpose: `notify ${facts.kind} via channel ${channel.name}`,
        });
        return { channelId: channel.id, channel: channel.name, status: 'sent', detail: await record('sent', receipt.detail) };
      } catch (err) {
        const detail = await record('failed', (err as Error).message);
        const permanent = (err instanceof NotifyError && err.permanent) || (err instanceof ApplicationFailure && err.nonRetryable === true);
        throw ApplicationFailure.create({ type: permanent ? INVALID_REQUEST : 'DeliveryFailed', message: `channel "${channel.name}": ${detail}`, nonRetryable: permanent });
      }
    },
  };
}

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_REQUEST, message, nonRetryable: true });
}
