/**
 * Who wrote a mysqldump / mariadb-dump file, from its comment header, and whether this sandbox's
 * server can take it: MySQL 8 dumps name utf8mb4_0900_* collations, which MariaDB before 11.4
 * does not know, so every table using one would fail to restore.
 */
import { execFileSync } from 'node:child_process';
import type { Producer } from '../engine.js';
import { versionNumber } from '../producer-check.js';
import { findMysqlBinaries } from './binaries.js';

export function readMysqlProducer(headText: string): Producer | null {
  const tool = /^-- (MySQL|MariaDB) dump [\d.]+\s+Distrib ([^,\s]+)/m.exec(headText);
  const server = /^-- Server version\s+(.+)$/m.exec(headText)?.[1]?.trim() ?? null;
  if (!tool && !server) return null;
  return { tool: tool ? `${tool[1] === 'MariaDB' ? 'mariadb-dump' : 'mysqldump'} ${tool[2]!.replace(/-MariaDB$/, '')}` : null, serverVersion: server };
}

/** "MariaDB" or "MySQL", from a version banner ("10.11.6-MariaDB-0+deb12u1" says MariaDB). */
export function flavorOf(serverVersion: string | null): 'MariaDB' | 'MySQL' {
  return serverVersion && /mariadb/i.test(serverVersion) ? 'MariaDB' : 'MySQL';
}

let sandboxServer: { flavor: 'MariaDB' | 'MySQL'; version: string } | undefined;

/** Flavor and version of the server binary sandboxes run. */
export function sandboxServerVersion(): { flavor: 'MariaDB' | 'MySQL'; version: string } {
  if (!sandboxServer) {
    const banner = execFileSync(findMysqlBinaries().server, ['--version'], { encoding: 'utf8' });
    sandboxServer = { flavor: /mariadb/i.test(banner) ? 'MariaDB' : 'MySQL', version: versionNumber(banner.replace(/^\S+\s+Ver\s+/, '')) ?? 'unknown' };
  }
  return sandboxServer;
}

/** Why this server cannot restore a dump whose head reads like this, or undefined when it can. */
export function incompatibility(headText: string, producer: Producer | null): string | undefined {
  const server = sandboxServerVersion();
  const [major, minor] = server.version.split('.').map(Number) as [number, number];
  const mariadbWithoutMysql8Collations = server.flavor === 'MariaDB' && (major < 11 || (major === 11 && minor < 4));
  const collation = /utf8mb4_0900_\w+/.exec(headText)?.[0];
  if (mariadbWithoutMysql8Collations && collation) {
    const from = producer?.serverVersion ? `MySQL ${versionNumber(producer.serverVersion)}` : 'MySQL 8';
    return `the dump comes from ${from} and uses the ${collation} collation, which the sandbox's MariaDB ${server.version} does not have: run drills of this plan on a MySQL 8 server (put mysqld on PATH) or on MariaDB 11.4 or newer`;
  }
  return undefined;
}
