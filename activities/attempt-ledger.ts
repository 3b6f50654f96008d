/**
 * How often a sandbox step (restore, inspect, verify) may start again, decided by why the last
 * attempt ended rather than by Temporal's attempt count:
 * - an attempt whose worker was lost (killed, out of memory, hung, timed out: it never recorded
 *   an end) is an infrastructure fault, retried for RESTORE_DRILL_LOST_WORKER_BUDGET after the
 *   first loss was noticed, however many workers die in that time;
 * - a fault the step itself hit (a full disk, a server that crashed under it) is retried at most
 *   MAX_FAULTS times in all, since it is likely to happen again.
 * The ledger lives in the sandbox's work dir (the worker's, hidden from the jail), so it survives
 * the worker and goes with the sandbox.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { loadConfig } from '../core/config.js';
import type { SandboxHandle, StepName } from '../core/drill.js';
import { formatDuration, parseDurationSeconds } from '../core/duration.js';
import { sandboxFault } from './failures.js';

const MAX_FAULTS = 3;
export const WORKERS_LOST = 'WorkersLost';
const SANDBOX_DISK_FULL = 'SandboxDiskFull';
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

interface AttemptEntry {
  attempt: number;
  startedAt: string;
  end?: 'done' | 'fault' | 'cancelled';
  /** When a later attempt first found this one unfinished: its worker was lost by then. */
  lostNoticedAt?: string;
}

export async function withAttemptLedger<T>(sandbox: SandboxHandle, step: StepName, run: () => Promise<T>): Promise<T> {
  const file = path.join(sandbox.workDir, `attempts-${step}.json`);
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  const now = new Date().toISOString();
  const entries = await readEntries(file);
  const lost = entries.filter((entry) => entry.end === undefined && entry.attempt !== attempt);
  for (const entry of lost) entry.lostNoticedAt ??= now;
  // From when the loss was seen, not when the lost attempt started: a restore may run for hours first.
  const firstNoticed = Math.min(...lost.map((entry) => Date.parse(entry.lostNoticedAt!)));
  const budget = loadConfig().lostWorkerBudget;
  if (lost.length > 0 && Date.now() - firstNoticed > parseDurationSeconds(budget) * 1000) {
    throw ApplicationFailure.create({
      type: WORKERS_LOST,
      nonRetryable: true,
      message:
        `the ${step} was started ${entries.length + 1} times and the worker running it was lost ${lost.length} time(s) over ${formatDuration(Date.now() - firstNoticed)} ` +
        `(killed, out of memory or hung), longer than RESTORE_DRILL_LOST_WORKER_BUDGET=${budget}: check the worker's log and the host's OOM killer`,
    });
  }
  try {
    await writeEntries(file, [...entries.filter((entry) => entry.attempt !== attempt), { attempt, startedAt: now }]);
  } catch (err) {
    // No room even for the attempt's record (what a failed attempt wrote, or another sandbox on the
    // same disk, fills it): retried like a fault, by Temporal's count since the ledger cannot
    // count it, then the drill ends as error.
    if (!DISK_FULL.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    const message = sandboxFault(`its disk is full: there is no room under ${sandbox.dir} even to record a ${step} attempt (${(err as Error).message})`).message;
    throw ApplicationFailure.create({ type: SANDBOX_DISK_FULL, nonRetryable: attempt > MAX_FAULTS, message });
  }

  try {
    const result = await run();
    await settle(file, attempt, 'done');
    return result;
  } catch (err) {
    if (ctx.cancellationSignal.aborted) {
      // Only a cancellation the workflow asked for ends the attempt; a timeout or a shutdown
      // leaves it unfinished, which the next attempt counts as a lost worker.
      if (ctx.cancellationDetails?.cancelRequested) await settle(file, attempt, 'cancelled');
      throw err;
    }
    if (err instanceof ApplicationFailure && err.nonRetryable) {
      await settle(file, attempt, 'done');
      throw err;
    }
    const faults = await settle(file, attempt, 'fault');
    if (faults < MAX_FAULTS) throw err;
    // The same message: it names the fault; only the retrying stops.
    throw ApplicationFailure.create({ type: (err as Error).name || 'Error', message: (err as Error).message, nonRetryable: true, cause: err as Error });
  }
}

/**
 * Records how this attempt ended, re-reading the ledger first (an attempt that outlived its
 * worker may have written since); returns how many attempts ended in a fault.
 */
async function settle(file: string, attempt: number, end: NonNullable<AttemptEntry['end']>): Promise<number> {
  const entries = await readEntries(file).catch(() => [] as AttemptEntry[]);
  const own = entries.find((entry) => entry.attempt === attempt);
  if (own) own.end = end;
  else entries.push({ attempt, startedAt: new Date().toISOString(), end });
  await writeEntries(file, entries).catch(() => {});
  return entries.filter((entry) => entry.end === 'fault').length;
}

async function readEntries(file: string): Promise<AttemptEntry[]> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as AttemptEntry[]) : [];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      await fs.access(path.dirname(file)).catch(() => {
        throw ApplicationFailure.create({ type: WORKERS_LOST, nonRetryable: true, message: `the sandbox's work folder ${path.dirname(file)} is gone: the sandbox was destroyed under the drill` });
      });
    }
    return [];
  }
}

async function writeEntries(file: string, entries: AttemptEntry[]): Promise<void> {
  // A temporary file of its own: two attempts (one outliving its worker) may write at once.
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temporary, JSON.stringify(entries), { mode: 0o600 });
    await fs.rename(temporary, file);
  } catch (err) {
    await fs.rm(temporary, { force: true });
    throw err;
  }
}
