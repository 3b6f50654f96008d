import type { Engine } from '../../core/drill.js';
import type { EngineAdapter } from './engine.js';
import { mongodbEngine } from './mongodb/index.js';
import { mysqlEngine } from './mysql/index.js';
import { postgresEngine } from './postgres/index.js';

export interface EngineOptions {
  postgresBinDir?: string;
}

export function createEngines(options: EngineOptions): Record<Engine, EngineAdapter> {
  return {
    postgres: postgresEngine({ binDir: options.postgresBinDir }),
    mysql: mysqlEngine(),
    mongodb: mongodbEngine(),
  };
}
