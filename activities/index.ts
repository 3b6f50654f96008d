/**
 * The drill's activities, built by a factory so that the worker (and tests) inject the history
 * database, the Temporal client used for progress signals, and host-specific settings.
 */
import { Context } from '@temporalio/activity';
import type { CredentialResolver } from '../core/credentials.js';
import type { BackupRef, BackupSourceSpec, Check, DrillChecks, DrillInput, DrillResult, DumpFormat, Engine, SandboxHandle, TableStat } from '../core/drill.js';
import type { HistoryDb } from '../db/client.js';
import { readDrillTables } from '../db/queries/drill-reads.js';
import { recordDrillProgress, recordDrillReport, replaceDrillTables, type DrillProgressRecord } from '../db/queries/drill-writes.js';
import { lastPassingDrillOfPlan, previousBackupOfPlan } from '../db/queries/plan-baselines.js';
import { assertionCheck } from './checks/assertions.js';
import { freshnessCheck } from './checks/freshness.js';
import { nativeIntegrityCheck } from './checks/native-integrity.js';
import { rowDriftCheck } from './checks/row-drift.js';
import { sizeChangeCheck } from './checks/size-change.js';
import { volumeChecks } from './checks/volume.js';
import { backupRejected, invalidRequest } from './failures.js';
import { VaultError } from './vault/errors.js';
import type { RestoreSummary } from './engines/engine.js';
import { createEngines } from './engines/registry.js';
import { ActivityProgress, type SignalProgress } from './progress.js';
import { createLocalSandbox, findLocalSandboxes, removeLocalSandbox } from './sandboxes/local.js';
import { locateBackup } from './sources/locate.js';
import { fetchBackupContent } from './fetch.js';
import { releaseContent, type BackupContent } from './backup-content.js';

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
  /** The vault: source credentials and decryption keys, by name. */
  credentials?: CredentialResolver;
}

export interface LocateResult {
  backup: BackupRef;
  checks: Check[];
}

export type RestoreResult = RestoreSummary;

export interface InspectResult {
  tables: TableStat[];
  tablesTruncated: boolean;
  tableCount: number;
  totalRows: number;
  checks: Check[];
}

export function createActivities(rawDeps: ActivityDeps) {
  const deps: ActivityDeps = { ...rawDeps, credentials: rawDeps.credentials && settledVaultErrors(rawDeps.credentials) };
  const engines = createEngines({ postgresBinDir: deps.postgresBinDir });

  async function destroyOne(sandbox: SandboxHandle): Promise<void> {
    await engines[sandbox.engine].stopServer(sandbox);
    await removeLocalSandbox(sandbox);
  }

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
          const sizeChange = sizeChangeCheck(located.backup.sizeBytes, await previousBackupOfPlan(deps.db, input.planId, input.drillId), maxChange);
          if (!sizeChange.passed) throw backupRejected(sizeChange);
          located.checks.push(sizeChange);
        }
        return located;
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

    async restoreBackup(input: { drillId: string; sandbox: SandboxHandle; backup: BackupRef; source: BackupSourceSpec; decryptWith?: string; format: DumpFormat; engineVersion?: string; allowErrors: string[] }): Promise<RestoreResult> {
      const ctx = Context.current();
      const progress = new ActivityProgress(input.drillId, 'restore', input.backup.sizeBytes, deps.signalProgress);
      try {
        const content = await fetchBackupContent({
          drillId: input.drillId,
          backup: input.backup,
          source: input.source,
          decryptWith: input.decryptWith,
          sandbox: input.sandbox,
          credentials: deps.credentials,
          signal: ctx.cancellationSignal,
        });
        const summary = await engines[input.sandbox.engine].restore({
          sandbox: input.sandbox,
          backup: input.backup,
          content,
          requestedFormat: input.format,
          declaredVersion: input.engineVersion,
          allowedErrors: input.allowErrors,
          isRetry: ctx.info.attempt > 1,
          signal: ctx.cancellationSignal,
          onProgress: (bytes) => progress.update(bytes),
        });
        progress.update(summary.bytesRead);
        await progress.finish();
        return { format: summary.format, bytesRead: summary.bytesRead, producer: summary.producer, checks: [...transportChecks(input.backup, content), ...summary.checks] };
      } finally {
        progress.stop();
        await releaseContent(input.sandbox);
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

    /**
     * Levels 5–7, only what the plan declares: row drift vs the last passing drill, freshness
     * columns, custom assertions, the engine's own integrity check. Every check runs, so one
     * report shows all that is wrong.
     */
    async verifyRestore(input: { drillId: string; planId?: string; sandbox: SandboxHandle; backup: BackupRef; checks: DrillChecks }): Promise<Check[]> {
      const ctx = Context.current();
      const signal = ctx.cancellationSignal;
      const engine = engines[input.sandbox.engine];
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

/**
 * A credential the plan names but the vault cannot give (unknown, wrong kind, no or wrong master
 * key, tampered) will not appear by retrying: the drill ends at once, as an error naming it. Other
 * failures (database or AWS unreachable) stay retryable.
 */
function settledVaultErrors(resolver: CredentialResolver): CredentialResolver {
  const SETTLED = new Set(['no-master-key', 'bad-master-key', 'unknown-master-key', 'tampered', 'not-found', 'wrong-kind', 'aws-credentials']);
  return {
    async resolve(name, kind, use) {
      try {
        return await resolver.resolve(name, kind, use);
      } catch (err) {
        if (err instanceof VaultError && SETTLED.has(err.code)) throw invalidRequest(`vault: ${err.message}`);
        throw err;
      }
    },
  };
}

/** What the streamed path verified on the way: the source's checksum, the layers it peeled. */
function transportChecks(backup: BackupRef, content: BackupContent): Check[] {
  const checks: Check[] = [];
  if (backup.path === null && backup.sha256) {
    const expected = `sha256 from the ${backup.sha256From === 'sidecar' ? '.sha256 sidecar' : "source's object checksum"}`;
    // A mismatch fails the restore; a tool that stopped before the end (mongorestore at an archive's
    // terminator) leaves it unchecked, and the check says so rather than claiming it.
    checks.push(
      content.checksumVerified()
        ? { name: 'checksum', passed: true, observed: `sha256 ${backup.sha256}`, expected, message: 'sha256 verified while streaming from the source' }
        : { name: 'checksum', passed: true, observed: 'not verified: the restore tool stopped reading before the end of the stream', expected, message: 'sha256 not verified: the restore did not read the whole backup' },
    );
  }
  const layers = content.layers();
  if (layers.includes('age') || layers.includes('pgp')) {
    checks.push({ name: 'decrypt', passed: true, observed: layers.join(' → '), expected: 'authenticated decryption to the end', message: `decrypted (${layers.join(' → ')}); the ciphertext's integrity was verified to its end` });
  }
  return checks;
}
