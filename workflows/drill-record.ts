/**
 * What a running drill shows of itself while the saga runs: its steps (recorded live in the
 * history database), the `progress` query, and the search attributes and memo operators read in
 * the Temporal Web UI and `temporal workflow list`.
 */
import { CancellationScope, log, proxyLocalActivities, setCurrentDetails, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { DrillActivities } from '../activities/index.js';
import type { CanaryRecord, DrillProgress, DrillResult, PlanSnapshot, StepName, StepRecord } from '../core/drill.js';
import { describeSource } from '../core/drill.js';
import { formatBytes, formatCount, formatDuration } from '../core/duration.js';
import { PROGRESS_OPTIONS } from './activity-options.js';
import { bytesProgressSignal, progressQuery, SEARCH_ATTRIBUTES } from './definitions.js';
import { stepFailure } from './drill-failures.js';

const local = proxyLocalActivities<DrillActivities>(PROGRESS_OPTIONS);

export class DrillRecord {
  readonly steps: StepRecord[] = [];
  readonly startedAt = new Date();
  private readonly progress: DrillProgress;
  private snapshot: PlanSnapshot;

  constructor(
    readonly drillId: string,
    provisional: PlanSnapshot,
  ) {
    this.snapshot = provisional;
    this.progress = { drillId, outcome: 'running', step: null, stepStartedAt: null, bytesDone: 0, bytesTotal: null, steps: this.steps };
    setHandler(progressQuery, () => this.progress);
    setHandler(bytesProgressSignal, (update) => {
      if (update.step === this.progress.step) {
        this.progress.bytesDone = update.bytesDone;
        this.progress.bytesTotal = update.bytesTotal;
      }
    });
    this.label();
  }

  get plan(): PlanSnapshot {
    return this.snapshot;
  }

  get sourceUri(): string {
    return describeSource(this.snapshot.plan.source);
  }

  /** The plan the drill runs from now on; what it is labelled with in Temporal too. */
  usePlan(snapshot: PlanSnapshot): void {
    this.snapshot = snapshot;
    this.label();
  }

  /** Runs one step of the saga, recording its start and end (live rows and the progress query). */
  async step<T>(name: StepName, run: () => Promise<T>, options: { bytesOf?: (result: T) => number; recordStart?: boolean } = {}): Promise<T> {
    const record: StepRecord = { name, status: 'running', startedAt: new Date().toISOString() };
    this.steps.push(record);
    Object.assign(this.progress, { step: name, stepStartedAt: record.startedAt, bytesDone: 0, bytesTotal: null });
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.step, value: name }]);
    setCurrentDetails(`${this.describe()}: ${name}…`);
    if (options.recordStart !== false) await CancellationScope.nonCancellable(() => this.save());
    try {
      const result = await run();
      finishStep(record, 'passed', options.bytesOf?.(result));
      return result;
    } catch (err) {
      const { status, message } = stepFailure(err);
      finishStep(record, status, undefined, message);
      throw err;
    } finally {
      await CancellationScope.nonCancellable(() => this.save());
    }
  }

  /** A check that ran to the end and failed: its step completed, but the backup did not pass. */
  markStepFailed(name: StepName, message: string): void {
    const record = this.steps.find((s) => s.name === name);
    if (record) Object.assign(record, { status: 'failed', message });
  }

  lastStep(): StepName | null {
    return this.steps.at(-1)?.name ?? null;
  }

  /** The verdict is in: the query, the search attributes and the memo say so. */
  finish(result: DrillResult): string {
    this.progress.outcome = result.outcome;
    this.progress.step = null;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.outcome, value: result.outcome },
      { key: SEARCH_ATTRIBUTES.step, value: result.failedStep ?? 'done' },
    ]);
    const summary = summarize(result, this.sourceUri);
    upsertMemo({ summary });
    setCurrentDetails(summary);
    return summary;
  }

  private describe(): string {
    const canary = this.snapshot.trigger === 'canary' ? 'canary ' : '';
    return `${this.snapshot.plan.engine} ${canary}drill of ${this.sourceUri}`;
  }

  private label(): void {
    const { planId, plan, trigger } = this.snapshot;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.engine, value: plan.engine },
      { key: SEARCH_ATTRIBUTES.outcome, value: 'running' },
      { key: SEARCH_ATTRIBUTES.trigger, value: trigger },
      ...(planId ? [{ key: SEARCH_ATTRIBUTES.planId, value: planId }, { key: SEARCH_ATTRIBUTES.planName, value: plan.name }] : []),
    ]);
    upsertMemo({ summary: `${this.describe()}: running`, ...(planId ? { plan: `${plan.name} (${planId})` } : {}) });
  }

  private save(): Promise<void> {
    return local
      .recordProgress({ drillId: this.drillId, snapshot: this.snapshot, sourceUri: this.sourceUri, startedAt: this.startedAt.toISOString(), steps: this.steps })
      .catch((err) => {
        log.warn('could not record drill progress; the final report will', { drillId: this.drillId, error: (err as Error).message });
      });
  }
}

function finishStep(record: StepRecord, status: StepRecord['status'], bytes?: number, message?: string): void {
  const finishedAt = new Date();
  record.status = status;
  record.finishedAt = finishedAt.toISOString();
  record.durationMs = finishedAt.getTime() - new Date(record.startedAt).getTime();
  if (bytes !== undefined) record.bytes = bytes;
  if (message !== undefined) record.message = message;
}

function summarize(result: DrillResult, sourceUri: string): string {
  const took = formatDuration(result.durationMs);
  if (result.canary) return summarizeCanary(result, result.canary, sourceUri, took);
  if (result.outcome === 'passed') {
    const size = result.backup ? `, ${formatBytes(result.backup.sizeBytes)}` : '';
    return `PASSED: ${result.engine} backup ${sourceUri}${size} restored in ${took}: ${formatCount(result.tableCount)} tables, ${formatCount(result.totalRows)} rows`;
  }
  return `${result.outcome.toUpperCase()} at ${result.failedStep}: ${result.reason} (${sourceUri}, ${took})`;
}

function summarizeCanary(result: DrillResult, canary: CanaryRecord, sourceUri: string, took: string): string {
  const sent = canary.deliveries.filter((d) => d.status === 'sent').map((d) => d.channel);
  const unsent = canary.deliveries.filter((d) => d.status !== 'sent').map((d) => `${d.channel} (${d.detail ?? 'not delivered'})`);
  const caught = canary.detected ? `the damaged copy of ${sourceUri} failed at ${result.failedStep}: ${result.reason}` : `the damaged copy of ${sourceUri} was NOT caught (outcome ${result.outcome}${result.reason ? `: ${result.reason}` : ''})`;
  const alert = canary.deliveries.length === 0 ? 'no channel is routed failed alerts' : `alert sent to ${sent.join(', ') || 'none'}${unsent.length ? `, not to ${unsent.join(', ')}` : ''}`;
  return `CANARY ${canary.detected && canary.alerted ? 'OK' : 'PROBLEM'}: ${caught}; ${alert} (${took})`;
}
