/**
 * Real mariadb-dump output of a generated MariaDB dataset (odd names included), made at test time
 * in a throwaway server started by the engine itself.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { findMysqlBinaries } from '../../activities/engines/mysql/binaries.js';
import { clientArgs, startMysqlServer, stopMysqlServer } from '../../activities/engines/mysql/server.js';
import { packagedMysqlServerOrThrow, type MysqlServerBuild } from '../../activities/engines/mysql/servers.js';
import type { SandboxHandle } from '../../core/drill.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';

const execFileAsync = promisify(execFile);

export const MYSQL_FIXTURE_TABLES: Record<string, number> = {
  'shop.customers': 300,
  'shop.orders': 700,
  'shop.odd `name` table': 5,
  'shop.empty_table': 0,
};

export const MYSQL_FIXTURE_FILES = { plain: 'mysql-good.sql', plainGzip: 'mysql-good.sql.gz', emptyDatabase: 'mysql-empty.sql' } as const;

const DATASET_SQL = `
  CREATE DATABASE shop; USE shop;
  CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) UNIQUE) ENGINE=InnoDB;
  INSERT INTO customers SELECT seq, CONCAT('customer ', seq), CONCAT('c', seq, '@example.test') FROM seq_1_to_300;
  CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2), KEY (customer_id), FOREIGN KEY (customer_id) REFERENCES customers(id)) ENGINE=InnoDB;
  INSERT INTO orders (customer_id, total) SELECT 1 + seq % 300, seq / 7 FROM seq_1_to_700;
  CREATE TABLE \`odd \`\`name\`\` table\` (k VARCHAR(20) PRIMARY KEY, note TEXT) ENGINE=InnoDB;
  INSERT INTO \`odd \`\`name\`\` table\` SELECT CONCAT('key ', seq), 'tab\\tand ünïcode' FROM seq_1_to_5;
  CREATE TABLE empty_table (x INT) ENGINE=InnoDB;
  CREATE VIEW shop.customer_totals AS SELECT c.id, c.name, SUM(o.total) AS spent FROM shop.customers c JOIN shop.orders o ON o.customer_id = c.id GROUP BY c.id, c.name;
  CREATE FUNCTION shop.order_count(customer INT) RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM shop.orders WHERE customer_id = customer);
  CREATE TRIGGER shop.orders_total_check BEFORE INSERT ON shop.orders FOR EACH ROW SET NEW.total = GREATEST(COALESCE(NEW.total, 0), 0);
  CREATE DATABASE nothing_here;
`;

export async function makeMysqlFixtures(dir: string, sandboxRoot: string): Promise<void> {
  const bins = findMysqlBinaries();
  await withFixtureServer(packagedMysqlServerOrThrow(), sandboxRoot, async (sandbox) => {
    const dump = path.join(path.dirname(bins.client), 'mariadb-dump');
    // One database without --databases (no CREATE DATABASE / USE), views, triggers and routines included.
    const good = await execFileAsync(dump, [...clientArgs(sandbox), '--single-transaction', '--routines', 'shop'], { maxBuffer: 64 * 1024 * 1024 });
    fs.writeFileSync(path.join(dir, MYSQL_FIXTURE_FILES.plain), good.stdout);
    fs.writeFileSync(path.join(dir, MYSQL_FIXTURE_FILES.plainGzip), gzipSync(good.stdout));
    const empty = await execFileAsync(dump, [...clientArgs(sandbox), 'nothing_here']);
    fs.writeFileSync(path.join(dir, MYSQL_FIXTURE_FILES.emptyDatabase), empty.stdout);
  });
}

/** The fixture dataset in a server of `build`, dumped by that build's own mariadb-dump. */
export async function dumpFixtureDatasetWith(build: MysqlServerBuild, sandboxRoot: string, file: string): Promise<void> {
  if (!build.baseDir) throw new Error('dumpFixtureDatasetWith takes a tools-folder build (its own bin/mariadb-dump)');
  await withFixtureServer(build, sandboxRoot, async (sandbox) => {
    const dumped = await execFileAsync(path.join(build.baseDir!, 'bin', 'mariadb-dump'), [...clientArgs(sandbox), '--skip-ssl', '--single-transaction', '--routines', 'shop'], { maxBuffer: 64 * 1024 * 1024 });
    fs.writeFileSync(file, dumped.stdout);
  });
}

/** The fixture dataset plus `extraSql` (client syntax: DELIMITER works), dumped with routines by the packaged mariadb-dump. */
export async function dumpDatasetWith(build: MysqlServerBuild, sandboxRoot: string, file: string, extraSql: string): Promise<void> {
  await withFixtureServer(
    build,
    sandboxRoot,
    async (sandbox) => {
      const dump = path.join(path.dirname(findMysqlBinaries().client), 'mariadb-dump');
      const dumped = await execFileAsync(dump, [...clientArgs(sandbox), '--single-transaction', '--routines', 'shop'], { maxBuffer: 64 * 1024 * 1024 });
      fs.writeFileSync(file, dumped.stdout);
    },
    extraSql,
  );
}

async function withFixtureServer(build: MysqlServerBuild, sandboxRoot: string, use: (sandbox: SandboxHandle) => Promise<void>, extraSql = ''): Promise<void> {
  const sandbox = await createLocalSandbox('mysql-fixtures', 'mysql', { hostTaskQueue: 'fixtures', rootDir: sandboxRoot });
  try {
    await startMysqlServer(sandbox, build);
    await new Promise<void>((resolve, reject) => {
      const child = execFile(findMysqlBinaries().client, clientArgs(sandbox), (err) => (err ? reject(err) : resolve()));
      child.stdin?.end(DATASET_SQL + extraSql);
    });
    await use(sandbox);
  } finally {
    await stopMysqlServer(sandbox);
    await removeLocalSandbox(sandbox);
  }
}
