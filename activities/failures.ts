import { ApplicationFailure } from '@temporalio/common';
import type { Check } from '../core/drill.js';
import { BACKUP_REJECTED, INVALID_REQUEST, SANDBOX_CANNOT_RESTORE } from '../core/failures.js';

/** The backup failed a check: a verdict, so Temporal must not retry the activity. */
export function backupRejected(check: Omit<Check, 'passed' | 'message'> & { message: string }): ApplicationFailure {
  const failed: Check = { ...check, passed: false };
  return ApplicationFailure.create({ type: BACKUP_REJECTED, message: check.message, nonRetryable: true, details: [failed] });
}

export function invalidRequest(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: INVALID_REQUEST, message, nonRetryable: true });
}

/** No verdict possible in this sandbox: an `error` naming what to install or which sandbox to use. */
export function sandboxCannotRestore(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: SANDBOX_CANNOT_RESTORE, message, nonRetryable: true });
}

/**
 * The sandbox, not the backup, gave way (its disk filled, it ran out of memory, its server died):
 * a plain Error, so Temporal retries the step; when retries run out the drill ends as `error`.
 */
export function sandboxFault(message: string): Error {
  return new Error(`the sandbox failed under the restore, not the backup: ${message} (give the sandbox more disk or memory, see RESTORE_DRILL_SANDBOX_DIR)`);
}
