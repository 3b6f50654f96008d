/**
 * Reads what went wrong out of the failures Temporal hands a workflow: the ApplicationFailure an
 * activity threw (unwrapped from ActivityFailure), or a timeout, in words a drill report can use.
 */
import { isCancellation, TimeoutFailure } from '@temporalio/workflow';
import type { Check, StepRecord } from '../core/drill.js';
import { BACKUP_REJECTED } from '../core/failures.js';

const TIMEOUT_NAMES: Record<string, string> = {
  START_TO_CLOSE: 'start-to-close timeout',
  SCHEDULE_TO_START: 'no worker picked it up',
  SCHEDULE_TO_CLOSE: 'schedule-to-close timeout',
  HEARTBEAT: 'no heartbeat',
};

export interface FailureLike {
  type?: string;
  message: string;
  details?: unknown[];
}

export function rootFailure(err: unknown): FailureLike | undefined {
  let current = err as { cause?: unknown; type?: string; message: string; details?: unknown[] } | undefined;
  while (current?.cause && current.type === undefined) current = current.cause as typeof current;
  if (!current) return undefined;
  if (current instanceof TimeoutFailure) {
    return { message: `timed out (${TIMEOUT_NAMES[current.timeoutType ?? ''] ?? 'timeout'}): the worker may have been lost` };
  }
  return current;
}

/** How a step that threw ends: failed (a verdict on the backup), error, or cancelled. */
export function stepFailure(err: unknown): { status: StepRecord['status']; message: string } {
  if (isCancellation(err)) return { status: 'cancelled', message: 'cancelled' };
  const failure = rootFailure(err);
  const message = failure?.message ?? (err as Error).message;
  return { status: failure?.type === BACKUP_REJECTED ? 'failed' : 'error', message };
}

/** The check a BackupRejected failure carries, when the activity rejected the backup. */
export function rejectedCheck(err: unknown): Check | undefined {
  const failure = rootFailure(err);
  return failure?.type === BACKUP_REJECTED ? (failure.details?.[0] as Check | undefined) : undefined;
}
