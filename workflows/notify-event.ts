/**
 * Delivers one notification event to its channels, each on its own with retries and backoff;
 * every attempt is recorded by the activity. A channel that never accepts it ends as `failed` in
 * the result (and in the channel's health), without holding back the others.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { DrillActivities } from '../activities/index.js';
import { DELIVERY_OPTIONS } from './activity-options.js';
import type { DeliveryResult } from './definitions.js';
import { rootFailure } from './drill-failures.js';

export interface NotifyEventInput {
  eventId: string;
  channels: Array<{ id: string; name: string }>;
  /** Give up on a channel after this long (a canary waits minutes, not a day). */
  retryFor?: string;
}

export async function notifyEvent(input: NotifyEventInput): Promise<DeliveryResult[]> {
  const delivering = proxyActivities<DrillActivities>({ ...DELIVERY_OPTIONS, ...(input.retryFor ? { scheduleToCloseTimeout: input.retryFor } : {}) });
  return Promise.all(
    input.channels.map(async (channel): Promise<DeliveryResult> => {
      try {
        return await delivering.deliverNotification({ eventId: input.eventId, channelId: channel.id });
      } catch (err) {
        return { channelId: channel.id, channel: channel.name, status: 'failed', detail: rootFailure(err)?.message ?? (err as Error).message };
      }
    }),
  );
}
