/** Who wrote a mysqldump / mariadb-dump file, from its comment header. */
import type { Producer } from '../engine.js';

export function readMysqlProducer(headText: string): Producer | null {
  // "-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for …" (10.x) or "-- MariaDB dump 10.19-11.4.5-MariaDB, for …" (11.x).
  const tool = /^-- (MySQL|MariaDB) dump [\d.]+(?:\s+Distrib |-)([^,\s]+)/m.exec(headText);
  const server = /^-- Server version\s+(.+)$/m.exec(headText)?.[1]?.trim() ?? null;
  if (!tool && !server) return null;
  return { tool: tool ? `${tool[1] === 'MariaDB' ? 'mariadb-dump' : 'mysqldump'} ${tool[2]!.replace(/-MariaDB$/, '')}` : null, serverVersion: server };
}

/** "MariaDB" or "MySQL", from a version banner ("10.11.6-MariaDB-0+deb12u1" says MariaDB). */
export function flavorOf(serverVersion: string | null): 'MariaDB' | 'MySQL' {
  return serverVersion && /mariadb/i.test(serverVersion) ? 'MariaDB' : 'MySQL';
}
