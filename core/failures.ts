/**
 * Failure types shared by activities (which throw them) and the workflow (which turns them into a
 * verdict). A `BackupRejected` failure is a verdict on the backup: retrying cannot change it.
 * `InvalidRequest` means the drill was asked for something impossible (bad path pattern, unknown
 * format). Anything else thrown by an activity is infrastructure trouble and is retried.
 */
export const BACKUP_REJECTED = 'BackupRejected';
export const INVALID_REQUEST = 'InvalidRequest';

/**
 * How a finished drill that did not pass ends its workflow execution: as Failed, so that a bad
 * backup shows red in the Temporal Web UI, with the full DrillResult as the failure's details.
 */
export const BACKUP_FAILED_VERIFICATION = 'BackupFailedVerification';
export const DRILL_ERROR = 'DrillError';

/**
 * The sandbox cannot restore this backup at all (its engine version is not installed, the server
 * cannot hold a feature the backup uses): the drill cannot decide, and says what would let it.
 */
export const SANDBOX_CANNOT_RESTORE = 'SandboxCannotRestore';

/**
 * Every sandbox slot of the chosen host is taken (or its disk or memory is held by running
 * sandboxes): the drill waits in the queue and tries again, it does not fail.
 */
export const NO_SANDBOX_SLOT = 'NoSandboxSlot';
