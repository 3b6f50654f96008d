/**
 * Reads a DrillResult back from however the workflow ended: returned (passed), or failed with the
 * result attached (failed / error). Shared by every client: CLI, tests, benchmarks.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DrillResult } from './drill.js';
import { BACKUP_FAILED_VERIFICATION, DRILL_ERROR } from './failures.js';

export function drillResultFromError(err: unknown): DrillResult | undefined {
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof ApplicationFailure && (cause.type === BACKUP_FAILED_VERIFICATION || cause.type === DRILL_ERROR)) {
    return cause.details?.[0] as DrillResult | undefined;
  }
  return undefined;
}

/** Waits for a drill's verdict; rejects only when the drill reached none (e.g. it was cancelled). */
export async function awaitDrillResult(result: Promise<DrillResult>): Promise<DrillResult> {
  try {
    return await result;
  } catch (err) {
    const drill = drillResultFromError(err);
    if (drill) return drill;
    throw err;
  }
}
