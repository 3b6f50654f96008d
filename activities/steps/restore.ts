/** Step 3, fetch → restore: one stream from the source through decryption into the engine. */
import { Context } from '@temporalio/activity';
import type { BackupRef, BackupSourceSpec, Check, DumpFormat, SandboxHandle } from '../../core/drill.js';
import { releaseContent, type BackupContent } from '../backup-content.js';
import { damagedCopy, type CanaryDamage } from '../canary-damage.js';
import type { RestoreSummary } from '../engines/engine.js';
import { fetchBackupContent } from '../fetch.js';
import { withAttemptLedger } from '../attempt-ledger.js';
import { ActivityProgress } from '../progress.js';
import type { ActivityDeps } from '../deps.js';
import type { SandboxLifecycle } from './sandbox-lifecycle.js';

export type RestoreResult = RestoreSummary;

export interface RestoreInput {
  drillId: string;
  sandbox: SandboxHandle;
  backup: BackupRef;
  source: BackupSourceSpec;
  decryptWith?: string;
  format: DumpFormat;
  engineVersion?: string;
  /** MySQL/MariaDB: where a dump that names no database restores (the plan's `database`). */
  database?: string;
  allowErrors: string[];
  /** Canary drills: restore a copy damaged this way inside the sandbox, never the backup itself. */
  damage?: CanaryDamage;
}

export function restoreActivities(deps: ActivityDeps, sandboxes: SandboxLifecycle) {
  return {
    restoreBackup(input: RestoreInput): Promise<RestoreResult> {
      return withAttemptLedger(input.sandbox, 'restore', () => restore(input));
    },
  };

  async function restore(input: RestoreInput): Promise<RestoreResult> {
    const ctx = Context.current();
    const progress = new ActivityProgress(input.drillId, 'restore', input.backup.sizeBytes, deps.signalProgress);
    try {
      const fetched = await fetchBackupContent({
        drillId: input.drillId,
        backup: input.backup,
        source: input.source,
        decryptWith: input.decryptWith,
        sandbox: input.sandbox,
        credentials: deps.credentials,
        signal: ctx.cancellationSignal,
      });
      const content = input.damage ? await damagedCopy(fetched, input.damage, input.sandbox, ctx.cancellationSignal) : fetched;
      const summary = await sandboxes.engineOf(input.sandbox).restore({
        sandbox: input.sandbox,
        backup: input.backup,
        content,
        requestedFormat: input.format,
        declaredVersion: input.engineVersion,
        defaultDatabase: input.database,
        allowedErrors: input.allowErrors,
        isRetry: ctx.info.attempt > 1,
        signal: ctx.cancellationSignal,
        onProgress: (bytes) => progress.update(bytes),
      });
      progress.update(summary.bytesRead);
      await progress.finish();
      return { format: summary.format, bytesRead: summary.bytesRead, producer: summary.producer, checks: [...transportChecks(input.backup, fetched), ...summary.checks] };
    } finally {
      progress.stop();
      await releaseContent(input.sandbox);
    }
  }
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
