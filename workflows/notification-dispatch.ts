/**
 * Hands an event to its own notification workflow, so that a slow or failing channel retries
 * there without holding up the drill (or watchdog) that raised it. One workflow per event id,
 * never started twice: a replayed or retried decision cannot alert twice.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, ParentClosePolicy, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { notifyWorkflowId, type AlertDispatch, type DeliveryResult } from './definitions.js';
import { notifyEvent } from './notify-event.js';

function childOptions(dispatch: AlertDispatch, retryFor?: string) {
  return {
    workflowId: notifyWorkflowId(dispatch.eventId),
    args: [{ eventId: dispatch.eventId, channels: dispatch.channels, ...(retryFor ? { retryFor } : {}) }] as Parameters<typeof notifyEvent>,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    staticSummary: `${dispatch.kind} → ${dispatch.channels.map((c) => c.name).join(', ')}`,
  };
}

/** Starts the deliveries and lets them run on after the caller finishes. */
export async function dispatchInBackground(dispatches: AlertDispatch[]): Promise<void> {
  await Promise.all(
    dispatches.map(async (dispatch) => {
      try {
        await startChild(notifyEvent, { ...childOptions(dispatch), parentClosePolicy: ParentClosePolicy.ABANDON });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }),
  );
}

/** Delivers and waits for every channel's outcome, retrying each for at most `retryFor`. */
export async function dispatchAndWait(dispatches: AlertDispatch[], retryFor: string): Promise<DeliveryResult[]> {
  const results = await Promise.all(dispatches.map((dispatch) => executeChild(notifyEvent, childOptions(dispatch, retryFor))));
  return results.flat();
}
