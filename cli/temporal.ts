import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../core/config.js';
import { connectFailure, temporalConnectionSettings } from '../core/temporal-connection.js';
import { drillDataConverter } from '../worker/payload-codec.js';
import { CliError } from './exit-codes.js';

export async function connectTemporal(): Promise<{ client: Client; taskQueue: string; close: () => Promise<void> }> {
  const config = loadConfig();
  let connection: Connection;
  const settings = temporalConnectionSettings(config.temporalAddress);
  try {
    connection = await Connection.connect({ ...settings, connectTimeout: 5000 });
    await connection.workflowService.getSystemInfo({});
  } catch (err) {
    const hint = settings.tls || settings.apiKey ? '' : ': is `npm start` running? Set TEMPORAL_ADDRESS to use another server';
    throw new CliError(`cannot reach Temporal at ${config.temporalAddress} (${connectFailure(settings, err)})${hint}`);
  }
  return { client: new Client({ connection, namespace: config.temporalNamespace, dataConverter: drillDataConverter() }), taskQueue: config.taskQueue, close: () => connection.close() };
}
