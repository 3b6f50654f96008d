/**
 * Who wrote a mysqldump / mariadb-dump file, from its comment header, and whether this sandbox's
 * server knows its collations: MySQL 8 dumps name utf8mb4_0900_* collations, which MariaDB before
 * 11.4 does not have.
 */
import { execFileSync } from 'node:child_process';
import type { Producer } from '../engine.js';
import { versionNumber } from '../producer-check.js';
import { findMysqlBinaries } from './binaries.js';
import { usesMysql8Collations } from './mysql8-mapping.js';

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

/**
 * Whether this server lacks the MySQL 8 collations the dump names (MariaDB before 11.4): the
 * restore then maps them (./mysql8-mapping.ts) and the producer check says which.
 */
export function needsCollationMapping(headText: string, producer: Producer | null): string | undefined {
  const server = sandboxServerVersion();
  const [major, minor] = server.version.split('.').map(Number) as [number, number];
  const lacksMysql8Collations = server.flavor === 'MariaDB' && (major < 11 || (major === 11 && minor < 4));
  if (!lacksMysql8Collations) return undefined;
  // The head may not reach the first table that names one: a MySQL 8 producer is reason enough.
  const serverVersion = producer?.serverVersion ?? null;
  const fromMysql8 = serverVersion !== null && flavorOf(serverVersion) === 'MySQL' && Number(versionNumber(serverVersion)?.split('.')[0]) >= 8;
  return usesMysql8Collations(headText) ?? (fromMysql8 ? 'the utf8mb4_0900_* collations' : undefined);
}
