/** The API's Temporal client: the deployment's address, namespace, task queue and payload codec. */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../core/config.js';
import { temporalConnectionSettings } from '../core/temporal-connection.js';
import { drillDataConverter } from '../worker/payload-codec.js';
import { ensureSearchAttributes } from '../worker/search-attributes.js';
import type { TemporalAccess } from './deps.js';

export async function connectTemporalAccess(config: Pick<Config, 'temporalAddress' | 'temporalNamespace' | 'taskQueue'>, address = config.temporalAddress): Promise<TemporalAccess & { close(): Promise<void> }> {
  const connection = await Connection.connect({ ...temporalConnectionSettings(address), connectTimeout: 10_000 });
  // Plan schedules label their drills with these: a plan created before any worker started must
  // not fail for want of them.
  await ensureSearchAttributes(connection, config.temporalNamespace);
  const client = new Client({ connection, namespace: config.temporalNamespace, dataConverter: drillDataConverter() });
  return { client, taskQueue: config.taskQueue, namespace: config.temporalNamespace, close: () => connection.close() };
}
