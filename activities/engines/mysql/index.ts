import type { EngineAdapter } from '../engine.js';
import { inspectMysql } from './inspect.js';
import { checkMysqlIntegrity, newestMysqlTimestamp, runMysqlAssertion } from './queries.js';
import { restoreMysqlBackup } from './restore.js';
import { startMysqlServer, stopMysqlServer } from './server.js';

export function mysqlEngine(): EngineAdapter {
  return {
    readMethod: 'exact COUNT(*) per table',
    startServer: startMysqlServer,
    stopServer: stopMysqlServer,
    restore: restoreMysqlBackup,
    inspect: inspectMysql,
    runAssertion: runMysqlAssertion,
    newestTimestamp: newestMysqlTimestamp,
    checkIntegrity: checkMysqlIntegrity,
  };
}
