/** A history database of its own for a test file: created, migrated, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { migrateHistoryDatabase, openHistoryDatabase, type HistoryDatabase } from '../../db/client.js';

export async function scratchHistoryDatabase(name: string): Promise<HistoryDatabase & { url: string }> {
  const databaseName = `test_${name.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`;
  const adminUrl = inject('historyAdminUrl');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${databaseName}`);
  await migrateHistoryDatabase(url);
  const history = openHistoryDatabase(url);
  return {
    ...history,
    url,
    close: async () => {
      await history.close();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
