/** Step 2, provision: a sandbox with an empty engine server, on the host that claimed the drill. */
import type { Engine, SandboxHandle } from '../../core/drill.js';
import type { SandboxSize } from '../../core/plan.js';
import { admitSandbox } from '../sandboxes/admission.js';
import { createLocalSandbox, defaultSandboxRoot, findLocalSandboxes } from '../sandboxes/local.js';
import type { ActivityDeps } from '../deps.js';
import { ActivityProgress } from '../progress.js';
import type { SandboxLifecycle } from './sandbox-lifecycle.js';

export function provisionActivities(deps: ActivityDeps, sandboxes: SandboxLifecycle) {
  return {
    /** Runs on the shared queue; names the queue of the host that picked it up. */
    async claimSandboxHost(): Promise<string> {
      return deps.hostTaskQueue;
    },

    async provisionSandbox(input: { drillId: string; engine: Engine; size?: SandboxSize; engineVersion?: string; backupBytes?: number }): Promise<SandboxHandle> {
      // A previous attempt may have died after creating its sandbox but before reporting it.
      for (const stale of await findLocalSandboxes(input.drillId, deps.sandboxRootDir)) await sandboxes.destroy(stale);
      await admitSandbox(deps.sandboxRootDir ?? (await defaultSandboxRoot()), input.backupBytes ?? 0);
      // Heartbeats while the server starts, so a worker that dies or hangs here is noticed in seconds.
      const alive = new ActivityProgress(input.drillId, 'provision', null, undefined);
      try {
        const sandbox = await createLocalSandbox(input.drillId, input.engine, { hostTaskQueue: deps.hostTaskQueue, rootDir: deps.sandboxRootDir, size: input.size ?? 'auto', maxSandboxes: deps.maxSandboxes });
        try {
          await sandboxes.engineOf(sandbox).startServer(sandbox, { engineVersion: input.engineVersion });
        } catch (err) {
          await sandboxes.destroy(sandbox);
          throw err;
        }
        return sandbox;
      } finally {
        alive.stop();
      }
    },
  };
}
