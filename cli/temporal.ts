import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../core/config.js';
import { drillDataConverter } from '../worker/payload-codec.js';
import { CliError } from './exit-codes.js';

export async function connectTemporal(): Promise<{ client: Client; taskQueue: string; close: () => Promise<void> }> {
  const config = loadConfig();
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: 5000 });
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    throw new CliError(`cannot reach Temporal at ${config.temporalAddress} (${(err as Error).message.split('\n')[0]}): is \`npm start\` running? Set TEMPORAL_ADDRESS to use another server`);
  }
  return { client: new Client({ connection, namespace: config.temporalNamespace, dataConverter: drillDataConverter() }), taskQueue: config.taskQueue, close: () => connection.close() };
}
