/**
 * Registers the custom search attributes drills set, so operators can filter by plan, engine and
 * outcome in the Temporal Web UI. Idempotent: attributes that exist are left alone.
 */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';

// CommonJS module: its namespaces are reachable only through the default export under ESM.
const { IndexedValueType } = proto.temporal.api.enums.v1;

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  try {
    await registerMissing(connection, namespace);
  } catch (err) {
    // Hosted namespaces (Temporal Cloud) refuse the operator API: attributes are added there by
    // an administrator, and a worker must still start.
    console.warn(
      `could not register search attributes ${Object.values(SEARCH_ATTRIBUTES).map((k) => `${k.name} (Keyword)`).join(', ')} in namespace "${namespace}": ${(err as Error).message}. Register them with your Temporal admin tooling.`,
    );
  }
}

async function registerMissing(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of Object.values(SEARCH_ATTRIBUTES)) {
    if (!existing.customAttributes?.[key.name]) missing[key.name] = IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`];
  }
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another worker registering them at the same moment is fine.
    if (!/already exists/i.test((err as Error).message)) throw err;
  }
}
