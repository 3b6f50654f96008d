/** Step 4, inspect: every table counted exactly, and the level-4 volume checks. */
import { Context } from '@temporalio/activity';
import type { Check, DrillChecks, SandboxHandle, TableStat } from '../../core/drill.js';
import { replaceDrillTables } from '../../db/queries/drill-writes.js';
import { volumeChecks } from '../checks/volume.js';
import { withAttemptLedger } from '../attempt-ledger.js';
import { ActivityProgress } from '../progress.js';
import type { ActivityDeps } from '../deps.js';
import type { SandboxLifecycle } from './sandbox-lifecycle.js';

/** Workflow results carry at most this many per-table counts; history keeps them all. */
export const MAX_TABLES_IN_RESULT = 500;

/** Asking a server its version is instant; a server too busy to answer in this long is not worth waiting for. */
const SERVER_VERSION_TIMEOUT_MS = 10_000;

export interface InspectResult {
  tables: TableStat[];
  tablesTruncated: boolean;
  tableCount: number;
  totalRows: number;
  checks: Check[];
  /** What the sandbox server says it is; null when it would not say (the drill's verdict does not depend on it). */
  sandboxServer: string | null;
}

export function inspectActivities(deps: ActivityDeps, sandboxes: SandboxLifecycle) {
  return {
    inspectRestore(input: { drillId: string; sandbox: SandboxHandle; checks: DrillChecks }): Promise<InspectResult> {
      return withAttemptLedger(input.sandbox, 'inspect', () => inspect(input));
    },
  };

  async function inspect(input: { drillId: string; sandbox: SandboxHandle; checks: DrillChecks }): Promise<InspectResult> {
    const ctx = Context.current();
    const progress = new ActivityProgress(input.drillId, 'inspect', null, undefined);
    try {
      const engine = sandboxes.engineOf(input.sandbox);
      const tables = await engine.inspect({ sandbox: input.sandbox, signal: ctx.cancellationSignal, onTableCounted: (done) => progress.update(done) });
      await replaceDrillTables(deps.db, input.drillId, tables);
      const sandboxServer = await engine.serverVersion({ sandbox: input.sandbox, signal: ctx.cancellationSignal, timeoutMs: SERVER_VERSION_TIMEOUT_MS }).catch(() => null);
      return {
        sandboxServer,
        tables: tables.slice(0, MAX_TABLES_IN_RESULT),
        tablesTruncated: tables.length > MAX_TABLES_IN_RESULT,
        tableCount: tables.length,
        totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
        checks: [
          { name: 'readable', passed: true, observed: `${tables.length} table(s) scanned`, expected: 'every table fully scanned', message: `every table was read to the end (${engine.readMethod})` },
          ...volumeChecks(tables, input.checks),
        ],
      };
    } finally {
      progress.stop();
    }
  }
}
