import type { EngineAdapter } from '../engine.js';
import { inspectMongo, MONGO_READ_METHOD } from './inspect.js';
import { checkMongoIntegrity, mongoServerVersion, newestMongoTimestamp, runMongoAssertion } from './queries.js';
import { restoreMongoBackup } from './restore.js';
import { startMongoServer, stopMongoServer } from './server.js';

export function mongodbEngine(): EngineAdapter {
  return {
    readMethod: MONGO_READ_METHOD,
    startServer: startMongoServer,
    stopServer: stopMongoServer,
    restore: restoreMongoBackup,
    inspect: inspectMongo,
    runAssertion: runMongoAssertion,
    newestTimestamp: newestMongoTimestamp,
    checkIntegrity: checkMongoIntegrity,
    serverVersion: mongoServerVersion,
  };
}
