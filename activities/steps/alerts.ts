/** Deciding who hears about what: at a drill's start and verdict, and in the periodic passes. */
import type { DrillResult, PlanSnapshot } from '../../core/drill.js';
import type { AlertDispatch } from '../../workflows/definitions.js';
import { weeklyDigests } from '../alerting/digest.js';
import { startAlerts, verdictAlerts } from '../alerting/verdict-alerts.js';
import { watchdogAlerts } from '../alerting/watchdog.js';
import type { ActivityDeps } from '../deps.js';

export function alertActivities(deps: ActivityDeps) {
  const context = () => ({ db: deps.db, links: deps.links, now: new Date() });
  return {
    async decideStartAlerts(input: { drillId: string; snapshot: PlanSnapshot }): Promise<AlertDispatch[]> {
      return startAlerts(context(), input.drillId, input.snapshot);
    },

    async decideVerdictAlerts(input: { drillId: string; snapshot: PlanSnapshot; result: DrillResult }): Promise<AlertDispatch[]> {
      return verdictAlerts(context(), input.snapshot, input.result);
    },

    async findOverdueAndStalePlans(): Promise<AlertDispatch[]> {
      return watchdogAlerts(context());
    },

    async composeWeeklyDigests(): Promise<AlertDispatch[]> {
      return weeklyDigests(context());
    },
  };
}
