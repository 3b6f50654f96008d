/** The compensation: the sandbox destroyed, whatever happened before. */
import type { SandboxHandle } from '../../core/drill.js';
import { findLocalSandboxes } from '../sandboxes/local.js';
import type { ActivityDeps } from '../deps.js';
import { ActivityProgress } from '../progress.js';
import type { SandboxLifecycle } from './sandbox-lifecycle.js';

export function teardownActivities(deps: ActivityDeps, sandboxes: SandboxLifecycle) {
  return {
    /** Destroys the drill's sandbox; without a handle, whatever this host holds for the drill. */
    async destroySandbox(input: { drillId: string; sandbox: SandboxHandle | null }): Promise<void> {
      // Heartbeats: a teardown whose worker dies is retried within seconds, not after its 5-minute limit.
      const alive = new ActivityProgress(input.drillId, 'teardown', null, undefined);
      try {
        const found = input.sandbox ? [input.sandbox] : await findLocalSandboxes(input.drillId, deps.sandboxRootDir);
        for (const sandbox of found) await sandboxes.destroy(sandbox);
      } finally {
        alive.stop();
      }
    },
  };
}
