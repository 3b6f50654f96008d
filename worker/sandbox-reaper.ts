/**
 * Defence in depth behind the saga's teardown: every few minutes, and when the worker starts, it
 * destroys this host's sandboxes whose drill is no longer running (finished, terminated, reset,
 * never started) or whose TTL has passed. Teardown normally gets there first; the reaper covers
 * what it cannot: a workflow terminated by an operator, a host that came back after its drills
 * gave up on it.
 */
import { configuredPostgresInstallations } from '../activities/engines/postgres/installations.js';
import type { Client } from '@temporalio/client';
import type { SandboxHandle } from '../core/drill.js';
import { createEngines } from '../activities/engines/registry.js';
import { configuredMysqlServers } from '../activities/engines/mysql/servers.js';
import { listLocalSandboxes, removeLocalSandbox } from '../activities/sandboxes/local.js';

const REAP_INTERVAL_MS = 5 * 60_000;

export interface SandboxReaperOptions {
  client: Client;
  hostTaskQueue: string;
  sandboxRootDir?: string;
  log?: (message: string) => void;
}

/** One pass; returns the drill ids whose sandboxes it destroyed. */
export async function reapOrphanedSandboxes(options: SandboxReaperOptions): Promise<string[]> {
  const reaped: string[] = [];
  const engines = createEngines({ postgres: configuredPostgresInstallations(), mysql: configuredMysqlServers() });
  for (const marker of await listLocalSandboxes(options.sandboxRootDir)) {
    const sandbox = marker.handle;
    // Another worker on a shared temp dir owns its own sandboxes.
    if (sandbox.hostTaskQueue !== options.hostTaskQueue) continue;
    const expired = Date.parse(marker.expiresAt) < Date.now();
    // A running drill's sandbox is never touched, however old: its TTL only decides when Temporal cannot say.
    const drill = await drillStatus(options.client, sandbox);
    if (drill === 'running' || (drill === 'unknown' && !expired)) continue;
    try {
      await engines[sandbox.engine].stopServer(sandbox);
      await removeLocalSandbox(sandbox);
    } catch (err) {
      // One sandbox that resists must not keep the others (and their slots) from being reaped.
      options.log?.(`reaper: could not destroy the sandbox of drill ${sandbox.drillId} in ${sandbox.dir}: ${(err as Error).message}`);
      continue;
    }
    reaped.push(sandbox.drillId);
    options.log?.(`reaper: destroyed the sandbox of drill ${sandbox.drillId} (${drill === 'gone' ? 'drill no longer running' : 'expired, and Temporal cannot say whether its drill runs'})`);
  }
  return reaped;
}

async function drillStatus(client: Client, sandbox: SandboxHandle): Promise<'running' | 'gone' | 'unknown'> {
  try {
    const description = await client.workflow.getHandle(sandbox.drillId).describe();
    return description.status.name === 'RUNNING' ? 'running' : 'gone';
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError') return 'gone';
    return 'unknown';
  }
}

export function startSandboxReaper(options: SandboxReaperOptions): () => void {
  const pass = () =>
    reapOrphanedSandboxes(options).catch((err) => options.log?.(`reaper: pass failed: ${(err as Error).message}`));
  void pass();
  const timer = setInterval(pass, REAP_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
