/**
 * Timeouts and retry policies of every activity the workflows call, named for what they protect.
 * Verdicts (BackupRejected) and impossible requests (InvalidRequest) are never retried: retrying
 * cannot change them.
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { BACKUP_REJECTED, INVALID_REQUEST } from '../core/failures.js';

const NON_RETRYABLE = [BACKUP_REJECTED, INVALID_REQUEST];

/** Reading the plan from the history database: quick, retried through a database blip. */
export const SNAPSHOT_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Hashing a multi-terabyte backup takes a while; heartbeats prove the worker is still at it. */
export const LOCATE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

export const CLAIM_HOST_OPTIONS: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } };

/**
 * Cancellation waits for provisioning to finish: a sandbox created after the workflow stopped
 * waiting would never be torn down by it. Heartbeats: a dead or hung worker is noticed within
 * 20 s, not at the 10-minute limit (the next attempt destroys what the lost one left).
 */
export const PROVISION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToStartTimeout: '10 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * A lost worker is noticed within the heartbeat timeout and the restore starts again on a clean
 * cluster. How often is the attempt ledger's call (activities/attempt-ledger.ts): lost workers for
 * up to RESTORE_DRILL_LOST_WORKER_BUDGET, at most three faults of the step's own; the attempt
 * count here is only a backstop. Cancellation waits for the activity to stop its tools before
 * teardown pulls the server.
 */
export const RESTORE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '24 hours',
  // Runs on one host's queue: if that host never comes back, give up instead of waiting forever.
  scheduleToStartTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 500, nonRetryableErrorTypes: NON_RETRYABLE },
};

export const INSPECT_OPTIONS: ActivityOptions = { ...RESTORE_OPTIONS, startToCloseTimeout: '12 hours' };

/**
 * Teardown and the final report must happen: retried (with capped backoff) until they do. The
 * report is a few writes: a minute is long enough, and a worker lost in the middle of it is
 * noticed within that minute.
 */
export const MUST_FINISH_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

/**
 * Teardown runs on the sandbox's host and is retried until it succeeds, unless that host has not
 * polled for an hour (gone for good): then the drill records the sandbox as not destroyed.
 */
export const TEARDOWN_OPTIONS: ActivityOptions = {
  ...MUST_FINISH_OPTIONS,
  // Deleting a large restored database takes a while; heartbeats notice a lost worker in seconds.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  scheduleToStartTimeout: '1 hour',
};

/**
 * Live step rows in history: cheap and local to the worker, but best-effort: a history database
 * outage must not hold up a restore, and never a teardown. The final report is retried until it lands.
 */
export const PROGRESS_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
};

/** Deciding who hears about a verdict reads and writes the history database: retried until it can. */
export const ALERT_DECISION_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

/**
 * One delivery to one channel. A refused connection or a 5xx is retried with backoff for about a
 * day (each attempt recorded); a configuration the channel can never accept is not retried.
 */
export const DELIVERY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '15 minutes', nonRetryableErrorTypes: [INVALID_REQUEST] },
};

/** The watchdog and digest passes: periodic, so a failed pass is simply the next one's job. */
export const PERIODIC_PASS_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
};
