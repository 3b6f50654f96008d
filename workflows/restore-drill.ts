/**
 * The restore drill, as a saga: locate → provision → restore → inspect, then teardown and report,
 * which run whatever happened before them (success, rejection, crash, cancellation) in a
 * non-cancellable scope and are retried until they succeed.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  TimeoutFailure,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { DrillActivities } from '../activities/index.js';
import type { BackupRef, Check, DrillInput, DrillProgress, DrillRequest, DrillResult, Outcome, SandboxHandle, StepName, StepRecord, TableStat } from '../core/drill.js';
import { failureReason } from '../core/checks.js';
import { describeSource, drillChecksSchema, drillInputSchema } from '../core/drill.js';
import { formatBytes, formatCount, formatDuration } from '../core/duration.js';
import { BACKUP_FAILED_VERIFICATION, BACKUP_REJECTED, DRILL_ERROR, INVALID_REQUEST } from '../core/failures.js';
import { bytesProgressSignal, progressQuery, SEARCH_ATTRIBUTES } from './definitions.js';

const NON_RETRYABLE = [BACKUP_REJECTED, INVALID_REQUEST];

/** Hashing a multi-terabyte backup takes a while; heartbeats prove the worker is still at it. */
const LOCATE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Cancellation waits for provisioning to finish: a sandbox created after the workflow stopped
 * waiting would never be torn down by it.
 */
const PROVISION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  scheduleToStartTimeout: '10 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * A lost worker is noticed within the heartbeat timeout and the restore starts again on a clean
 * cluster. Cancellation waits for the activity to stop its tools before teardown pulls the server.
 */
const RESTORE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  // Runs on one host's queue: if that host never comes back, give up instead of waiting forever.
  scheduleToStartTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
};

const INSPECT_OPTIONS: ActivityOptions = { ...RESTORE_OPTIONS, startToCloseTimeout: '12 hours' };

/** Teardown and the final report must happen: retried (with capped backoff) until they do. */
const MUST_FINISH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

/**
 * Teardown runs on the sandbox's host and is retried until it succeeds, unless that host has not
 * polled for an hour (gone for good): then the drill records the sandbox as not destroyed.
 */
const TEARDOWN_OPTIONS: ActivityOptions = { ...MUST_FINISH_OPTIONS, scheduleToStartTimeout: '1 hour' };

const CLAIM_HOST_OPTIONS: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } };

/**
 * Live step rows in history: cheap and local to the worker, but best-effort: a history database
 * outage must not hold up a restore, and never a teardown. The final report is retried until it lands.
 */
const PROGRESS_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
};

const shared = proxyActivities<DrillActivities>({ ...LOCATE_OPTIONS });
const hostClaim = proxyActivities<DrillActivities>(CLAIM_HOST_OPTIONS);
const mustFinish = proxyActivities<DrillActivities>(MUST_FINISH_OPTIONS);
const local = proxyLocalActivities<DrillActivities>(PROGRESS_OPTIONS);

/** Activities that touch a local sandbox run on the worker host that owns it. */
function onHost(hostTaskQueue: string, options: ActivityOptions) {
  return proxyActivities<DrillActivities>({ ...options, taskQueue: hostTaskQueue });
}

export async function restoreDrill(request: DrillRequest): Promise<DrillResult> {
  const drillId = workflowInfo().workflowId;
  const startedAt = new Date();
  const parsed = drillInputSchema.safeParse(request);
  // An unparseable request still gets a drill row: every drill ends in a recorded verdict.
  const input: DrillInput = parsed.success ? parsed.data : fallbackInput(request);
  const sourceUri = describeSource(input.source);

  const steps: StepRecord[] = [];
  const checks: Check[] = [];
  const progress: DrillProgress = { drillId, outcome: 'running', step: null, stepStartedAt: null, bytesDone: 0, bytesTotal: null, steps };
  setHandler(progressQuery, () => progress);
  setHandler(bytesProgressSignal, (update) => {
    if (update.step === progress.step) {
      progress.bytesDone = update.bytesDone;
      progress.bytesTotal = update.bytesTotal;
    }
  });

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.engine, value: input.engine },
    { key: SEARCH_ATTRIBUTES.outcome, value: 'running' },
    ...(input.planId ? [{ key: SEARCH_ATTRIBUTES.planId, value: input.planId }] : []),
  ]);
  upsertMemo({ summary: `${input.engine} drill of ${sourceUri}: running` });

  const recordProgress = () =>
    local.recordProgress({ drillId, request: input, sourceUri, startedAt: startedAt.toISOString(), steps }).catch((err) => {
      log.warn('could not record drill progress; the final report will', { drillId, error: (err as Error).message });
    });

  async function step<T>(name: StepName, run: () => Promise<T>, bytesOf?: (result: T) => number, options: { recordStart?: boolean } = {}): Promise<T> {
    const record: StepRecord = { name, status: 'running', startedAt: new Date().toISOString() };
    steps.push(record);
    Object.assign(progress, { step: name, stepStartedAt: record.startedAt, bytesDone: 0, bytesTotal: null });
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: name }]);
    setCurrentDetails(`${input.engine} drill of ${sourceUri}: ${name}…`);
    if (options.recordStart !== false) await CancellationScope.nonCancellable(recordProgress);
    try {
      const result = await run();
      finishStep(record, 'passed', bytesOf?.(result));
      return result;
    } catch (err) {
      const { status, message } = describeFailure(err);
      finishStep(record, status, undefined, message);
      throw err;
    } finally {
      await CancellationScope.nonCancellable(recordProgress);
    }
  }

  let outcome: Exclude<Outcome, 'running'> = 'passed';
  let failedStep: StepName | null = null;
  let reason: string | null = null;
  let backup: BackupRef | null = null;
  let format: DrillResult['format'] = null;
  let sandbox: SandboxHandle | null = null;
  let sandboxHost: string | null = null;
  let tables: TableStat[] = [];
  let tablesTruncated = false;
  let tableCount = 0;
  let totalRows = 0;
  let cancellation: unknown;

  /** A check that ran to the end and failed: the step completed, the backup did not pass. */
  function failVerdict(stepName: StepName, check: Check): void {
    outcome = 'failed';
    failedStep = stepName;
    reason = failureReason(check);
    const record = steps.find((s) => s.name === stepName);
    if (record) Object.assign(record, { status: 'failed', message: check.message });
  }

  try {
    if (!parsed.success) {
      throw ApplicationFailure.create({ type: INVALID_REQUEST, message: `invalid drill request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`, nonRetryable: true });
    }
    const located = await step('locate', () => shared.locateBackup({ drillId, planId: input.planId, source: input.source, checks: input.checks }), (r) => r.backup.sizeBytes);
    backup = located.backup;
    checks.push(...located.checks);

    sandbox = await step('provision', async () => {
      // The host is chosen first, so that provisioning, its retries and a teardown by drill id all
      // happen on the one host where the sandbox can be.
      sandboxHost = await hostClaim.claimSandboxHost();
      return onHost(sandboxHost, PROVISION_OPTIONS).provisionSandbox({ drillId, engine: input.engine });
    });

    const restored = await step('restore', () => onHost((sandbox as SandboxHandle).hostTaskQueue, RESTORE_OPTIONS).restoreBackup({ drillId, sandbox: sandbox as SandboxHandle, backup: backup as BackupRef, source: input.source, decryptWith: input.decryptWith, format: input.format, engineVersion: input.engineVersion, allowErrors: input.checks.allowErrors }), (r) => r.bytesRead);
    format = restored.format;
    checks.push(...restored.checks);

    const inspected = await step('inspect', () => onHost((sandbox as SandboxHandle).hostTaskQueue, INSPECT_OPTIONS).inspectRestore({ drillId, sandbox: sandbox as SandboxHandle, checks: input.checks }));
    ({ tables, tablesTruncated, tableCount, totalRows } = inspected);
    checks.push(...inspected.checks);
    const failedInspection = inspected.checks.find((c) => !c.passed);
    if (failedInspection) {
      failVerdict('inspect', failedInspection);
    } else if (hasDeepChecks(input)) {
      const verified = await step('verify', () => onHost((sandbox as SandboxHandle).hostTaskQueue, INSPECT_OPTIONS).verifyRestore({ drillId, planId: input.planId, sandbox: sandbox as SandboxHandle, backup: backup as BackupRef, checks: input.checks }));
      checks.push(...verified);
      const failedVerification = verified.find((c) => !c.passed);
      if (failedVerification) failVerdict('verify', failedVerification);
    }
  } catch (err) {
    failedStep = steps.at(-1)?.name ?? null;
    if (isCancellation(err)) {
      outcome = 'cancelled';
      reason = 'the drill was cancelled';
      cancellation = err;
    } else {
      const failure = rootFailure(err);
      outcome = failure?.type === BACKUP_REJECTED ? 'failed' : 'error';
      const failedCheck = failure?.type === BACKUP_REJECTED ? (failure.details?.[0] as Check | undefined) : undefined;
      reason = failedCheck ? failureReason(failedCheck) : (failure?.message ?? (err as Error).message);
      if (failedCheck) checks.push(failedCheck);
      log.info('drill did not pass', { drillId, outcome, failedStep, reason });
    }
  } finally {
    await CancellationScope.nonCancellable(async () => {
      if (sandboxHost) {
        const host = sandboxHost;
        // Recorded after, not before: teardown must not wait for the history database.
        await step('teardown', () => onHost(host, TEARDOWN_OPTIONS).destroySandbox({ drillId, sandbox }), undefined, { recordStart: false }).catch((err) => {
          // Only reached when the host stopped polling for an hour: the sandbox stays there,
          // marked with its drill id and expiry, and the step row says so.
          log.error('sandbox teardown failed: its host is gone', { drillId, host, error: (err as Error).message });
        });
      }
    });
  }

  const finishedAt = new Date();
  const result: DrillResult = {
    drillId,
    planId: input.planId ?? null,
    engine: input.engine,
    outcome,
    failedStep,
    reason,
    backup,
    format,
    checks,
    tables,
    tablesTruncated,
    tableCount,
    totalRows,
    steps,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
  progress.outcome = outcome;
  progress.step = null;
  await CancellationScope.nonCancellable(() => step('report', () => mustFinish.reportDrill({ request: input, sourceUri, result })));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.outcome, value: outcome },
    { key: SEARCH_ATTRIBUTES.step, value: failedStep ?? 'done' },
  ]);
  const summary = summarize(result, sourceUri);
  upsertMemo({ summary });
  setCurrentDetails(summary);
  // The record is written; now the execution's status tells the verdict in the Temporal UI:
  // Completed = passed, Failed = failed or error (result in the failure's details), Canceled.
  if (cancellation) throw cancellation;
  if (outcome !== 'passed') {
    throw ApplicationFailure.create({ type: outcome === 'failed' ? BACKUP_FAILED_VERIFICATION : DRILL_ERROR, message: summary, nonRetryable: true, details: [result] });
  }
  return result;
}

function hasDeepChecks(input: DrillInput): boolean {
  const { rowDrift, freshness, assertions, nativeIntegrity } = input.checks;
  return rowDrift !== undefined || freshness.length > 0 || assertions.length > 0 || nativeIntegrity;
}

function finishStep(record: StepRecord, status: StepRecord['status'], bytes?: number, message?: string): void {
  const finishedAt = new Date();
  record.status = status;
  record.finishedAt = finishedAt.toISOString();
  record.durationMs = finishedAt.getTime() - new Date(record.startedAt).getTime();
  if (bytes !== undefined) record.bytes = bytes;
  if (message !== undefined) record.message = message;
}

const TIMEOUT_NAMES: Record<string, string> = {
  START_TO_CLOSE: 'start-to-close timeout',
  SCHEDULE_TO_START: 'no worker picked it up',
  SCHEDULE_TO_CLOSE: 'schedule-to-close timeout',
  HEARTBEAT: 'no heartbeat',
};

interface FailureLike {
  type?: string;
  message: string;
  details?: unknown[];
}

/** The ApplicationFailure an activity threw, unwrapped from Temporal's ActivityFailure. */
function rootFailure(err: unknown): FailureLike | undefined {
  let current = err as { cause?: unknown; type?: string; message: string; details?: unknown[] } | undefined;
  while (current?.cause && current.type === undefined) current = current.cause as typeof current;
  if (!current) return undefined;
  if (current instanceof TimeoutFailure) {
    return { message: `timed out (${TIMEOUT_NAMES[current.timeoutType ?? ''] ?? 'timeout'}): the worker may have been lost` };
  }
  return current;
}

function describeFailure(err: unknown): { status: StepRecord['status']; message: string } {
  if (isCancellation(err)) return { status: 'cancelled', message: 'cancelled' };
  const failure = rootFailure(err);
  const message = failure?.message ?? (err as Error).message;
  return { status: failure?.type === BACKUP_REJECTED ? 'failed' : 'error', message };
}

function fallbackInput(request: DrillRequest): DrillInput {
  const raw = (request ?? {}) as Partial<DrillInput>;
  return {
    engine: 'postgres',
    format: 'auto',
    sandbox: { kind: 'local' },
    checks: drillChecksSchema.parse({}),
    ...raw,
    source: raw.source && typeof raw.source === 'object' ? raw.source : { kind: 'file', path: '(missing)' },
  } as DrillInput;
}

function summarize(result: DrillResult, sourceUri: string): string {
  const took = formatDuration(result.durationMs);
  if (result.outcome === 'passed') {
    const size = result.backup ? `, ${formatBytes(result.backup.sizeBytes)}` : '';
    return `PASSED: ${result.engine} backup ${sourceUri}${size} restored in ${took}: ${formatCount(result.tableCount)} tables, ${formatCount(result.totalRows)} rows`;
  }
  return `${result.outcome.toUpperCase()} at ${result.failedStep}: ${result.reason} (${sourceUri}, ${took})`;
}
