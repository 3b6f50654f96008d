import { describe, expect, it } from 'vitest';
import { chooseMysqlServer, dumpOrigin } from '../../activities/engines/mysql/server-choice.js';
import { readMysqlProducer } from '../../activities/engines/mysql/producer.js';
import type { MysqlServerBuild } from '../../activities/engines/mysql/servers.js';

const packaged: MysqlServerBuild = { server: '/usr/sbin/mariadbd', installDb: '/usr/bin/mariadb-install-db', flavor: 'MariaDB', version: '10.11.6', origin: 'packaged' };
const tools114: MysqlServerBuild = { server: '/t/mariadb/11.4/bin/mariadbd', installDb: '/t/mariadb/11.4/scripts/mariadb-install-db', baseDir: '/t/mariadb/11.4', flavor: 'MariaDB', version: '11.4.5', origin: 'tools folder' };
const mysql84: MysqlServerBuild = { server: '/usr/sbin/mysqld', installDb: '/usr/bin/mysql_install_db', flavor: 'MySQL', version: '8.4.3', origin: 'packaged' };

const head = (tool: string, server: string, body = '') => `-- ${tool}\n--\n-- Host: localhost    Database: shop\n-- Server version\t${server}\n${body}`;
const choose = (builds: MysqlServerBuild[], text: string, declared?: string) => chooseMysqlServer(builds, dumpOrigin(readMysqlProducer(text), declared), text);

describe('which server restores a MySQL/MariaDB dump', () => {
  it('a MariaDB dump goes to the oldest server at least as new as the one it came from', () => {
    expect(choose([packaged, tools114], head('MariaDB dump 10.19  Distrib 10.6.18-MariaDB, for Linux', '10.6.18-MariaDB')).build).toBe(packaged);
    expect(choose([packaged, tools114], head('MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for Linux', '10.11.6-MariaDB')).build).toBe(packaged);
    const from114 = choose([packaged, tools114], head('MariaDB dump 10.19-11.4.5-MariaDB, client 10.19', '11.4.5-MariaDB'));
    expect(from114.build).toBe(tools114);
    expect(from114.mismatch).toBeUndefined();
  });

  it('a MariaDB dump newer than every server goes to the newest, saying restore errors may be its age', () => {
    const choice = choose([packaged, tools114], head('MariaDB dump 10.19-11.8.2-MariaDB', '11.8.2-MariaDB'));
    expect(choice.build).toBe(tools114);
    expect(choice.mismatch?.why).toBe('the dump comes from MariaDB 11.8.2, newer than every server here (the newest is MariaDB 11.4.5)');
    expect(choice.mismatch?.wayOut).toMatch(/install MariaDB 11\.8 or newer .* mariadb:11\.8 image/);
  });

  it('a MySQL 8 dump goes to a MySQL server when there is one, else to the MariaDB that has its collations', () => {
    const dump = head('MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)', '8.0.36', 'CREATE TABLE t (a text) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;');
    expect(choose([mysql84, tools114], dump)).toEqual({ build: mysql84, mysql8IntoMariadb: false, mysql8Collation: undefined, mismatch: undefined });
    const intoMariadb = choose([packaged, tools114], dump);
    expect(intoMariadb.build).toBe(tools114);
    expect(intoMariadb.mysql8IntoMariadb).toBe(true);
    expect(intoMariadb.mysql8Collation).toBe('utf8mb4_0900_ai_ci');
    expect(intoMariadb.mismatch?.why).toBe("the dump comes from MySQL 8.0.36 and this sandbox's server is MariaDB 11.4.5, which does not take every MySQL statement");
    expect(intoMariadb.mismatch?.wayOut).toBe("put a MySQL 8 server (mysqld) on the worker host's PATH, or use an ecs sandbox with a mysql:8 image");
    // Without a MariaDB 11.4, the packaged one maps the collations.
    const mapped = choose([packaged], dump);
    expect(mapped.build).toBe(packaged);
    expect(mapped.mysql8Collation).toBe('utf8mb4_0900_ai_ci');
  });

  it('a MySQL 8 producer needs the collations even when the head names none yet', () => {
    const choice = choose([packaged, tools114], head('MySQL dump 10.13  Distrib 8.4.3, for Linux (x86_64)', '8.4.3'));
    expect(choice.build).toBe(tools114);
    expect(choice.mysql8Collation).toBe('the utf8mb4_0900_* collations');
  });

  it("old MariaDB's mysqldump and a server banner without the MariaDB suffix are still MariaDB", () => {
    expect(dumpOrigin(readMysqlProducer('-- MySQL dump 10.16  Distrib 10.3.39-MariaDB, for debian-linux-gnu (x86_64)\n'), undefined)).toEqual({ flavor: 'MariaDB', version: '10.3.39' });
    expect(dumpOrigin({ tool: null, serverVersion: '10.11.6' }, undefined)).toEqual({ flavor: 'MariaDB', version: '10.11.6' });
    expect(choose([packaged, tools114], '-- MySQL dump 10.16  Distrib 10.3.39-MariaDB, for debian-linux-gnu (x86_64)\n').mysql8IntoMariadb).toBe(false);
  });

  it('without a producer, the declared version decides, and MySQL 8 collations in the head still pick a server that has them', () => {
    expect(choose([packaged, tools114], 'CREATE TABLE t (a int);', '11.4').build).toBe(tools114);
    expect(choose([packaged, tools114], 'CREATE TABLE t (a int);', '10.11').build).toBe(packaged);
    expect(choose([packaged, tools114], 'CREATE TABLE t (a text) COLLATE utf8mb4_0900_as_cs;').build).toBe(tools114);
    expect(choose([packaged, tools114], 'CREATE TABLE t (a int);').build).toBe(packaged);
  });

  it('no server at all is an error saying what to install', () => {
    expect(() => choose([], 'CREATE TABLE t (a int);')).toThrow(/no MariaDB\/MySQL server is installed on this worker host: run `npm run setup` as root/);
  });
});
