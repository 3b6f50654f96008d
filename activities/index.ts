/**
 * The activities, one module per step, composed here by a factory so that the worker (and tests)
 * inject the history database, the vault, the Temporal client used for progress signals, and
 * host-specific settings.
 */
import type { CredentialResolver } from '../core/credentials.js';
import type { ActivityDeps } from './deps.js';
import { createEngines } from './engines/registry.js';
import { invalidRequest } from './failures.js';
import { alertActivities } from './steps/alerts.js';
import { deliveryActivities } from './steps/deliver.js';
import { housekeepingActivities } from './steps/housekeeping.js';
import { inspectActivities } from './steps/inspect.js';
import { locateActivities } from './steps/locate.js';
import { planSnapshotActivities } from './steps/plan-snapshot.js';
import { provisionActivities } from './steps/provision.js';
import { reportActivities } from './steps/report.js';
import { restoreActivities } from './steps/restore.js';
import { sandboxLifecycle } from './steps/sandbox-lifecycle.js';
import { teardownActivities } from './steps/teardown.js';
import { verifyActivities } from './steps/verify.js';
import { VaultError } from './vault/errors.js';
import { configuredPostgresInstallations } from './engines/postgres/installations.js';
import { configuredMysqlServers } from './engines/mysql/servers.js';

export type { ActivityDeps } from './deps.js';
export type { LocateResult } from './steps/locate.js';
export type { RestoreResult } from './steps/restore.js';
export type { InspectResult } from './steps/inspect.js';

export function createActivities(rawDeps: ActivityDeps) {
  const deps: ActivityDeps = { ...rawDeps, credentials: rawDeps.credentials && settledVaultErrors(rawDeps.credentials) };
  const sandboxes = sandboxLifecycle(createEngines({ postgres: deps.postgres ?? configuredPostgresInstallations(), mysql: deps.mysql ?? configuredMysqlServers() }));
  return {
    ...planSnapshotActivities(deps),
    ...locateActivities(deps),
    ...provisionActivities(deps, sandboxes),
    ...restoreActivities(deps, sandboxes),
    ...inspectActivities(deps, sandboxes),
    ...verifyActivities(deps, sandboxes),
    ...teardownActivities(deps, sandboxes),
    ...reportActivities(deps),
    ...alertActivities(deps),
    ...deliveryActivities(deps),
    ...housekeepingActivities(deps),
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
