/**
 * `drill canary PLAN`: drills a deliberately damaged copy of the plan's latest backup and waits
 * for the verdict. It proves the whole alert path: exit 0 only when the damage was detected AND
 * every routed channel took the alert; 1 when either part of that broke.
 */
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { checkLevel } from '../../core/checks.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import type { DrillResult } from '../../core/drill.js';
import { apiClient, bodyOf, byId } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, onePositional, parseOrExplain, printJson, printUsage } from '../args.js';
import { CliError, EXIT_BACKUP_FAILED, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { startProgressTicker } from '../progress-ticker.js';
import { connectTemporal } from '../temporal.js';

const USAGE = `Usage: drill canary PLAN [--json]

Restores a copy of the plan's latest backup cut in half (the backup itself is only read). The drill
must fail, and the failed alert must reach every channel the plan routes it to.
Exit codes: 0 damage detected and alert delivered, 1 either did not happen, 2 usage or infrastructure error.`;

export async function canaryCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...JSON_FLAG, ...HELP_FLAG } }, USAGE);
  if (values.help) return printUsage(USAGE);
  const plan = onePositional(positionals, 'a plan name or id', USAGE);
  // Connected first: a canary started with no way to watch it would only be found in the history.
  const temporal = await connectTemporal();
  try {
    const { drillId } = await bodyOf(apiClient().plans[':id'].canary.$post({ param: byId(plan) }));
    const handle = temporal.client.workflow.getHandle(drillId);
    const ticker = startProgressTicker(handle, Date.now());
    if (!ticker && !values.json) console.error(`canary ${drillId} started; waiting for its verdict and alerts…`);
    let result: DrillResult;
    try {
      result = await awaitDrillResult(handle.result());
    } catch (err) {
      const cancelled = err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure;
      throw new CliError(cancelled ? `canary ${drillId} was cancelled` : `canary ${drillId} did not finish: ${(err as Error).message}`);
    } finally {
      await ticker?.stop();
    }
    const canary = result.canary ?? { detected: false, alerted: false, deliveries: [] };
    if (values.json) printJson({ drillId, planId: result.planId, outcome: result.outcome, failedStep: result.failedStep, level: failedLevel(result), reason: result.reason, ...canary });
    else console.log(formatCanary(result, canary).join('\n'));
    if (canary.detected && canary.alerted) return EXIT_PASSED;
    // Could not even damage and restore a copy: that is no finding about the checks.
    return result.outcome === 'error' ? EXIT_USAGE_OR_INFRA : EXIT_BACKUP_FAILED;
  } finally {
    await temporal.close();
  }
}

function formatCanary(result: DrillResult, canary: NonNullable<DrillResult['canary']>): string[] {
  const ok = canary.detected && canary.alerted;
  const lines = [`Canary ${result.drillId} of plan "${result.planName}": ${ok ? 'OK' : 'PROBLEM'}`];
  if (canary.detected) lines.push(`  detected  yes: failed at ${result.failedStep}: ${result.reason}`);
  else if (result.outcome === 'passed') lines.push('  detected  NO: the copy cut in half passed every check; a backup cut short like it would go unnoticed');
  else lines.push(`  detected  not tested: the damaged copy was never restored (${result.outcome}${result.failedStep ? ` at ${result.failedStep}` : ''}: ${result.reason ?? 'no reason'})`);
  if (canary.deliveries.length === 0) lines.push('  alerted   NO: no channel is routed failed alerts (drill plan edit PLAN --notify CHANNEL)');
  else {
    lines.push(`  alerted   ${canary.alerted ? 'yes' : 'NO'}`);
    for (const d of canary.deliveries) lines.push(`    ${d.status === 'sent' ? '✓' : '✗'} ${d.channel}  ${d.status}${d.detail ? `: ${d.detail}` : ''}`);
  }
  return lines;
}

function failedLevel(result: DrillResult): string | null {
  const failed = result.checks.find((c) => !c.passed);
  return failed ? checkLevel(failed.name) : null;
}
