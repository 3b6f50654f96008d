/**
 * Waiting for a sandbox slot. A host runs a bounded number of sandboxes (RESTORE_DRILL_MAX_SANDBOXES)
 * and provisioning says NoSandboxSlot when they are all taken or their disk or memory is: the drill
 * then waits in a durable timer, saying so in the Temporal Web UI, and asks again, for up to a day.
 * Waiting here rather than inside the activity holds no worker slot and survives worker restarts.
 */
import { setCurrentDetails, sleep } from '@temporalio/workflow';
import { NO_SANDBOX_SLOT } from '../core/failures.js';
import { rootFailure } from './drill-failures.js';

const FIRST_WAIT_MS = 5_000;
/**
 * Short enough that a drill queued long ago is not always beaten to a freed slot by newcomers
 * asking every 5 s (there is no queue order), long enough that a day of waiting stays far below
 * a workflow's history limit (about 3,000 tries).
 */
const LONGEST_WAIT_MS = 30_000;
const QUEUE_LIMIT_MS = 24 * 60 * 60 * 1000;

export async function whenSandboxSlotFree<T>(provision: () => Promise<T>, describe: string): Promise<T> {
  const queuedAt = Date.now();
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, LONGEST_WAIT_MS)) {
    try {
      return await provision();
    } catch (err) {
      const failure = rootFailure(err);
      if (failure?.type !== NO_SANDBOX_SLOT || Date.now() - queuedAt > QUEUE_LIMIT_MS) throw err;
      setCurrentDetails(`${describe}: queued since ${new Date(queuedAt).toISOString()}: ${failure.message}`);
      await sleep(wait);
    }
  }
}
