/** The home page's data: where every live plan stands, refreshed while the page is open. */
import { createResource, onCleanup } from 'solid-js';
import { api, bodyOf, byId } from '../api.js';

export const SUMMARY_REFRESH_MS = 15_000;

export function loadPlanSummaries() {
  const [summaries, { refetch }] = createResource(async () => (await bodyOf(api.plans.summary.$get())).plans);
  const timer = setInterval(() => void refetch(), SUMMARY_REFRESH_MS);
  onCleanup(() => clearInterval(timer));
  return { summaries, refetch };
}

/** Run now: through the schedule when the plan has one (so overlaps are skipped), else a drill of the plan. */
export async function runPlanNow(planId: string, scheduled: boolean): Promise<string | null> {
  if (scheduled) return (await bodyOf(api.plans[':id'].schedule.trigger.$post({ param: byId(planId) }))).drillId;
  return (await bodyOf(api.drills.$post({ json: { planId } }))).drillId;
}
