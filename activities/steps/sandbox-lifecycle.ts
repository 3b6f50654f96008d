/** How the steps reach a sandbox's engine and destroy a sandbox, whatever step they are. */
import type { SandboxHandle } from '../../core/drill.js';
import type { EngineAdapter } from '../engines/engine.js';
import type { createEngines } from '../engines/registry.js';
import { removeLocalSandbox } from '../sandboxes/local.js';

export interface SandboxLifecycle {
  engineOf(sandbox: SandboxHandle): EngineAdapter;
  /** Stops the server and removes every file; safe to repeat. */
  destroy(sandbox: SandboxHandle): Promise<void>;
}

export function sandboxLifecycle(engines: ReturnType<typeof createEngines>): SandboxLifecycle {
  return {
    engineOf: (sandbox) => engines[sandbox.engine],
    async destroy(sandbox) {
      await engines[sandbox.engine].stopServer(sandbox);
      await removeLocalSandbox(sandbox);
    },
  };
}
