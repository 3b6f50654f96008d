import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { DrillRequest } from '../../core/drill.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { MYSQL_FIXTURE_FILES, MYSQL_FIXTURE_TABLES } from '../support/mysql-fixtures.js';
import { useDrillTestEnv, sandboxLeftovers, scratchCopy, type DrillTestEnv } from '../support/drill-env.js';

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
    // A dump of one database without --databases restores into the sandbox's target schema.
    expect(Object.fromEntries(result.tables.map((t) => [`shop.${t.name}`, t.rows]))).toEqual(MYSQL_FIXTURE_TABLES);
    expect(result.checks.map((c) => `${c.name}:${c.passed}`)).toEqual(['size:true', 'format:true', 'restore:true', 'complete:true', 'readable:true', 'tables:true', 'rows:true']);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  function cutInsideInserts(file: string): string {
    const text = fs.readFileSync(file, 'utf8');
    const cut = text.indexOf('\n', text.indexOf('INSERT INTO `orders`')) + 1;
    fs.writeFileSync(file, text.slice(0, cut));
    return file;
  }

  it.each([
    ['a dump cut short after a complete statement', () => mysqlRequest(cutInsideInserts(scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'cut.sql'))), 'restore', 'complete', /incomplete: it ends without mysqldump's "Dump completed" trailer/],
    ['a truncated gzip dump', () => {
      const file = scratchCopy(env, MYSQL_FIXTURE_FILES.plainGzip, 'cut.sql.gz');
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
      return mysqlRequest(file);
    }, 'restore', 'restore', /gzip stream is truncated or corrupt/],
    ['a PostgreSQL dump given to the mysql engine', () => mysqlRequest(env.fixture(FIXTURE_FILES.custom)), 'restore', 'format', /not a MySQL\/MariaDB dump: the file is a pg_dump custom-format archive/],
    ['a dump with a genuine SQL error', () => {
      const file = scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'broken.sql');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('CREATE TABLE `empty_table`', 'CREATE TABLE `broken` (id INT REFERENCES nowhere(id)) ENGINE=InnoDB;\nINSERT INTO `missing_table` VALUES (1);\nCREATE TABLE `empty_table`'));
      return mysqlRequest(file);
    }, 'restore', 'restore', /mysql client reported \d+ error\(s\): .*missing_table/],
    ['a dump of an empty database', () => mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.emptyDatabase)), 'inspect', 'tables', /only 0 user table\(s\)/],
    ['an HTML page', () => {
      const file = scratchCopy(env, MYSQL_FIXTURE_FILES.plain, 'page.sql.gz');
      fs.writeFileSync(file, gzipSync('<html><body>403 Forbidden</body></html>'));
      return mysqlRequest(file);
    }, 'restore', 'format', /HTML/],
  ] as const)('%s fails naming the step', async (_label, request, failedStep, check, reason) => {
    const result = await env.runDrill(request());
    expect(result.outcome).toBe('failed');
    expect(result.failedStep).toBe(failedStep);
    expect(result.reason).toMatch(reason);
    expect(result.checks.filter((c) => !c.passed).map((c) => c.name)[0]).toBe(check);
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('rejects a PostgreSQL-only format for the mysql engine before doing anything', async () => {
    const result = await env.runDrill(mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), { format: 'custom' }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/format: MySQL\/MariaDB backups are SQL dumps/);
  });
});
