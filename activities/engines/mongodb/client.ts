/**
 * Talking to the sandbox server with the official driver: over its Unix socket only, with every
 * operation bounded in time and abandoned when the activity is cancelled.
 */
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { SandboxHandle } from '../../../core/drill.js';

/** Databases every server has; never user data. */
export const SYSTEM_DATABASES = ['admin', 'config', 'local'];

const SOCKET_FILE = 'mongodb.sock';
export const mongoSocket = (sandbox: SandboxHandle) => path.join(sandbox.socketDir, SOCKET_FILE);

/** Connection string of the sandbox server: its Unix socket, nothing else, no credentials. */
export function mongoUri(sandbox: SandboxHandle): string {
  return `mongodb://${encodeURIComponent(mongoSocket(sandbox))}/?directConnection=true`;
}

/**
 * Connection string for mongo-tools, which must run with the socket directory as their working
 * directory: their Go driver lowercases host names, socket paths included, so an absolute path with
 * capitals (temp directory names have them) would not be found.
 */
export const TOOL_URI = `mongodb://${SOCKET_FILE}/?directConnection=true`;

/**
 * Runs `work` with a client of the sandbox server, closed afterwards. Closing the client is how a
 * timeout or cancellation stops whatever is in flight.
 */
export async function withSandboxClient<T>(sandbox: SandboxHandle, options: { signal?: AbortSignal; timeoutMs?: number }, work: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(mongoUri(sandbox), { serverSelectionTimeoutMS: 10_000, appName: `restore-drill ${sandbox.drillId}`.slice(0, 128), maxPoolSize: 4 });
  let stop: ((reason: Error) => void) | undefined;
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  const onAbort = () => stop?.(options.signal?.reason instanceof Error ? options.signal.reason : new Error('cancelled'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs ? setTimeout(() => stop?.(new Error(`timed out after ${Math.round((options.timeoutMs as number) / 1000)}s`)), options.timeoutMs) : undefined;
  try {
    options.signal?.throwIfAborted();
    return await Promise.race([work(client), stopped]);
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await client.close(true).catch(() => {});
  }
}

export interface CollectionRef {
  database: string;
  collection: string;
}

/** Every user collection (no views, no system.* collections) of every user database, sorted. */
export async function listUserCollections(client: MongoClient): Promise<CollectionRef[]> {
  const refs: CollectionRef[] = [];
  for (const database of await listUserDatabases(client)) {
    const collections = await client.db(database).listCollections({}, { nameOnly: false }).toArray();
    for (const c of collections) {
      if (c.type && c.type !== 'collection') continue;
      if (c.name.startsWith('system.')) continue;
      refs.push({ database, collection: c.name });
    }
  }
  return refs.sort((a, b) => a.database.localeCompare(b.database) || a.collection.localeCompare(b.collection));
}

export async function listUserDatabases(client: MongoClient): Promise<string[]> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  return databases.map((d) => d.name).filter((name) => !SYSTEM_DATABASES.includes(name)).sort();
}

/** A retried restore starts from an empty server again. */
export async function dropUserDatabases(sandbox: SandboxHandle): Promise<void> {
  await withSandboxClient(sandbox, { timeoutMs: 300_000 }, async (client) => {
    for (const database of await listUserDatabases(client)) await client.db(database).dropDatabase();
  });
}
