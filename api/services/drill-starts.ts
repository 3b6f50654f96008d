/**
 * Starting and stopping drills through the API: ad hoc (an unsaved plan) or for a saved plan, as
 * the same workflow the CLI and schedules start, labelled for the Temporal Web UI.
 */
import { newDrillId } from '../../core/drill-id.js';
import { describeSource, type DrillInput, type DrillTrigger } from '../../core/drill.js';
import type { HistoryDb } from '../../db/client.js';
import { findLivePlan } from '../../db/queries/plans.js';
import type { Plan } from '../../core/plan.js';
import { RESTORE_DRILL_WORKFLOW, SEARCH_ATTRIBUTES } from '../../workflows/definitions.js';
import type { TemporalAccess } from '../deps.js';
import { ApiError, notFound } from '../middleware/errors.js';
import { checkPlanReferences } from './references.js';
import { withTemporal } from './temporal-errors.js';

export function drillStarts(db: HistoryDb, temporal: TemporalAccess) {
  return {
    async start(input: DrillInput, requestedBy: string): Promise<{ drillId: string; planId: string | null }> {
      let planId: string | undefined;
      let planName: string;
      let summary: string;
      if (input.planId) {
        const row = await findLivePlan(db, input.planId);
        if (!row) throw notFound(`no plan with id or name "${input.planId}"`);
        planId = row.id;
        planName = row.name;
        // A stored plan that no longer validates still gets its drill: it ends as an error,
        // recorded under the plan and told through its channels, which is how people find out.
        const spec = row.spec as Partial<Plan>;
        summary = `${row.name}: ${spec.engine ?? 'unknown engine'} ${input.trigger === 'canary' ? 'canary ' : ''}drill of ${describeSource(spec.source)}`;
      } else {
        const plan = input.plan!;
        await checkPlanReferences(db, plan);
        planName = plan.name;
        summary = `${plan.engine} drill of ${describeSource(plan.source)}`;
      }
      const drillId = newDrillId(input.trigger === 'canary' ? 'canary' : 'drill');
      const args: DrillInput = { ...input, ...(planId ? { planId } : {}), requestedBy: input.requestedBy ?? requestedBy };
      await withTemporal('start the drill', () =>
        temporal.client.workflow.start(RESTORE_DRILL_WORKFLOW, {
          taskQueue: temporal.taskQueue,
          workflowId: drillId,
          args: [args],
          staticSummary: summary,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.trigger, value: input.trigger },
            ...(planId ? [{ key: SEARCH_ATTRIBUTES.planId, value: planId }, { key: SEARCH_ATTRIBUTES.planName, value: planName }] : []),
          ],
        }),
      );
      return { drillId, planId: planId ?? null };
    },

    async canary(planIdOrName: string, requestedBy: string): Promise<{ drillId: string; planId: string | null }> {
      return this.start({ planId: planIdOrName, trigger: 'canary' as DrillTrigger, requestedBy }, requestedBy);
    },

    async cancel(drillId: string): Promise<void> {
      const handle = temporal.client.workflow.getHandle(drillId);
      const description = await withTemporal('look the drill up', () => handle.describe()).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'not_found') throw notFound(`no drill with id "${drillId}"`);
        throw err;
      });
      if (description.status.name !== 'RUNNING') throw new ApiError(409, 'conflict', `drill ${drillId} is not running (${description.status.name.toLowerCase()})`);
      await withTemporal('cancel the drill', () => handle.cancel());
    },
  };
}
