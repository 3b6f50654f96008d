/** Opens the history database and brings its schema up to date with the committed migrations. */
import path from 'node:path';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { PROJECT_ROOT } from '../core/config.js';
import * as schema from './schema/index.js';

export type HistoryDb = PostgresJsDatabase<typeof schema>;

export interface HistoryDatabase {
  db: HistoryDb;
  close(): Promise<void>;
}

export function openHistoryDatabase(url: string, options: { max?: number } = {}): HistoryDatabase {
  const sql = postgres(url, { max: options.max ?? 5, onnotice: () => {} });
  return { db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
}

export async function migrateHistoryDatabase(url: string): Promise<void> {
  // Its own single connection: migrations take an advisory lock and must not share a pool.
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrate(drizzle(sql), { migrationsFolder: path.join(PROJECT_ROOT, 'db', 'migrations') });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
