/**
 * Names shared by the workflow, the activities that report progress into it, and clients that read
 * it. Kept free of side effects so it can be imported on both sides of the workflow sandbox.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ByteProgress, DrillProgress, StepName } from '../core/drill.js';

export const RESTORE_DRILL_WORKFLOW = 'restoreDrill';

export const progressQuery = defineQuery<DrillProgress>('progress');
export const bytesProgressSignal = defineSignal<[ByteProgress & { step: StepName }]>('bytesProgress');

/** Custom search attributes operators filter drills by in the Temporal Web UI and `temporal` CLI. */
export const SEARCH_ATTRIBUTES = {
  planId: defineSearchAttributeKey('PlanId', SearchAttributeType.KEYWORD),
  engine: defineSearchAttributeKey('Engine', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD),
  step: defineSearchAttributeKey('DrillStep', SearchAttributeType.KEYWORD),
} as const;
