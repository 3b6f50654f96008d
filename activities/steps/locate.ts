/** Step 1, locate: the plan's source resolved to one concrete backup, with the level-1 checks. */
import { Context } from '@temporalio/activity';
import type { BackupRef, BackupSourceSpec, Check, DrillChecks } from '../../core/drill.js';
import { previousBackupOfPlan, previousSizeRefusal } from '../../db/queries/plan-baselines.js';
import { sizeChangeCheck } from '../checks/size-change.js';
import { backupRejected } from '../failures.js';
import { ActivityProgress } from '../progress.js';
import { locateBackup } from '../sources/locate.js';
import type { ActivityDeps } from '../deps.js';

export interface LocateResult {
  backup: BackupRef;
  checks: Check[];
}

export function locateActivities(deps: ActivityDeps) {
  return {
    async locateBackup(input: { drillId: string; planId?: string; source: BackupSourceSpec; checks: DrillChecks }): Promise<LocateResult> {
      const ctx = Context.current();
      const progress = new ActivityProgress(input.drillId, 'locate', null, undefined);
      try {
        const located = await locateBackup(input.source, {
          drillId: input.drillId,
          checks: input.checks,
          credentials: deps.credentials,
          signal: ctx.cancellationSignal,
          onHashProgress: (done) => progress.update(done),
        });
        const maxChange = input.checks.maxSizeChangePercent;
        if (input.planId && maxChange !== null) {
          const sizeChange = sizeChangeCheck(
            located.backup.sizeBytes,
            await previousBackupOfPlan(deps.db, input.planId, input.drillId),
            maxChange,
            await previousSizeRefusal(deps.db, input.planId, input.drillId),
          );
          if (!sizeChange.passed) throw backupRejected(sizeChange);
          located.checks.push(sizeChange);
        }
        return located;
      } finally {
        progress.stop();
      }
    },
  };
}
