/** The weekly digest, run by its own Temporal Schedule: one summary per channel routed `digest`. */
import { proxyActivities } from '@temporalio/workflow';
import type { DrillActivities } from '../activities/index.js';
import { PERIODIC_PASS_OPTIONS } from './activity-options.js';
import { dispatchInBackground } from './notification-dispatch.js';

const digesting = proxyActivities<DrillActivities>(PERIODIC_PASS_OPTIONS);

export async function weeklyDigest(): Promise<{ digests: number }> {
  const dispatches = await digesting.composeWeeklyDigests();
  await dispatchInBackground(dispatches);
  return { digests: dispatches.length };
}
