/**
 * Plans name tables the way their owners think of them: `orders`, `public.orders`,
 * `shop.orders`. This finds the restored table meant, and says which names fit when none or
 * several do.
 */
import type { TableStat } from '../../core/drill.js';

export function tableKey(table: Pick<TableStat, 'schema' | 'name'>): string {
  return `${table.schema}.${table.name}`;
}

export type TableMatch = { table: TableStat } | { error: string };

export function findTable(tables: TableStat[], reference: string): TableMatch {
  const exact = tables.filter((t) => tableKey(t) === reference || `${t.database}.${t.schema}.${t.name}` === reference);
  if (exact.length === 1) return { table: exact[0]! };
  const byName = tables.filter((t) => t.name === reference);
  if (byName.length === 1) return { table: byName[0]! };
  if (byName.length > 1) return { error: `"${reference}" is ambiguous: ${byName.map(tableKey).join(', ')}; name it with its schema` };
  return { error: `no restored table "${reference}"` };
}
