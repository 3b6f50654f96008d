/**
 * The verdict a drill builds up as its steps report: the backup found, the checks run, the counts,
 * and how it ended (passed, failed at a check, error, cancelled), turned into the DrillResult.
 */
import { isCancellation, log } from '@temporalio/workflow';
import type { InspectResult, LocateResult, RestoreResult } from '../activities/index.js';
import { failureReason } from '../core/checks.js';
import type { BackupRef, Check, DrillResult, Outcome, StepName, TableStat } from '../core/drill.js';
import type { DrillRecord } from './drill-record.js';
import { rejectedCheck, rootFailure } from './drill-failures.js';

export class DrillVerdict {
  outcome: Exclude<Outcome, 'running'> = 'passed';
  failedStep: StepName | null = null;
  reason: string | null = null;
  backup: BackupRef | null = null;
  format: DrillResult['format'] = null;
  readonly checks: Check[] = [];
  tables: TableStat[] = [];
  tablesTruncated = false;
  tableCount = 0;
  totalRows = 0;
  sandboxServer: string | null = null;
  /** Rethrown once the record is written, so the execution ends Canceled. */
  cancellation: unknown;

  located(located: LocateResult): void {
    this.backup = located.backup;
    this.checks.push(...located.checks);
  }

  restored(restored: RestoreResult): void {
    this.format = restored.format;
    this.checks.push(...restored.checks);
  }

  /** The counts; the inspection's checks are judged (judge) like every other step's. */
  inspected(inspected: InspectResult): void {
    ({ tables: this.tables, tablesTruncated: this.tablesTruncated, tableCount: this.tableCount, totalRows: this.totalRows } = inspected);
    this.sandboxServer = inspected.sandboxServer ?? null;
  }

  /**
   * Adds checks that ran to the end; the first failed one is the verdict (its step completed, the
   * backup did not pass). Returns whether the backup still stands.
   */
  judge(step: StepName, checks: Check[], drill: DrillRecord): boolean {
    this.checks.push(...checks);
    const failed = checks.find((c) => !c.passed);
    if (!failed) return true;
    this.outcome = 'failed';
    this.failedStep = step;
    this.reason = failureReason(failed);
    drill.markStepFailed(step, failed.message);
    return false;
  }

  /** A step threw: a rejected backup (failed), a cancellation, or anything else (error). */
  stopped(err: unknown, lastStep: StepName | null, drillId: string): void {
    this.failedStep = lastStep;
    if (isCancellation(err)) {
      this.outcome = 'cancelled';
      this.reason = 'the drill was cancelled';
      this.cancellation = err;
      return;
    }
    const check = rejectedCheck(err);
    this.outcome = check ? 'failed' : 'error';
    this.reason = check ? failureReason(check) : (rootFailure(err)?.message ?? (err as Error).message);
    if (check) this.checks.push(check);
    log.info('drill did not pass', { drillId, outcome: this.outcome, failedStep: this.failedStep, reason: this.reason });
  }

  result(drill: DrillRecord): DrillResult {
    const finishedAt = new Date();
    const { planId, plan, trigger } = drill.plan;
    return {
      drillId: drill.drillId,
      planId,
      planName: plan.name,
      trigger,
      engine: plan.engine,
      outcome: this.outcome,
      failedStep: this.failedStep,
      reason: this.reason,
      backup: this.backup,
      format: this.format,
      checks: this.checks,
      tables: this.tables,
      tablesTruncated: this.tablesTruncated,
      tableCount: this.tableCount,
      totalRows: this.totalRows,
      sandboxServer: this.sandboxServer,
      steps: drill.steps,
      startedAt: drill.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - drill.startedAt.getTime(),
    };
  }
}
