import type { Engine } from '../../core/drill.js';
import type { EngineAdapter } from './engine.js';
import { mongodbEngine } from './mongodb/index.js';
import { mysqlEngine } from './mysql/index.js';
import { postgresEngine } from './postgres/index.js';
import type { PostgresInstallations } from './postgres/installations.js';
import type { MysqlServers } from './mysql/servers.js';

export interface EngineOptions {
  postgres: PostgresInstallations;
  mysql: MysqlServers;
}

export function createEngines(options: EngineOptions): Record<Engine, EngineAdapter> {
  return {
    postgres: postgresEngine({ installations: options.postgres }),
    mysql: mysqlEngine({ servers: options.mysql }),
    mongodb: mongodbEngine(),
  };
}
