/**
 * How often a sandbox step (restore, inspect, verify) may start again, decided by why the last
 * attempt ended rather than by Temporal's attempt count:
 * - an attempt whose worker was lost (killed, out of memory, hung: it never recorded an end) is
 *   an infrastructure fault, retried for RESTORE_DRILL_LOST_WORKER_BUDGET after the first loss,
 *   however many workers die in that time;
 * - a fault the step itself hit (a full disk, a server that crashed under it) is retried at most
 *   MAX_FAULTS times in all, since it is likely to happen again.
 * The ledger lives in the sandbox's work dir (the worker's, hidden from the jail), so it survives
 * the worker and goes with the sandbox.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { loadConfig } from '../core/config.js';
import type { SandboxHandle, StepName } from '../core/drill.js';
import { formatDuration, parseDurationSeconds } from '../core/duration.js';

const MAX_FAULTS = 3;
export const WORKERS_LOST = 'WorkersLost';

interface AttemptEntry {
  attempt: number;
  startedAt: string;
  end?: 'done' | 'fault' | 'cancelled';
}

export async function withAttemptLedger<T>(sandbox: SandboxHandle, step: StepName, run: () => Promise<T>): Promise<T> {
  const file = path.join(sandbox.workDir, `attempts-${step}.json`);
  const entries = await readEntries(file);
  const lost = entries.filter((entry) => entry.end === undefined);
  const budgetMs = parseDurationSeconds(loadConfig().lostWorkerBudget) * 1000;
  if (lost.length > 0 && Date.now() - Date.parse(lost[0]!.startedAt) > budgetMs) {
    throw ApplicationFailure.create({
      type: WORKERS_LOST,
      nonRetryable: true,
      message:
        `the ${step} was started ${entries.length + 1} times and the worker running it was lost ${lost.length} time(s) over ${formatDuration(Date.now() - Date.parse(lost[0]!.startedAt))} ` +
        `(killed, out of memory or hung), longer than RESTORE_DRILL_LOST_WORKER_BUDGET=${loadConfig().lostWorkerBudget}: check the worker's log and the host's OOM killer`,
    });
  }
  const entry: AttemptEntry = { attempt: Context.current().info.attempt, startedAt: new Date().toISOString() };
  entries.push(entry);
  await writeEntries(file, entries);

  const settle = async (end: AttemptEntry['end']) => {
    entry.end = end;
    await writeEntries(file, entries).catch(() => {});
  };
  try {
    const result = await run();
    await settle('done');
    return result;
  } catch (err) {
    if (Context.current().cancellationSignal.aborted) {
      await settle('cancelled');
      throw err;
    }
    if (err instanceof ApplicationFailure && err.nonRetryable) {
      await settle('done');
      throw err;
    }
    await settle('fault');
    const faults = entries.filter((e) => e.end === 'fault').length;
    if (faults < MAX_FAULTS) throw err;
    // The same message: it names the fault; only the retrying stops.
    throw ApplicationFailure.create({ type: (err as Error).name || 'Error', message: (err as Error).message, nonRetryable: true, cause: err as Error });
  }
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
  await fs.writeFile(`${file}.tmp`, JSON.stringify(entries), { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
}
