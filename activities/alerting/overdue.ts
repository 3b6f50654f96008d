/**
 * When a scheduled plan counts as overdue: the second run its schedule expected after its last
 * finished drill (or after the schedule came into force) has passed, plus jitter and a short
 * grace for the drill to get going, and still nothing finished: that is "no finished drill within
 * twice its interval", measured on the schedule's own calendar (a weekday cron is not overdue on
 * Sunday). A drill of the plan running right now is not silence. Paused plans are included on
 * purpose: a pause nobody lifted is exactly the silence the watchdog exists for.
 */
import type { Plan } from '../../core/plan.js';
import { jitterSeconds, nextRunTimes } from '../../core/schedule.js';
import type { PlanStatus } from '../../db/queries/plan-status.js';
import type { PlanRow } from '../../db/schema/index.js';

/** At most this long after the due run for its drill to be on its way (short intervals: less). */
const START_GRACE_MS = 5 * 60_000;

export interface OverdueState {
  overdue: boolean;
  /** Where the quiet period started: the key of its one alert. */
  reference: Date;
  /** From when it counts as overdue. */
  deadline: Date;
  /** The schedule's interval around the reference, for messages. */
  intervalMs: number;
}

export function overdueState(plan: Plan, row: Pick<PlanRow, 'scheduleSince' | 'createdAt'>, status: PlanStatus | undefined, now: Date): OverdueState | undefined {
  if (!plan.schedule) return undefined;
  const lastFinished = status?.lastDrill?.finishedAt ?? null;
  const since = row.scheduleSince ?? row.createdAt;
  const reference = lastFinished && lastFinished > since ? lastFinished : since;
  const [next, afterNext] = nextRunTimes(plan.schedule, reference, 2) as [Date, Date];
  const intervalMs = afterNext.getTime() - next.getTime();
  const deadline = new Date(afterNext.getTime() + jitterSeconds(plan.schedule) * 1000 + Math.min(START_GRACE_MS, intervalMs));
  return { overdue: !status?.running && now > deadline, reference, deadline, intervalMs };
}
