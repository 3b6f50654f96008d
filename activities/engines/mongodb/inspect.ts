/**
 * Every collection of every user database with an exact document count, read by a collection scan
 * (hinted `$natural`, so no index answers for the documents), all on one client connection.
 */
import { MongoServerError } from 'mongodb';
import type { TableStat } from '../../../core/drill.js';
import { backupRejected } from '../../failures.js';
import type { InspectRequest } from '../engine.js';
import { listUserCollections, withSandboxClient } from './client.js';

export const MONGO_READ_METHOD = 'exact countDocuments per collection, collection scan';

export async function inspectMongo({ sandbox, signal, onTableCounted }: InspectRequest): Promise<TableStat[]> {
  return withSandboxClient(sandbox, { signal }, async (client) => {
    const collections = await listUserCollections(client);
    const stats: TableStat[] = [];
    for (const { database, collection } of collections) {
      let rows: number;
      try {
        rows = await client.db(database).collection(collection).countDocuments({}, { hint: { $natural: 1 } });
      } catch (err) {
        signal.throwIfAborted();
        // Only the server's own answer says the data is unreadable; a lost connection says nothing.
        if (!(err instanceof MongoServerError)) throw err;
        const message = (err as Error).message;
        throw backupRejected({ name: 'readable', observed: `${database}.${collection}: ${message}`, expected: 'every collection readable end to end', message: `collection ${database}.${collection} could not be read: ${message}` });
      }
      stats.push({ database, schema: database, name: collection, rows });
      onTableCounted(stats.length, collections.length);
    }
    return stats;
  });
}
