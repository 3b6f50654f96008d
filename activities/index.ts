/**
 * The drill's activities, built by a factory so that the worker (and tests) inject the history
 * database, the Temporal client used for progress signals, and host-specific settings.
 */
import { Context } from '@temporalio/activity';
import type { BackupRef, Check, DrillChecks, DrillInput, DrillResult, DumpFormat, Engine, FileSource, SandboxHandle, TableStat } from '../core/drill.js';
import type { HistoryDb } from '../db/client.js';
import { recordDrillProgress, recordDrillReport, replaceDrillTables, type DrillProgressRecord } from '../db/queries/drill-writes.js';
import { volumeChecks } from './checks/volume.js';
import { createEngines } from './engines/registry.js';
import { ActivityProgress, type SignalProgress } from './progress.js';
import { createLocalSandbox, findLocalSandboxes, removeLocalSandbox } from './sandboxes/local.js';
import { locateFileBackup } from './sources/file.js';

/** Workflow results carry at most this many per-table counts; history keeps them all. */
export const MAX_TABLES_IN_RESULT = 500;

export interface ActivityDeps {
  db: HistoryDb;
  /** Task queue only this host's worker polls: local sandboxes live on one host. */
  hostTaskQueue: string;
  signalProgress?: SignalProgress;
  postgresBinDir?: string;
  /** Parent directory of local sandboxes (OS temp dir by default). */
  sandboxRootDir?: string;
}

export interface LocateResult {
  backup: BackupRef;
  checks: Check[];
}

export interface RestoreResult {
  format: Exclude<DumpFormat, 'auto'>;
  bytesRead: number;
  checks: Check[];
}

export interface InspectResult {
  tables: TableStat[];
  tablesTruncated: boolean;
  tableCount: number;
  totalRows: number;
  checks: Check[];
}

export function createActivities(deps: ActivityDeps) {
  const engines = createEngines({ postgresBinDir: deps.postgresBinDir });

  async function destroyOne(sandbox: SandboxHandle): Promise<void> {
    await engines[sandbox.engine].stopServer(sandbox);
    await removeLocalSandbox(sandbox);
  }

  return {
    async locateBackup(input: { drillId: string; source: FileSource; checks: DrillChecks }): Promise<LocateResult> {
      const ctx = Context.current();
      const progress = new ActivityProgress(input.drillId, 'locate', null, undefined);
      try {
        return await locateFileBackup(input.source, {
          maxAgeSeconds: input.checks.maxAgeSeconds,
          now: new Date(),
          signal: ctx.cancellationSignal,
          onHashProgress: (done) => progress.update(done),
        });
      } finally {
        progress.stop();
      }
    },

    /** Runs on the shared queue; names the queue of the host that picked it up. */
    async claimSandboxHost(): Promise<string> {
      return deps.hostTaskQueue;
    },

    async provisionSandbox(input: { drillId: string; engine: Engine }): Promise<SandboxHandle> {
      // A previous attempt may have died after creating its sandbox but before reporting it.
      for (const stale of await findLocalSandboxes(input.drillId, deps.sandboxRootDir)) await destroyOne(stale);
      const sandbox = await createLocalSandbox(input.drillId, input.engine, { hostTaskQueue: deps.hostTaskQueue, rootDir: deps.sandboxRootDir });
      try {
        await engines[input.engine].startServer(sandbox);
      } catch (err) {
        await destroyOne(sandbox);
        throw err;
      }
      return sandbox;
    },

    async restoreBackup(input: { drillId: string; sandbox: SandboxHandle; backup: BackupRef; format: DumpFormat }): Promise<RestoreResult> {
      const ctx = Context.current();
      const progress = new ActivityProgress(input.drillId, 'restore', input.backup.sizeBytes, deps.signalProgress);
      try {
        const summary = await engines[input.sandbox.engine].restore({
          sandbox: input.sandbox,
          backup: input.backup,
          requestedFormat: input.format,
          isRetry: ctx.info.attempt > 1,
          signal: ctx.cancellationSignal,
          onProgress: (bytes) => progress.update(bytes),
        });
        progress.update(summary.bytesRead);
        await progress.finish();
        return { format: summary.format, bytesRead: summary.bytesRead, checks: summary.checks };
      } finally {
        progress.stop();
      }
    },

    async inspectRestore(input: { drillId: string; sandbox: SandboxHandle; checks: DrillChecks }): Promise<InspectResult> {
      const ctx = Context.current();
      const progress = new ActivityProgress(input.drillId, 'inspect', null, undefined);
      try {
        const engine = engines[input.sandbox.engine];
        const tables = await engine.inspect({ sandbox: input.sandbox, signal: ctx.cancellationSignal, onTableCounted: (done) => progress.update(done) });
        await replaceDrillTables(deps.db, input.drillId, tables);
        return {
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
    },

    /** Destroys the drill's sandbox; without a handle, whatever this host holds for the drill. */
    async destroySandbox(input: { drillId: string; sandbox: SandboxHandle | null }): Promise<void> {
      const sandboxes = input.sandbox ? [input.sandbox] : await findLocalSandboxes(input.drillId, deps.sandboxRootDir);
      for (const sandbox of sandboxes) await destroyOne(sandbox);
    },

    async recordProgress(progress: DrillProgressRecord): Promise<void> {
      await recordDrillProgress(deps.db, progress);
    },

    async reportDrill(input: { request: DrillInput; sourceUri: string; result: DrillResult }): Promise<void> {
      await recordDrillReport(deps.db, input.request, input.sourceUri, input.result);
    },
  };
}

export type DrillActivities = ReturnType<typeof createActivities>;
