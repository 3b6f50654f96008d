/**
 * Every base table of every user schema with an exact `COUNT(*)`, all counted in one client
 * session. (InnoDB answers COUNT(*) by scanning an index, which reads every row's entry.)
 */
import type { TableStat } from '../../../core/drill.js';
import { backupRejected } from '../../failures.js';
import type { InspectRequest } from '../engine.js';
import { mysqlQuery } from './client.js';
import { quoteIdent, SYSTEM_SCHEMAS } from './restore.js';
import { clientArgs } from './server.js';

export async function inspectMysql({ sandbox, signal, onTableCounted }: InspectRequest): Promise<TableStat[]> {
  const listing = await mysqlQuery(clientArgs(sandbox), `SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN (${SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ')}) ORDER BY 1, 2;`, signal);
  const tables = listing.split('\n').filter(Boolean).map((line) => {
    const [schema, name] = line.split('\t') as [string, string];
    return { schema, name };
  });
  if (tables.length === 0) return [];
  const statements = tables.map((t, i) => `SELECT ${i}, COUNT(*) FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)};`).join('\n');
  let output: string;
  try {
    output = await mysqlQuery(clientArgs(sandbox), statements, signal);
  } catch (err) {
    signal.throwIfAborted();
    const message = (err as Error).message;
    if (!/ERROR (1030|1034|1194|1195|126|127|145|1877)\b|corrupt|crashed/i.test(message)) throw err;
    throw backupRejected({ name: 'readable', observed: message, expected: 'every table readable end to end', message: `a table could not be read: ${message}` });
  }
  const stats: TableStat[] = [];
  for (const line of output.split('\n').filter(Boolean)) {
    const [index, count] = line.split('\t');
    const table = tables[Number(index)];
    if (!table) continue;
    stats.push({ database: table.schema, schema: table.schema, name: table.name, rows: Number(count) });
    onTableCounted(stats.length, tables.length);
  }
  return stats;
}
