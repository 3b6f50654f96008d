/** One plan: its settings and schedule, where it stands, and its drills, newest first. */
import { createResource } from 'solid-js';
import { api, bodyOf, byId } from '../api.js';

export const HISTORY_PAGE = 50;

export function loadPlan(id: () => string) {
  const [plan, plans] = createResource(id, (planId) => bodyOf(api.plans[':id'].$get({ param: byId(planId) })));
  const [summary, summaries] = createResource(id, (planId) => bodyOf(api.plans[':id'].summary.$get({ param: byId(planId) })));
  const [history, histories] = createResource(id, async (planId) => (await bodyOf(api.drills.$get({ query: { planId, limit: String(HISTORY_PAGE) } }))).drills);
  return {
    plan,
    summary,
    history,
    refresh: () => Promise.all([plans.refetch(), summaries.refetch(), histories.refetch()]),
  };
}
