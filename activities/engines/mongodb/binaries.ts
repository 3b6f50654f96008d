/**
 * Finds the MongoDB-wire server and mongo-tools. A real `mongod` (RESTORE_DRILL_MONGOD, or on PATH) wins; otherwise FerretDB
 * (a MongoDB-wire server on SQLite) does the job. Both the server and mongodump/mongorestore are
 * looked for on PATH first, then in the project's tools folder where `npm run setup` builds them.
 */
import path from 'node:path';
import { loadConfig } from '../../../core/config.js';
import { isExecutable } from '../../executables.js';

export interface MongoBinaries {
  server: { kind: 'mongod' | 'ferretdb'; path: string };
  mongodump: string;
  mongorestore: string;
}

export function findMongoBinaries(): MongoBinaries {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const toolsBin = path.join(loadConfig().toolsDir, 'bin');
  const find = (name: string, dirs: string[]) => dirs.map((dir) => path.join(dir, name)).find(isExecutable);
  // RESTORE_DRILL_MONGOD names a real mongod anywhere (e.g. /opt/mongodb-7.0/bin/mongod).
  const configured = process.env.RESTORE_DRILL_MONGOD;
  if (configured && !isExecutable(configured)) throw new Error(`RESTORE_DRILL_MONGOD=${configured} is not an executable file`);
  const mongod = configured || find('mongod', pathDirs);
  const ferretdb = find('ferretdb', [...pathDirs, toolsBin]);
  const mongodump = find('mongodump', [...pathDirs, toolsBin]);
  const mongorestore = find('mongorestore', [...pathDirs, toolsBin]);
  const missing = [!mongod && !ferretdb ? 'mongod or ferretdb' : undefined, mongodump ? undefined : 'mongodump', mongorestore ? undefined : 'mongorestore'].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`MongoDB tools not found (${missing.join(', ')}) on PATH or in ${toolsBin}: run \`npm run setup\` to build FerretDB and mongo-tools from Go modules`);
  }
  return {
    server: mongod ? { kind: 'mongod', path: mongod } : { kind: 'ferretdb', path: ferretdb as string },
    mongodump: mongodump as string,
    mongorestore: mongorestore as string,
  };
}
