import type { EngineAdapter } from '../engine.js';
import { inspectMysql } from './inspect.js';
import { checkMysqlIntegrity, mysqlServerVersion, newestMysqlTimestamp, runMysqlAssertion } from './queries.js';
import { restoreMysqlBackup } from './restore.js';
import { chooseMysqlServer, dumpOrigin } from './server-choice.js';
import { ensureMysqlServer, stopMysqlServer } from './server.js';
import type { MysqlServers } from './servers.js';

export function mysqlEngine(options: { servers: MysqlServers }): EngineAdapter {
  const { servers } = options;
  return {
    readMethod: 'exact COUNT(*) per table',
    // The dump names the server it needs and restore reads it: without a declared version,
    // starting one now would only be a guess to throw away.
    startServer: async (sandbox, hints) => {
      if (hints?.engineVersion === undefined) return;
      await ensureMysqlServer(sandbox, chooseMysqlServer(servers.list(), dumpOrigin(null, hints.engineVersion), '').build);
    },
    stopServer: stopMysqlServer,
    restore: (request) => restoreMysqlBackup({ ...request, servers }),
    inspect: inspectMysql,
    runAssertion: runMysqlAssertion,
    newestTimestamp: newestMysqlTimestamp,
    checkIntegrity: checkMysqlIntegrity,
    serverVersion: mysqlServerVersion,
  };
}
