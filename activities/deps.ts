/** What the activities are built with: the worker (and tests) inject these. */
import type { Client } from '@temporalio/client';
import type { CredentialResolver } from '../core/credentials.js';
import type { HistoryDb } from '../db/client.js';
import type { PostgresInstallations } from './engines/postgres/installations.js';
import type { MysqlServers } from './engines/mysql/servers.js';
import type { SignalProgress } from './progress.js';
import type { HousekeepingSettings } from './steps/housekeeping.js';

export interface PublicLinks {
  /** Base URL of the Restore Drill API/UI, for links in alerts ("…/drills/<id>"). */
  appUrl: string | null;
  /** Base URL of the Temporal Web UI, for links to the drill's workflow. */
  temporalUiUrl: string | null;
  namespace: string;
}

export interface ActivityDeps {
  db: HistoryDb;
  /** Task queue only this host's worker polls: local sandboxes live on one host. */
  hostTaskQueue: string;
  signalProgress?: SignalProgress;
  /** RESTORE_DRILL_PG_BIN and the tools folder by default (see engines/postgres/installations.ts). */
  postgres?: PostgresInstallations;
  /** The packaged MariaDB/MySQL server and the tools folder's builds by default (see engines/mysql/servers.ts). */
  mysql?: MysqlServers;
  /** Parent directory of local sandboxes (OS temp dir by default). */
  sandboxRootDir?: string;
  /** Sandboxes this host runs at once (slot leases); RESTORE_DRILL_MAX_SANDBOXES when unset. */
  maxSandboxes?: number;
  /** The vault: source credentials, decryption keys and channel secrets, by name. */
  credentials?: CredentialResolver;
  links?: PublicLinks;
  /** The watchdog's housekeeping: plan schedules to reconcile, drill workflows to look up. */
  temporal?: { client: Client; taskQueue: string };
  housekeeping?: Partial<HousekeepingSettings>;
}
