/**
 * The restore drill, as a saga: snapshot the plan → locate → provision → restore → inspect →
 * verify, then teardown and report, which run whatever happened before them (success, rejection,
 * crash, cancellation) in a non-cancellable scope and are retried until they succeed; then the
 * people the plan names are told.
 */
import { ApplicationFailure, CancellationScope, log, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { DrillActivities } from '../activities/index.js';
import type { DrillChecks } from '../core/checks.js';
import type { DrillRequest, DrillResult, PlanSnapshot, SandboxHandle } from '../core/drill.js';
import { AD_HOC_PLAN_NAME, drillInputSchema } from '../core/drill.js';
import { planSchema } from '../core/plan.js';
import { BACKUP_FAILED_VERIFICATION, DRILL_ERROR, INVALID_REQUEST } from '../core/failures.js';
import {
  ALERT_DECISION_OPTIONS,
  CLAIM_HOST_OPTIONS,
  INSPECT_OPTIONS,
  LOCATE_OPTIONS,
  MUST_FINISH_OPTIONS,
  PROVISION_OPTIONS,
  RESTORE_OPTIONS,
  SNAPSHOT_OPTIONS,
  TEARDOWN_OPTIONS,
} from './activity-options.js';
import { announceStart, announceVerdict } from './drill-alerts.js';
import { DrillRecord } from './drill-record.js';
import { DrillVerdict } from './drill-verdict.js';
import { whenSandboxSlotFree } from './sandbox-queue.js';

const planning = proxyActivities<DrillActivities>(SNAPSHOT_OPTIONS);
const locating = proxyActivities<DrillActivities>(LOCATE_OPTIONS);
const hostClaim = proxyActivities<DrillActivities>(CLAIM_HOST_OPTIONS);
const mustFinish = proxyActivities<DrillActivities>(MUST_FINISH_OPTIONS);
const alerting = proxyActivities<DrillActivities>(ALERT_DECISION_OPTIONS);

/** Activities that touch a local sandbox run on the worker host that owns it. */
function onHost(hostTaskQueue: string, options: ActivityOptions) {
  return proxyActivities<DrillActivities>({ ...options, taskQueue: hostTaskQueue });
}

export async function restoreDrill(request: DrillRequest): Promise<DrillResult> {
  const drillId = workflowInfo().workflowId;
  const parsed = drillInputSchema.safeParse(request);
  const drill = new DrillRecord(drillId, provisionalSnapshot(request, parsed.success ? parsed.data.trigger : 'manual'));
  const verdict = new DrillVerdict();
  let sandboxHost: string | null = null;
  let sandbox: SandboxHandle | null = null;

  try {
    if (!parsed.success) throw invalidRequest(`invalid drill request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
    drill.usePlan(await planning.snapshotPlan({ drillId, input: parsed.data }));
    if (drill.plan.problem) throw invalidRequest(drill.plan.problem);
    const { planId, plan, trigger } = drill.plan;
    await announceStart(alerting, drill);

    const located = await drill.step('locate', () => locating.locateBackup({ drillId, planId: planId ?? undefined, source: plan.source, checks: plan.checks }), { bytesOf: (r) => r.backup.sizeBytes });
    verdict.located(located);
    const backup = located.backup;

    // The host is chosen first, so that provisioning, its retries and a teardown by drill id all
    // happen on the one host where the sandbox can be.
    sandboxHost = await hostClaim.claimSandboxHost();
    const host = sandboxHost;
    const provisioning = onHost(host, PROVISION_OPTIONS);
    const provisioned = await drill.step('provision', () =>
      whenSandboxSlotFree(() => provisioning.provisionSandbox({ drillId, engine: plan.engine, size: plan.sandbox.size, engineVersion: plan.engineVersion, backupBytes: backup.sizeBytes }), `${plan.engine} drill ${drillId}`),
    );
    sandbox = provisioned;
    const restoring = onHost(provisioned.hostTaskQueue, RESTORE_OPTIONS);
    const inspecting = onHost(provisioned.hostTaskQueue, INSPECT_OPTIONS);

    const restored = await drill.step(
      'restore',
      () =>
        restoring.restoreBackup({
          drillId,
          sandbox: provisioned,
          backup,
          source: plan.source,
          decryptWith: plan.decryptWith,
          format: plan.format,
          engineVersion: plan.engineVersion,
          database: plan.database,
          allowErrors: plan.checks.allowErrors,
          // A canary damages its copy inside the sandbox; the backup itself is only read.
          ...(trigger === 'canary' ? { damage: 'truncate' as const } : {}),
        }),
      { bytesOf: (r) => r.bytesRead },
    );
    verdict.restored(restored);

    const inspected = await drill.step('inspect', () => inspecting.inspectRestore({ drillId, sandbox: provisioned, checks: plan.checks }));
    verdict.inspected(inspected);
    if (verdict.judge('inspect', inspected.checks, drill) && hasDeepChecks(plan.checks)) {
      const verified = await drill.step('verify', () => inspecting.verifyRestore({ drillId, planId: planId ?? undefined, sandbox: provisioned, backup, checks: plan.checks }));
      verdict.judge('verify', verified, drill);
    }
  } catch (err) {
    verdict.stopped(err, drill.lastStep(), drillId);
  } finally {
    await CancellationScope.nonCancellable(async () => {
      if (!sandboxHost) return;
      const host = sandboxHost;
      // Recorded after, not before: teardown must not wait for the history database.
      await drill.step('teardown', () => onHost(host, TEARDOWN_OPTIONS).destroySandbox({ drillId, sandbox }), { recordStart: false }).catch((err) => {
        // Only reached when the host stopped polling for an hour: the sandbox stays there,
        // marked with its drill id and expiry, and the step row says so.
        log.error('sandbox teardown failed: its host is gone', { drillId, host, error: (err as Error).message });
      });
    });
  }

  const result = verdict.result(drill);
  await CancellationScope.nonCancellable(() => drill.step('report', () => mustFinish.reportDrill({ snapshot: drill.plan, sourceUri: drill.sourceUri, result })));
  if (!verdict.cancellation) result.canary = await CancellationScope.nonCancellable(() => announceVerdict(alerting, mustFinish, drill, result));
  const summary = drill.finish(result);

  // The record is written; now the execution's status tells the verdict in the Temporal UI:
  // Completed = passed (or a canary that caught its damage and alerted), Failed = failed or error
  // (result in the failure's details), Canceled.
  if (verdict.cancellation) throw verdict.cancellation;
  if (result.canary) {
    if (result.canary.detected && result.canary.alerted) return result;
    throw ApplicationFailure.create({ type: DRILL_ERROR, message: summary, nonRetryable: true, details: [result] });
  }
  if (result.outcome !== 'passed') {
    throw ApplicationFailure.create({ type: result.outcome === 'failed' ? BACKUP_FAILED_VERIFICATION : DRILL_ERROR, message: summary, nonRetryable: true, details: [result] });
  }
  return result;
}

function hasDeepChecks(checks: DrillChecks): boolean {
  return checks.rowDrift !== undefined || checks.freshness.length > 0 || checks.assertions.length > 0 || checks.nativeIntegrity;
}

function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_REQUEST, message, nonRetryable: true });
}

/**
 * What the drill is labelled and recorded with until the plan is snapshotted, and if that fails
 * (an unparseable request still gets a drill row: every drill ends in a recorded verdict).
 */
function provisionalSnapshot(request: DrillRequest, trigger: PlanSnapshot['trigger']): PlanSnapshot {
  const raw = (request ?? {}) as Record<string, unknown>;
  const { planId: _planId, trigger: _trigger, requestedBy: _requestedBy, ...flat } = raw;
  const given = (raw.plan && typeof raw.plan === 'object' ? raw.plan : flat) as Record<string, unknown>;
  const parsed = planSchema.safeParse({ name: AD_HOC_PLAN_NAME, ...given });
  const plan = parsed.success
    ? parsed.data
    : planSchema.parse({
        name: typeof given.name === 'string' && given.name.trim() ? given.name.slice(0, 100) : AD_HOC_PLAN_NAME,
        engine: given.engine === 'mysql' || given.engine === 'mongodb' ? given.engine : 'postgres',
        source: { kind: 'file', path: '(missing)' },
      });
  // The plan id is not trusted before the snapshot proved it exists (drill rows reference plans).
  return { planId: null, planVersion: null, plan, trigger, requestedBy: typeof raw.requestedBy === 'string' ? raw.requestedBy : null };
}
