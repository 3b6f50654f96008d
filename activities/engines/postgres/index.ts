import type { EngineAdapter } from '../engine.js';
import { inspectPostgres } from './inspect.js';
import type { PostgresInstallations } from './installations.js';
import { checkPostgresIntegrity, postgresServerVersion, newestPostgresTimestamp, runPostgresAssertion } from './queries.js';
import { restorePostgresBackup } from './restore.js';
import { chooseServer, wantedMajor } from './server-choice.js';
import { startPostgresServer, stopPostgresServer } from './server.js';

export function postgresEngine(options: { installations: PostgresInstallations }): EngineAdapter {
  const { installations } = options;
  return {
    readMethod: 'sequential scans, index scans disabled',
    // The dump names the major its server must be, and restore reads it: without a declared
    // version, starting one now would only be a guess to throw away.
    startServer: async (sandbox, hints) => {
      if (hints?.engineVersion === undefined) return;
      const choice = await chooseServer(wantedMajor(null, hints.engineVersion), installations).catch(() => undefined);
      if (choice) await startPostgresServer(sandbox, choice.bins);
    },
    stopServer: (sandbox) => stopPostgresServer(sandbox),
    restore: (request) => restorePostgresBackup({ ...request, installations }),
    inspect: (request) => inspectPostgres(request),
    runAssertion: runPostgresAssertion,
    newestTimestamp: newestPostgresTimestamp,
    checkIntegrity: checkPostgresIntegrity,
    serverVersion: postgresServerVersion,
  };
}
