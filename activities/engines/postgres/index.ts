import type { EngineAdapter } from '../engine.js';
import { findPostgresBinaries } from './binaries.js';
import { inspectPostgres } from './inspect.js';
import { checkPostgresIntegrity, newestPostgresTimestamp, runPostgresAssertion } from './queries.js';
import { restorePostgresBackup } from './restore.js';
import { startPostgresServer, stopPostgresServer } from './server.js';

export function postgresEngine(options: { binDir?: string }): EngineAdapter {
  return {
    readMethod: 'sequential scans, index scans disabled',
    startServer: async (sandbox) => startPostgresServer(sandbox, await findPostgresBinaries(options.binDir)),
    stopServer: (sandbox) => stopPostgresServer(sandbox),
    restore: async (request) => restorePostgresBackup({ ...request, bins: await findPostgresBinaries(options.binDir) }),
    inspect: (request) => inspectPostgres(request),
    runAssertion: runPostgresAssertion,
    newestTimestamp: newestPostgresTimestamp,
    checkIntegrity: checkPostgresIntegrity,
  };
}
