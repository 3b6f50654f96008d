/**
 * Real mongodump output (archive, gzip archive, dump directory) of a generated dataset, odd names
 * included, made at test time from a throwaway server started by the engine itself (FerretDB, or a
 * real mongod when one is on PATH).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { findMongoBinaries } from '../../activities/engines/mongodb/binaries.js';
import { TOOL_URI, withSandboxClient } from '../../activities/engines/mongodb/client.js';
import { startMongoServer, stopMongoServer } from '../../activities/engines/mongodb/server.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';

const execFileAsync = promisify(execFile);

/** `database.collection` → documents. */
export const MONGO_FIXTURE_COLLECTIONS: Record<string, number> = {
  'audit.events': 25,
  'shop.customers': 300,
  'shop.empty': 0,
  'shop.odd name.with-dots': 5,
  'shop.orders': 700,
};

export const MONGO_FIXTURE_FILES = { archive: 'mongo-archive.bin', archiveGzip: 'mongo-archive.gz', directory: 'mongo-dir' } as const;

/** customers[i].createdAt; the newest is this. */
export const MONGO_NEWEST_CUSTOMER = new Date(Date.UTC(2026, 0, 1) + 299 * 3_600_000);

export async function makeMongoFixtures(dir: string, sandboxRoot: string): Promise<void> {
  const sandbox = await createLocalSandbox('mongo-fixtures', 'mongodb', { hostTaskQueue: 'fixtures', rootDir: sandboxRoot });
  try {
    await startMongoServer(sandbox);
    await withSandboxClient(sandbox, { timeoutMs: 60_000 }, async (client) => {
      const shop = client.db('shop');
      await shop.collection<{ _id: number }>('customers').insertMany(
        Array.from({ length: 300 }, (_, i) => ({ _id: i + 1, name: `customer ${i + 1}`, email: `c${i + 1}@example.test`, createdAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000) })),
      );
      await shop.collection('customers').createIndex({ email: 1 }, { unique: true });
      await shop.collection('orders').insertMany(Array.from({ length: 700 }, (_, i) => ({ customerId: 1 + (i % 300), total: Math.round((i * 100) / 7) / 100, lines: [{ sku: `sku-${i % 13}`, qty: 1 + (i % 3) }] })));
      await shop.collection('odd name.with-dots').insertMany(Array.from({ length: 5 }, (_, i) => ({ k: `key ${i}`, note: 'tab\tand ünïcode' })));
      await shop.createCollection('empty');
      await client.db('audit').collection('events').insertMany(Array.from({ length: 25 }, (_, i) => ({ seq: i, at: new Date(Date.UTC(2026, 1, 1, 0, i)) })));
    });
    const { mongodump } = findMongoBinaries();
    const uri = `--uri=${TOOL_URI}`;
    const inSocketDir = { cwd: sandbox.socketDir };
    await execFileAsync(mongodump, [uri, `--archive=${path.join(dir, MONGO_FIXTURE_FILES.archive)}`], inSocketDir);
    await execFileAsync(mongodump, [uri, '--gzip', `--archive=${path.join(dir, MONGO_FIXTURE_FILES.archiveGzip)}`], inSocketDir);
    await execFileAsync(mongodump, [uri, `--out=${path.join(dir, MONGO_FIXTURE_FILES.directory)}`], inSocketDir);
  } finally {
    await stopMongoServer(sandbox);
    await removeLocalSandbox(sandbox);
  }
}
