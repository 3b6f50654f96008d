/**
 * Runtime configuration, read from the environment once per process. Every value has a default
 * that works on a developer machine with `npm start`, so nothing needs configuring to try it out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Config {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** Unset: `npm start` runs an embedded PostgreSQL for history. */
  databaseUrl: string | undefined;
  apiHost: string;
  apiPort: number;
  /** Where the embedded services keep their state (Temporal SQLite file, history cluster, logs). */
  dataDir: string;
  /** Where `scripts/setup.sh` builds tools (the Temporal CLI). */
  toolsDir: string;
  /** Directory holding pg_restore/psql/initdb for local PostgreSQL sandboxes. */
  postgresBinDir: string | undefined;
  /** Parent directory of local sandboxes; the OS temp dir when unset. */
  sandboxRootDir: string | undefined;
  /** Names this worker host's task queue; the host name when unset. */
  workerId: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const apiPort = Number(env.PORT ?? 8080);
  if (!Number.isInteger(apiPort) || apiPort <= 0 || apiPort > 65535) {
    throw new Error(`PORT must be a TCP port number, got "${env.PORT}"`);
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.RESTORE_DRILL_TASK_QUEUE ?? 'restore-drill',
    databaseUrl: env.DATABASE_URL || undefined,
    apiHost: env.HOST ?? '127.0.0.1',
    apiPort,
    dataDir: path.resolve(env.RESTORE_DRILL_DATA_DIR ?? path.join(PROJECT_ROOT, '.data')),
    toolsDir: path.resolve(env.RESTORE_DRILL_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools')),
    postgresBinDir: env.RESTORE_DRILL_PG_BIN || undefined,
    sandboxRootDir: env.RESTORE_DRILL_SANDBOX_DIR || undefined,
    workerId: env.RESTORE_DRILL_WORKER_ID || undefined,
  };
}

/** The API base URL the CLI talks to; `npm start` writes nothing, so the default must match PORT's. */
export function apiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RESTORE_DRILL_API) return env.RESTORE_DRILL_API.replace(/\/+$/, '');
  const config = loadConfig(env);
  return `http://${config.apiHost}:${config.apiPort}`;
}
