/**
 * `drill run`: starts a drill through Temporal, shows live progress on a terminal, and prints the
 * verdict. A saved plan (--plan) or an unsaved one described by flags. Exit 0 = backup passed,
 * 1 = backup failed verification, 2 = usage or infrastructure.
 */
import os from 'node:os';
import { CancelledFailure, WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { newDrillId } from '../../core/drill-id.js';
import { describeSource, drillInputSchema, type DrillRequest, type DrillResult, type FlatDrillRequest } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { RESTORE_DRILL_WORKFLOW } from '../../workflows/definitions.js';
import { apiClient, bodyOf, byId } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, parseOrExplain, printJson, printUsage, refuseFlags } from '../args.js';
import { CliError, EXIT_BACKUP_FAILED, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { formatResult, resultJson } from '../format-drill.js';
import { BACKUP_FLAGS, backupFlagsHelp, backupPlanFields, givenBackupFlags, withOptionalLatestValue, type BackupFlagValues } from '../plan-flags.js';
import { startProgressTicker } from '../progress-ticker.js';
import { connectTemporal } from '../temporal.js';

const USAGE = `Usage: drill run --plan NAME|ID [--id DRILL_ID] [--json]
       drill run --engine ENGINE (--source URI | --file PATH) [options]

  --plan NAME|ID        drill a saved plan (see drill plan create) as it is stored now
Or describe the backup here (an unsaved plan):
${backupFlagsHelp('--file')}
  --backup PATH         the same as --file PATH (the name drill plan uses)
Both:
  --id DRILL_ID         workflow id to use (default drill-<time>-<random>)
  --json                print one JSON object instead of the human summary
  -h, --help            this help

Exit codes: 0 backup passed, 1 backup failed verification, 2 usage or infrastructure error.`;

const INSTEAD = {
  '--plan-id': '--plan-id is gone: drills run under saved plans now. Use --plan NAME (create the plan with drill plan create; drill plan create --help)',
};

export async function runCommand(argv: string[]): Promise<number> {
  refuseFlags(argv, INSTEAD);
  const { values } = parseOrExplain(
    {
      args: withOptionalLatestValue(argv),
      options: { ...BACKUP_FLAGS, file: { type: 'string' }, plan: { type: 'string' }, id: { type: 'string' }, ...JSON_FLAG, ...HELP_FLAG },
      strict: true,
      allowPositionals: false,
    },
    USAGE,
  );
  if (values.help) return printUsage(USAGE);
  if (values.file !== undefined && values.backup !== undefined) throw new CliError('--file and --backup are the same flag: give one');
  const localFlag = values.backup !== undefined ? '--backup' : '--file';
  const backupValues: BackupFlagValues = { ...values, backup: values.file ?? values.backup };
  const requestedBy = `cli:${os.userInfo().username}`;
  const { request, summary } = values.plan !== undefined ? await savedPlanRequest(values.plan, backupValues, localFlag, requestedBy) : adHocRequest(backupValues, localFlag, requestedBy);
  return runDrill(request, summary, values.id ?? newDrillId(), values.json);
}

/** A saved plan is drilled as stored: the workflow snapshots it when it starts. */
async function savedPlanRequest(planIdOrName: string, values: BackupFlagValues, localFlag: string, requestedBy: string): Promise<{ request: DrillRequest; summary: string }> {
  const conflicting = givenBackupFlags(values, localFlag);
  if (conflicting.length) throw new CliError(`--plan drills the plan as saved, so it cannot be combined with ${conflicting.join(', ')}: change the plan with drill plan edit, or drill without --plan`);
  const plan = await bodyOf(apiClient().plans[':id'].$get({ param: byId(planIdOrName) }));
  if (plan.deletedAt) throw new CliError(`plan "${plan.name}" (${plan.id}) was deleted at ${plan.deletedAt}; its drills stay in history (drill list --plan ${plan.id})`);
  return {
    request: { planId: plan.id, trigger: 'manual', requestedBy },
    summary: `${plan.name}: ${plan.plan.engine} drill of ${describeSource(plan.plan.source)}`,
  };
}

function adHocRequest(values: BackupFlagValues, localFlag: string, requestedBy: string): { request: FlatDrillRequest; summary: string } {
  const fields = backupPlanFields(values, localFlag);
  if (!fields.engine) throw new CliError(`--engine is required (or --plan NAME)\n\n${USAGE}`);
  if (!fields.source) throw new CliError(`--source or --file is required\n\n${USAGE}`);
  const request: FlatDrillRequest = { ...fields, engine: fields.engine, source: fields.source, format: fields.format ?? 'auto', checks: fields.checks ?? {}, trigger: 'manual', requestedBy };
  // The workflow validates too, but a typo is best reported here, before a drill id is spent.
  const parsed = drillInputSchema.safeParse(request);
  // The flat request is checked as the unsaved plan it becomes: its fields are at the top here.
  const fieldPath = (path: PropertyKey[]) => (path[0] === 'plan' ? path.slice(1) : path).join('.') || 'input';
  if (!parsed.success) throw new CliError(`invalid drill: ${parsed.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ')}`);
  return { request, summary: `${request.engine} drill of ${describeSource(request.source)}` };
}

async function runDrill(request: DrillRequest, summary: string, drillId: string, json: boolean | undefined): Promise<number> {
  const temporal = await connectTemporal();
  try {
    // A drill id names one record: reusing one (--id) must not overwrite an earlier drill's.
    const handle = await temporal.client.workflow
      .start(RESTORE_DRILL_WORKFLOW, { taskQueue: temporal.taskQueue, workflowId: drillId, args: [request], staticSummary: summary, workflowIdReusePolicy: 'REJECT_DUPLICATE' })
      .catch((err: unknown) => {
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw new CliError(`there is already a drill with id "${drillId}": choose another --id, or leave it out`);
        throw err;
      });
    const startedAt = Date.now();
    const ticker = startProgressTicker(handle, startedAt);
    if (!ticker && !json) console.error(`drill ${drillId} started; waiting for the verdict…`);
    let result: DrillResult;
    try {
      result = await awaitDrillResult(handle.result());
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure) {
        if (json) printJson({ drillId, outcome: 'cancelled', reason: 'the drill was cancelled' });
        else console.log(`Drill ${drillId}: CANCELLED`);
        return EXIT_USAGE_OR_INFRA;
      }
      throw new CliError(`drill ${drillId} did not finish: ${(err as Error).message}`);
    } finally {
      await ticker?.stop();
    }
    if (json) printJson(resultJson(result, Date.now() - startedAt));
    else console.log(formatResult(result));
    return result.outcome === 'passed' ? EXIT_PASSED : result.outcome === 'failed' ? EXIT_BACKUP_FAILED : EXIT_USAGE_OR_INFRA;
  } finally {
    await temporal.close();
  }
}
