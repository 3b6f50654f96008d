/**
 * Reads back what the restore produced: every user table of every database in the sandbox, with
 * an exact row count from a sequential scan, so every heap page of every table is actually read.
 * (An index-only count could answer from the index and miss a damaged heap.)
 */
import postgres from 'postgres';
import type { TableStat } from '../../../core/drill.js';
import type { InspectRequest } from '../engine.js';
import { backupRejected } from '../../failures.js';
import { quoteIdent } from './identifiers.js';
import { SANDBOX_SUPERUSER } from './server.js';

/** Concurrent count queries per database; counts are I/O bound and the sandbox is ours alone. */
const COUNT_CONNECTIONS = 2;

const FULL_SCAN_SETTINGS = {
  enable_indexscan: 'off',
  enable_indexonlyscan: 'off',
  enable_bitmapscan: 'off',
  default_transaction_read_only: true,
  application_name: 'restore-drill inspect',
  // Sent at connection start, so it wins over any ALTER ROLE/DATABASE … SET a dump made: only the
  // built-in count(*) and operators, never a dump's own ones named alike.
  search_path: 'pg_catalog',
};


export async function inspectPostgres({ sandbox, signal, onTableCounted }: InspectRequest): Promise<TableStat[]> {
  const connect = (database: string, max = 1) =>
    postgres({ host: sandbox.socketDir, port: sandbox.port, user: SANDBOX_SUPERUSER, database, max, onnotice: () => {}, connection: FULL_SCAN_SETTINGS });

  const admin = connect('template1');
  let databases: string[];
  try {
    databases = (await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname`).map((r) => r.datname);
  } finally {
    await admin.end({ timeout: 5 });
  }

  const perDatabase: Array<{ database: string; tables: Array<{ schema: string; name: string }> }> = [];
  for (const database of databases) {
    const sql = connect(database);
    try {
      const tables = await sql<{ schema: string; name: string }[]>`
        SELECT n.nspname AS schema, c.relname AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r'
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
          -- Tables an extension creates (PostGIS's spatial_ref_sys…) are not the backup's data.
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY 1, 2`;
      if (tables.length > 0) perDatabase.push({ database, tables: [...tables] });
    } finally {
      await sql.end({ timeout: 5 });
    }
  }

  const total = perDatabase.reduce((n, d) => n + d.tables.length, 0);
  const stats: TableStat[] = [];
  let done = 0;
  for (const { database, tables } of perDatabase) {
    const sql = connect(database, COUNT_CONNECTIONS);
    const abort = () => void sql.end({ timeout: 0 });
    signal.addEventListener('abort', abort, { once: true });
    try {
      let next = 0;
      const worker = async () => {
        while (next < tables.length) {
          const table = tables[next++] as { schema: string; name: string };
          signal.throwIfAborted();
          const rows = await countRows(sql, database, table);
          stats.push({ database, schema: table.schema, name: table.name, rows });
          onTableCounted(++done, total);
        }
      };
      await Promise.all(Array.from({ length: Math.min(COUNT_CONNECTIONS, tables.length) }, worker));
    } catch (err) {
      signal.throwIfAborted();
      throw err;
    } finally {
      signal.removeEventListener('abort', abort);
      await sql.end({ timeout: 5 });
    }
  }
  return stats.sort((a, b) => a.database.localeCompare(b.database) || a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
}

async function countRows(sql: postgres.Sql, database: string, table: { schema: string; name: string }): Promise<number> {
  const qualified = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  try {
    // ONLY: rows of inheritance children are counted once, in their own table.
    const [row] = await sql.unsafe<{ n: string }[]>(`SELECT count(*) AS n FROM ONLY ${qualified}`);
    return Number(row?.n ?? 0);
  } catch (err) {
    // Only data-corruption errors (SQLSTATE classes XX and 58) are a verdict on the backup; a lost
    // connection or a cancelled query is infrastructure trouble and is retried.
    const code = (err as { code?: string }).code ?? '';
    if (!/^(XX|58)/.test(code)) throw err;
    throw backupRejected({
      name: 'readable',
      observed: `${database}.${table.schema}.${table.name}: ${(err as Error).message}`,
      expected: 'every table readable end to end',
      message: `table ${table.schema}.${table.name} in database ${database} could not be read: ${(err as Error).message}`,
    });
  }
}
