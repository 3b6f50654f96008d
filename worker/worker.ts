/**
 * Builds the worker of one host: a shared-queue worker that runs drill workflows and the
 * host-independent activities, and a host-queue worker for the activities that touch this host's
 * local sandboxes (restore, inspect, teardown). Used by worker/main.ts and by the tests.
 */
import type { PostgresInstallations } from '../activities/engines/postgres/installations.js';
import type { MysqlServers } from '../activities/engines/mysql/servers.js';
import os from 'node:os';
import { loadConfig } from '../core/config.js';
import { temporalConnectionSettings } from '../core/temporal-connection.js';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { HistoryDb } from '../db/client.js';
import { bytesProgressSignal } from '../workflows/definitions.js';
import { startSandboxReaper } from './sandbox-reaper.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { drillDataConverter } from './payload-codec.js';
import type { CredentialResolver } from '../core/credentials.js';
import { createVault, loadMasterKeys } from '../activities/vault/index.js';
import type { PublicLinks } from '../activities/deps.js';
import type { HousekeepingSettings } from '../activities/steps/housekeeping.js';
import { reconcileSchedules, type ReconcileReport } from '../activities/schedules/reconcile.js';
import { ensureSystemSchedules, type SystemScheduleSettings } from '../activities/schedules/system-schedules.js';

/**
 * Cancellation reaches an activity only with a heartbeat's response; the SDK's default throttle
 * (80% of the heartbeat timeout) would let a cancelled restore run on for ~16 s.
 */
const HEARTBEAT_FLUSH_INTERVAL = '2 seconds';
/**
 * Temporal's slot limits, per sandbox this host may run (RESTORE_DRILL_MAX_SANDBOXES; the sandboxes
 * themselves are counted by their slot leases, activities/sandboxes/slots.ts). On the host queue
 * each sandbox runs one step at a time, plus room for a teardown or reaping next to it, so a
 * teardown never queues behind long restores. The shared queue's work (hashing backups, reports,
 * alerts) is lighter but must not run unbounded either.
 */
const HOST_ACTIVITIES_PER_SANDBOX = 2;
const SHARED_ACTIVITIES_PER_SANDBOX = 4;

const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface DrillWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  db: HistoryDb;
  /** Names this host's queue; defaults to the host name, which survives a worker restart. */
  workerId?: string;
  /** PostgreSQL majors sandboxes may run; by default those the environment configures. */
  postgres?: PostgresInstallations;
  /** MariaDB/MySQL server builds sandboxes may run; by default the packaged one and the tools folder's. */
  mysql?: MysqlServers;
  /** How long shutdown lets running activities finish (a restore, a teardown) before cancelling them; none by default. */
  shutdownGraceTime?: string;
  sandboxRootDir?: string;
  /** Sandboxes this host runs at once (sets the worker's activity slots); RESTORE_DRILL_MAX_SANDBOXES by default. */
  maxSandboxes?: number;
  /** A pre-built bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where drills get credentials; default: the vault in the history database, master key from the environment. */
  credentials?: CredentialResolver;
  /** Where alerts link to. */
  links?: PublicLinks;
  /** The watchdog and digest schedules this deployment runs; false: leave them alone. */
  systemSchedules?: SystemScheduleSettings | false;
  /** Repair drift between plans and their Temporal Schedules before polling (default true). */
  reconcileOnStart?: boolean;
  housekeeping?: Partial<HousekeepingSettings>;
  log?: (message: string) => void;
}

export interface DrillWorker {
  hostTaskQueue: string;
  run(): Promise<void>;
  shutdown(): void;
}

/** The workflow code workers run, bundled without webpack's build report in the log. */
export function bundleDrillWorkflows() {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: bundlerLogger });
}

export function hostTaskQueueFor(taskQueue: string, workerId: string): string {
  return `${taskQueue}@${workerId}`;
}

export async function createDrillWorker(options: DrillWorkerOptions): Promise<DrillWorker> {
  const hostTaskQueue = hostTaskQueueFor(options.taskQueue, options.workerId ?? os.hostname());
  const maxSandboxes = options.maxSandboxes ?? loadConfig().maxSandboxes;
  const connection = temporalConnectionSettings(options.address);
  const nativeConnection = await NativeConnection.connect(connection);
  const clientConnection = await Connection.connect(connection);
  const dataConverter = drillDataConverter();
  const client = new Client({ connection: clientConnection, namespace: options.namespace, dataConverter });
  await ensureSearchAttributes(clientConnection, options.namespace);

  const activities = createActivities({
    db: options.db,
    hostTaskQueue,
    credentials: options.credentials ?? createVault({ db: options.db, keys: loadMasterKeys(process.env), actor: `worker:${options.workerId ?? os.hostname()}` }),
    postgres: options.postgres,
    mysql: options.mysql,
    sandboxRootDir: options.sandboxRootDir,
    maxSandboxes,
    signalProgress: (drillId, progress) => client.workflow.getHandle(drillId).signal(bytesProgressSignal, progress),
    links: options.links ?? { appUrl: null, temporalUiUrl: null, namespace: options.namespace },
    temporal: { client, taskQueue: options.taskQueue },
    housekeeping: options.housekeeping,
  });
  const log = options.log ?? ((message: string) => console.warn(message));
  const scheduleTarget = { client, taskQueue: options.taskQueue, db: options.db };
  if (options.reconcileOnStart !== false) {
    // A worker that cannot reach its schedules still runs drills; the next start (or `drill schedule reconcile`) repairs.
    await reconcileSchedules(scheduleTarget).then(
      (report) => logReconcile(report, log),
      (err: unknown) => log(`schedules: reconcile failed: ${(err as Error).message}`),
    );
  }
  if (options.systemSchedules) {
    await ensureSystemSchedules(scheduleTarget, options.systemSchedules).catch((err: unknown) => log(`schedules: could not set up the watchdog and digest schedules: ${(err as Error).message}`));
  }

  // Bundled here rather than by Worker.create so webpack's build report stays out of the log.
  const workflowBundle = options.workflowBundle ?? (await bundleDrillWorkflows());
  const sharedWorker = await Worker.create({
    connection: nativeConnection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle,
    activities,
    dataConverter,
    maxHeartbeatThrottleInterval: HEARTBEAT_FLUSH_INTERVAL,
    maxConcurrentActivityTaskExecutions: SHARED_ACTIVITIES_PER_SANDBOX * maxSandboxes,
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
  });
  const hostWorker = await Worker.create({
    connection: nativeConnection,
    namespace: options.namespace,
    taskQueue: hostTaskQueue,
    activities,
    dataConverter,
    maxHeartbeatThrottleInterval: HEARTBEAT_FLUSH_INTERVAL,
    maxConcurrentActivityTaskExecutions: HOST_ACTIVITIES_PER_SANDBOX * maxSandboxes,
    ...(options.shutdownGraceTime ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
  });

  return {
    hostTaskQueue,
    async run() {
      const stopBoth = () => {
        for (const worker of [sharedWorker, hostWorker]) if (worker.getState() === 'RUNNING') worker.shutdown();
      };
      const stopReaper = startSandboxReaper({ client, hostTaskQueue, sandboxRootDir: options.sandboxRootDir, log });
      try {
        // One worker failing must not leave the other polling on a connection about to close.
        const results = await Promise.allSettled([sharedWorker.run().finally(stopBoth), hostWorker.run().finally(stopBoth)]);
        const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failure) throw failure.reason;
      } finally {
        stopReaper();
        await nativeConnection.close();
        await clientConnection.close();
      }
    },
    shutdown() {
      for (const worker of [sharedWorker, hostWorker]) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
    },
  };
}

function logReconcile(report: ReconcileReport, log: (message: string) => void): void {
  for (const repair of report.repairs) log(`schedules: repaired ${repair.drift} of plan ${repair.planId} (${repair.scheduleId})`);
  for (const failure of report.failures) log(`schedules: could not repair plan ${failure.planId}: ${failure.message}`);
}

const bundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string, meta?: Record<string, unknown>) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: Record<string, unknown>) => console.error(message, meta ?? ''),
};
