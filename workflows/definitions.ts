/**
 * Names shared by the workflows, the activities that report progress into them, and clients that
 * read them. Kept free of side effects so it can be imported on both sides of the workflow sandbox.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ByteProgress, DrillProgress, StepName } from '../core/drill.js';

export const RESTORE_DRILL_WORKFLOW = 'restoreDrill';
export const NOTIFY_WORKFLOW = 'notifyEvent';
export const OVERDUE_WATCHDOG_WORKFLOW = 'overdueWatchdog';
export const WEEKLY_DIGEST_WORKFLOW = 'weeklyDigest';

export const progressQuery = defineQuery<DrillProgress>('progress');
export const bytesProgressSignal = defineSignal<[ByteProgress & { step: StepName }]>('bytesProgress');

/** Custom search attributes operators filter drills by in the Temporal Web UI and `temporal` CLI. */
export const SEARCH_ATTRIBUTES = {
  planId: defineSearchAttributeKey('PlanId', SearchAttributeType.KEYWORD),
  planName: defineSearchAttributeKey('PlanName', SearchAttributeType.KEYWORD),
  engine: defineSearchAttributeKey('Engine', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('DrillStep', SearchAttributeType.KEYWORD),
  trigger: defineSearchAttributeKey('DrillTrigger', SearchAttributeType.KEYWORD),
} as const;

/** Who should hear about an event: a notification workflow delivers it to these channels. */
export interface AlertDispatch {
  eventId: string;
  kind: string;
  channels: Array<{ id: string; name: string }>;
}

export interface DeliveryResult {
  channelId: string;
  channel: string;
  status: 'sent' | 'failed';
  detail: string | null;
}

/** Workflow id of the notification workflow of an event: one per event, never started twice. */
export function notifyWorkflowId(eventId: string): string {
  return `notify-${eventId}`;
}
