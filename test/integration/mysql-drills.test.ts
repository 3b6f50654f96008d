import { describe, expect, it } from 'vitest';
import type { DrillRequest } from '../../core/drill.js';
import { MYSQL_FIXTURE_FILES, MYSQL_FIXTURE_TABLES } from '../support/mysql-fixtures.js';
import { useDrillTestEnv, sandboxLeftovers, type DrillTestEnv } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('mysql', (created) => (env = created));

const mysqlRequest = (file: string, extra: Partial<DrillRequest> = {}): DrillRequest => ({ engine: 'mysql', source: { kind: 'file', path: file }, ...extra });

describe('MySQL/MariaDB drills', () => {
  it.each([
    ['mariadb-dump SQL', MYSQL_FIXTURE_FILES.plain],
    ['mariadb-dump SQL, gzip', MYSQL_FIXTURE_FILES.plainGzip],
  ])('%s passes with exact row counts', async (_label, file) => {
    const result = await env.runDrill(mysqlRequest(env.fixture(file)));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.checks.find((c) => c.name === 'producer')?.observed).toMatch(/^MariaDB 10\.\d+\.\d+-MariaDB\S* server, by mariadb-dump 10\.\d+\.\d+$/);
    // A dump of one database without --databases restores into the sandbox's target schema.
    expect(Object.fromEntries(result.tables.map((t) => [`shop.${t.name}`, t.rows]))).toEqual(MYSQL_FIXTURE_TABLES);
    expect(result.checks.map((c) => `${c.name}:${c.passed}`)).toEqual(['size:true', 'format:true', 'producer:true', 'restore:true', 'complete:true', 'readable:true', 'tables:true', 'rows:true']);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  // Bad MySQL backups are cases of the bad-backup corpus (bad-backup-corpus.test.ts).

  it('rejects a PostgreSQL-only format for the mysql engine before doing anything', async () => {
    const result = await env.runDrill(mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), { format: 'custom' }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/format: mysql backups come as "auto", "plain"; "custom" is not one of them/);
  });
});
