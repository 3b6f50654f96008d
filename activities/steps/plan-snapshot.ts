/**
 * The drill's first act: fix the plan it runs. A saved plan is read from the history database
 * once, here; whatever is edited later reaches the next drill, never this one.
 */
import type { DrillInput, PlanSnapshot } from '../../core/drill.js';
import { notifyRouteSchema } from '../../core/notify.js';
import { planFieldsSchema, planSchema, type Plan } from '../../core/plan.js';
import type { PlanRow } from '../../db/schema/index.js';
import { getPlanRow } from '../../db/queries/plans.js';
import { appendAuditEvent, auditEventExists } from '../../db/queries/audit-events.js';
import { invalidRequest } from '../failures.js';
import type { ActivityDeps } from '../deps.js';

export function planSnapshotActivities(deps: ActivityDeps) {
  return {
    async snapshotPlan(input: { drillId: string; input: DrillInput }): Promise<PlanSnapshot> {
      await recordStartOutsideTheApi(deps.db, input.drillId, input.input);
      const { planId, plan, trigger, requestedBy } = input.input;
      const base = { trigger, requestedBy: requestedBy ?? null };
      if (!planId) return { ...base, planId: null, planVersion: null, plan: plan!, planOrigin: 'request' };
      const row = await getPlanRow(deps.db, planId, { includeDeleted: true });
      if (!row) throw invalidRequest(`there is no plan with id "${planId}": create it first (drill plan create) or drill without a plan id`);
      const snapshot = { ...base, planId, planVersion: row.version };
      if (row.deletedAt) {
        // A schedule that fired while its plan was being deleted: recorded, but nobody is paged.
        return { ...snapshot, plan: { ...standIn(row), notify: [] }, problem: `plan "${row.name}" was deleted on ${row.deletedAt.toISOString()}; its history is kept, but it no longer drills` };
      }
      if (plan) return { ...snapshot, plan, planOrigin: 'request' };
      // Stored plans were valid when written; parsing again applies defaults added since.
      const stored = planSchema.safeParse(row.spec);
      if (stored.success) return { ...snapshot, plan: stored.data, planOrigin: 'stored' };
      const issues = stored.error.issues.map((i) => `${i.path.join('.') || 'plan'}: ${i.message}`).join('; ');
      return { ...snapshot, plan: standIn(row), problem: `plan "${row.name}" (${planId}) no longer validates (${issues}): edit it (drill plan edit, PUT /api/plans/${planId})` };
    },
  };
}

/**
 * Drills started through the API are in the audit trail already (drills.create); these started
 * from a schedule, `drill run` or a Temporal client are recorded here, as the start request names
 * its requester (anyone with access to Temporal can name anyone: docs/security.md).
 */
async function recordStartOutsideTheApi(db: ActivityDeps['db'], drillId: string, input: DrillInput): Promise<void> {
  if (input.trigger === 'api' || (await auditEventExists(db, 'drills.start', drillId))) return;
  await appendAuditEvent(db, {
    actor: input.requestedBy ?? 'a Temporal client',
    action: 'drills.start',
    target: drillId,
    outcome: 'ok',
    details: { trigger: input.trigger, via: 'temporal', ...(input.planId ? { planId: input.planId } : {}) },
  });
}

/**
 * What can be salvaged of a stored plan that no longer validates, so that its failure is still
 * recorded under it and told through whichever of its routes still make sense.
 */
function standIn(row: PlanRow): Plan {
  const spec = (row.spec ?? {}) as Record<string, unknown>;
  const engine = planFieldsSchema.shape.engine.safeParse(spec.engine);
  const source = planFieldsSchema.shape.source.safeParse(spec.source);
  const routes = Array.isArray(spec.notify) ? spec.notify.map((r) => notifyRouteSchema.safeParse(r)).flatMap((r) => (r.success ? [r.data] : [])) : [];
  return planSchema.parse({
    name: row.name,
    engine: engine.success ? engine.data : 'postgres',
    source: source.success ? source.data : { kind: 'file', path: '(unreadable in the stored plan)' },
    notify: routes,
  });
}
