import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DrillRequest } from '../../core/drill.js';
import { dumpFixtureDatasetWith, MYSQL_FIXTURE_FILES, MYSQL_FIXTURE_TABLES } from '../support/mysql-fixtures.js';
import { createDrillTestEnv, useDrillTestEnv, sandboxLeftovers, type DrillTestEnv } from '../support/drill-env.js';
import { configuredMysqlServers, MysqlServers } from '../../activities/engines/mysql/servers.js';

let env: DrillTestEnv;
useDrillTestEnv('mysql', (created) => (env = created));

/**
 * A MySQL 8.0 mysqldump of the same data, as far as a MariaDB server can say it: MySQL's header,
 * its utf8mb4_0900 collations on tables and columns, its database-encryption clause.
 */
function asMysql8Dump(text: string): string {
  return text
    .replace(/^.*?-- MariaDB dump [\d.]+\s+Distrib [^,]+,.*$/m, '-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)')
    .replace(/^-- Server version\s+.*$/m, '-- Server version\t8.0.36')
    .replace(/DEFAULT CHARSET=\w+( COLLATE=\w+)?/g, 'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci')
    .replace(/`name` varchar\(100\) NOT NULL/, '`name` varchar(100) COLLATE utf8mb4_0900_as_cs NOT NULL')
    .replace(/^(CREATE TABLE `empty_table`)/m, "/*!40101 SET @saved = 1 */;\nCREATE DATABASE IF NOT EXISTS `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */;\n$1");
}

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

  it('a single-database dump without CREATE DATABASE restores under the name its header records, so its views and routines work and its trigger restores', async () => {
    const dump = fs.readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8');
    // What the newcomer's dump looks like: no CREATE DATABASE / USE, objects that name `shop`.
    expect(dump).not.toMatch(/^(CREATE DATABASE|USE )/m);
    expect(dump).toMatch(/^-- Host: \S+\s+Database: shop$/m);
    expect(dump).toMatch(/VIEW `customer_totals`/);
    const result = await env.runDrill(
      mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), {
        checks: {
          assertions: [
            { name: 'view reads its tables', sql: 'SELECT COUNT(*) FROM shop.customer_totals', expect: '== 300' },
            { name: 'function reads its table', sql: 'SELECT shop.order_count(1)', expect: '>= 1' },
            // Assertions read as an account without the TRIGGER privilege, for which information_schema lists none.
            { name: 'triggers hidden from the read-only account', sql: "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = 'shop'", expect: '== 0' },
          ],
        },
      }),
    );
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.checks.find((c) => c.name === 'restore')?.message).toBe("restored without errors into database `shop` (named in the dump's header)");
    expect(result.tables.map((t) => t.schema)).toEqual(['shop', 'shop', 'shop', 'shop']);
  });

  it("a dump whose header names no database restores into the plan's database", async () => {
    const headerless = path.join(env.scratchDir, 'mysql-no-db-header.sql');
    fs.writeFileSync(headerless, fs.readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8').replace(/(^-- Host: \S+\s+)Database: shop$/m, '$1Database: '));
    const result = await env.runDrill(mysqlRequest(headerless, { database: 'shop' }));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(result.checks.find((c) => c.name === 'restore')?.message).toBe("restored without errors into database `shop` (the plan's database)");

    const unnamed = await env.runDrill(mysqlRequest(headerless));
    // Without the name, the view's `shop`.… references have nothing to point at: a sound dump the
    // drill cannot place, so an error that says which name to set, not a failed backup.
    expect(unnamed.outcome).toBe('error');
    expect(unnamed.reason).toMatch(/the dump names no database of its own, yet its objects refer to database `shop` .*set the plan's database to "shop" \(drill plan edit --database shop\)/);
  });

  it("a MySQL 8 dump restores into the tools folder's MariaDB 11.4, which keeps its 0900 collations", async () => {
    const file = path.join(env.scratchDir, 'mysql8.sql');
    // utf8mb4_ja_0900_as_cs is one of the language collations MariaDB 11.4 still lacks.
    const dump = asMysql8Dump(fs.readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8')).replace(/`email` varchar\(200\)/, '`email` varchar(200) COLLATE utf8mb4_ja_0900_as_cs');
    expect(dump).toContain('COLLATE utf8mb4_ja_0900_as_cs');
    fs.writeFileSync(file, dump);
    const result = await env.runDrill(
      mysqlRequest(file, {
        checks: { assertions: [{ name: 'collation kept', sql: "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'customers' AND COLUMN_NAME = 'name'", expect: "== 'utf8mb4_0900_as_cs'" }] },
      }),
    );
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(Object.fromEntries(result.tables.map((t) => [`shop.${t.name}`, t.rows]))).toEqual(MYSQL_FIXTURE_TABLES);
    const producer = result.checks.find((c) => c.name === 'producer');
    expect(producer?.observed).toBe('MySQL 8.0.36 server, by mysqldump 8.0.36');
    expect(producer?.message).toMatch(
      /^dump made from MySQL 8\.0\.36 server, by mysqldump 8\.0\.36; restored into MariaDB 11\.4\.\d+ \(tools folder\), which lacks utf8mb4_ja_0900_as_cs: mapped to utf8mb4_bin \(.*\)\. A MySQL 8 server on PATH restores it as it is$/,
    );
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it('a MySQL 8 dump restores into MariaDB before 11.4 with its 0900 collations mapped, and says so', async () => {
    const packagedOnly = await createDrillTestEnv('mysql-packaged', { worker: { mysql: new MysqlServers({ toolsDir: path.join(env.scratchDir, 'no-tools') }) } });
    try {
      const file = path.join(env.scratchDir, 'mysql8-mapped.sql');
      fs.writeFileSync(file, asMysql8Dump(fs.readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8')));
      const result = await packagedOnly.runDrill(mysqlRequest(file));
      expect(result.reason).toBeNull();
      expect(result.outcome).toBe('passed');
      expect(Object.fromEntries(result.tables.map((t) => [`shop.${t.name}`, t.rows]))).toEqual(MYSQL_FIXTURE_TABLES);
      const producer = result.checks.find((c) => c.name === 'producer');
      expect(producer?.observed).toBe('MySQL 8.0.36 server, by mysqldump 8.0.36');
      expect(producer?.message).toMatch(
        /restored into MariaDB 10\.\d+\.\d+ \(packaged\), which lacks utf8mb4_0900_as_cs and 1 other MySQL 8 collation\(s\): mapped to utf8mb4_bin .*MariaDB 11\.4 or newer \(`npm run setup` installs it into the tools folder\), or a MySQL 8 server on PATH, restores it as it is$/,
      );
    } finally {
      await packagedOnly.close();
    }
  });

  it("a MySQL 8 statement MariaDB cannot run ends as an error naming the server, not as a failed backup", async () => {
    const file = path.join(env.scratchDir, 'mysql8-functional-index.sql');
    // A functional index (MySQL 8.0.13+): MariaDB has none, so the table cannot be created there.
    const dump = asMysql8Dump(fs.readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8')).replace(/(CREATE TABLE `empty_table` \(\n\s*`x` int\(11\) DEFAULT NULL)/, '$1,\n  KEY `x_plus_one` ((`x` + 1))');
    expect(dump).toContain('KEY `x_plus_one` ((`x` + 1))');
    fs.writeFileSync(file, dump);
    const result = await env.runDrill(mysqlRequest(file));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(
      /the dump comes from MySQL 8\.0\.36 and this sandbox's server is MariaDB 11\.4\.\d+, which does not take every MySQL statement; the restore reported \d+ error\(s\) \(.*syntax.*\), which may be the server's, not the backup's: put a MySQL 8 server \(mysqld\) on the worker host's PATH, or use an ecs sandbox with a mysql:8 image/,
    );
    expect(sandboxLeftovers(env.sandboxRoot)).toEqual([]);
  });

  it("a MariaDB 11.4 dump, made by 11.4's own mariadb-dump, restores into MariaDB 11.4", async () => {
    const build = configuredMysqlServers().list().find((b) => b.origin === 'tools folder' && b.version.startsWith('11.4.'));
    expect(build, 'MariaDB 11.4 in the tools folder (npm run setup installs it)').toBeDefined();
    const file = path.join(env.scratchDir, 'mariadb-11.4.sql');
    await dumpFixtureDatasetWith(build!, env.sandboxRoot, file);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^-- Server version\t11\.4\.\d+-MariaDB$/m);
    const result = await env.runDrill(mysqlRequest(file));
    expect(result.reason).toBeNull();
    expect(result.outcome).toBe('passed');
    expect(Object.fromEntries(result.tables.map((t) => [`shop.${t.name}`, t.rows]))).toEqual(MYSQL_FIXTURE_TABLES);
    expect(result.checks.find((c) => c.name === 'producer')?.message).toMatch(/from MariaDB 11\.4\.\d+-MariaDB server, by mariadb-dump 11\.4\.\d+; restored into MariaDB 11\.4\.\d+ \(tools folder\)$/);
  });

  it('a dump from a MariaDB newer than every server here that uses what they lack ends as an error, not as failed', async () => {
    const file = path.join(env.scratchDir, 'mariadb-11.8.sql');
    // MariaDB 11.7 added the VECTOR type; 11.4 reads it as a syntax error.
    const dump = fs
      .readFileSync(env.fixture(MYSQL_FIXTURE_FILES.plain), 'utf8')
      .replace(/^-- Server version\s+.*$/m, '-- Server version\t11.8.2-MariaDB-ubu2404')
      .replace(/(CREATE TABLE `empty_table` \(\n\s*`x` int\(11\) DEFAULT NULL)/, '$1,\n  `embedding` vector(3) DEFAULT NULL');
    expect(dump).toContain('`embedding` vector(3)');
    fs.writeFileSync(file, dump);
    const result = await env.runDrill(mysqlRequest(file));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/the dump comes from MariaDB 11\.8\.2, newer than every server here \(the newest is MariaDB 11\.4\.\d+\); the restore reported \d+ error\(s\) .*: install MariaDB 11\.8 or newer and put its mariadbd on the worker host's PATH, or use an ecs sandbox with a mariadb:11\.8 image/);
  });

  // Bad MySQL backups are cases of the bad-backup corpus (bad-backup-corpus.test.ts).

  it('rejects a PostgreSQL-only format for the mysql engine before doing anything', async () => {
    const result = await env.runDrill(mysqlRequest(env.fixture(MYSQL_FIXTURE_FILES.plain), { format: 'custom' }));
    expect(result.outcome).toBe('error');
    expect(result.reason).toMatch(/format: mysql backups come as "auto", "plain"; "custom" is not one of them/);
  });
});
