/**
 * Step 5, verify: levels 5–7, only what the plan declares: row drift vs the last passing drill,
 * freshness columns, custom assertions, the engine's own integrity check. Every check runs, so one
 * report shows all that is wrong.
 */
import { Context } from '@temporalio/activity';
import type { BackupRef, Check, DrillChecks, SandboxHandle } from '../../core/drill.js';
import { readDrillTables } from '../../db/queries/drill-reads.js';
import { lastPassingDrillOfPlan } from '../../db/queries/plan-baselines.js';
import { assertionCheck } from '../checks/assertions.js';
import { freshnessCheck } from '../checks/freshness.js';
import { nativeIntegrityCheck } from '../checks/native-integrity.js';
import { rowDriftCheck } from '../checks/row-drift.js';
import { ActivityProgress } from '../progress.js';
import { withAttemptLedger } from '../attempt-ledger.js';
import type { ActivityDeps } from '../deps.js';
import type { SandboxLifecycle } from './sandbox-lifecycle.js';

interface VerifyInput {
  drillId: string;
  planId?: string;
  sandbox: SandboxHandle;
  backup: BackupRef;
  checks: DrillChecks;
}

export function verifyActivities(deps: ActivityDeps, sandboxes: SandboxLifecycle) {
  return {
    verifyRestore(input: VerifyInput): Promise<Check[]> {
      return withAttemptLedger(input.sandbox, 'verify', () => verify(input));
    },
  };

  async function verify(input: VerifyInput): Promise<Check[]> {
    const signal = Context.current().cancellationSignal;
    const engine = sandboxes.engineOf(input.sandbox);
    const progress = new ActivityProgress(input.drillId, 'verify', null, undefined);
    const results: Check[] = [];
    try {
      const tables = await readDrillTables(deps.db, input.drillId);
      if (input.checks.rowDrift) {
        const baseline = input.planId ? await lastPassingDrillOfPlan(deps.db, input.planId, input.drillId) : undefined;
        results.push(rowDriftCheck(tables, baseline, input.checks.rowDrift));
      }
      for (const rule of input.checks.freshness) {
        results.push(await freshnessCheck(engine, input.sandbox, tables, rule, new Date(input.backup.modifiedAt), signal));
        progress.update(results.length);
      }
      for (const assertion of input.checks.assertions) {
        results.push(await assertionCheck(engine, input.sandbox, assertion, signal));
        progress.update(results.length);
      }
      if (input.checks.nativeIntegrity) results.push(await nativeIntegrityCheck(engine, input.sandbox, signal));
      return results;
    } finally {
      progress.stop();
    }
  }
}
