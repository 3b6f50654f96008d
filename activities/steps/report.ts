/** The record: live step rows while the drill runs, then the final report, both idempotent. */
import type { CanaryRecord, DrillResult, PlanSnapshot } from '../../core/drill.js';
import { recordCanaryResult, recordDrillProgress, recordDrillReport, type DrillProgressRecord } from '../../db/queries/drill-writes.js';
import type { ActivityDeps } from '../deps.js';

export function reportActivities(deps: ActivityDeps) {
  return {
    async recordProgress(progress: DrillProgressRecord): Promise<void> {
      await recordDrillProgress(deps.db, progress);
    },

    async reportDrill(input: { snapshot: PlanSnapshot; sourceUri: string; result: DrillResult }): Promise<void> {
      await recordDrillReport(deps.db, input.snapshot, input.sourceUri, input.result);
    },

    async recordCanary(input: { drillId: string; canary: CanaryRecord }): Promise<void> {
      await recordCanaryResult(deps.db, input.drillId, input.canary);
    },
  };
}
