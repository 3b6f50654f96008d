/**
 * Which server build restores a MySQL/MariaDB dump: one at least as new as the server the dump was
 * taken from, of its flavor where there is one. A MySQL 8 dump needs MySQL 8's utf8mb4_0900_*
 * collations, which MariaDB has from 11.4: the project's MariaDB 11.4 build takes it as it is, an
 * older MariaDB only with those collations mapped (./mysql8-mapping.ts). When the best server here
 * is of the other flavor or older than the dump's, restore errors may be the server's rather than
 * the backup's, and the choice says so: such errors end the drill as `error`, never `failed`.
 */
import { sandboxCannotRestore } from '../../failures.js';
import type { Producer } from '../engine.js';
import { versionNumber } from '../producer-check.js';
import { usesMysql8Collations } from './mysql8-mapping.js';
import { flavorOf } from './producer.js';
import { compareVersions, hasMysql8Collations, type MysqlFlavor, type MysqlServerBuild } from './servers.js';

export interface MysqlDumpOrigin {
  flavor: MysqlFlavor;
  /** "8.0.36", "11.4.5"; null when neither the dump nor the plan says. */
  version: string | null;
}

export interface MysqlServerChoice {
  build: MysqlServerBuild;
  /** The dump comes from MySQL 8 and the server is MariaDB: MySQL-only clauses are dropped on the way in. */
  mysql8IntoMariadb: boolean;
  /** A MySQL 8 collation the dump names, set when the chosen server may lack some of them. */
  mysql8Collation?: string;
  /** Why restore errors may be the server's fault rather than the backup's, and what would decide. */
  mismatch?: { why: string; wayOut: string };
}

/** The dump's server, from its header, else the plan's declared version (MariaDB numbers its majors from 10). */
export function dumpOrigin(producer: Producer | null, declaredVersion: string | undefined): MysqlDumpOrigin | undefined {
  const byNumber = (version: string | null): MysqlFlavor => (Number(version?.split('.')[0]) >= 10 ? 'MariaDB' : 'MySQL');
  if (producer?.serverVersion) {
    const version = versionNumber(producer.serverVersion);
    return { flavor: flavorOf(producer.serverVersion) === 'MariaDB' ? 'MariaDB' : byNumber(version), version };
  }
  // Old MariaDB releases still called their dump tool mysqldump; its Distrib version tells.
  if (producer?.tool) {
    const version = versionNumber(producer.tool);
    return { flavor: producer.tool.startsWith('mariadb-dump') ? 'MariaDB' : byNumber(version), version };
  }
  if (declaredVersion) return { flavor: byNumber(declaredVersion), version: declaredVersion };
  return undefined;
}

export function chooseMysqlServer(builds: MysqlServerBuild[], origin: MysqlDumpOrigin | undefined, headText: string): MysqlServerChoice {
  const fallback = builds[0];
  if (!fallback) throw sandboxCannotRestore('no MariaDB/MySQL server is installed on this worker host: run `npm run setup` as root to install MariaDB, or put a mysqld on PATH');
  const fromMysql8 = origin?.flavor === 'MySQL' && origin.version !== null && compareVersions(origin.version, '8') >= 0;
  const mysql8Collation = usesMysql8Collations(headText) ?? (fromMysql8 ? 'the utf8mb4_0900_* collations' : undefined);
  const choose = (build: MysqlServerBuild, mismatch?: MysqlServerChoice['mismatch']): MysqlServerChoice => ({
    build,
    mysql8IntoMariadb: fromMysql8 && build.flavor === 'MariaDB',
    mysql8Collation: build.flavor === 'MariaDB' && mysql8Collation ? mysql8Collation : undefined,
    mismatch,
  });
  const atLeast = (flavor: MysqlFlavor, version: string) => builds.filter((b) => b.flavor === flavor && compareVersions(b.version, majorMinor(version)) >= 0);
  const oldestOf = (candidates: MysqlServerBuild[]) => [...candidates].sort((a, b) => compareVersions(a.version, b.version))[0];

  if (origin?.flavor === 'MySQL') {
    const mysql = origin.version ? oldestOf(atLeast('MySQL', origin.version)) : builds.find((b) => b.flavor === 'MySQL');
    if (mysql) return choose(mysql);
    const mariadb = mysql8Collation ? (builds.filter(hasMysql8Collations).sort((a, b) => compareVersions(b.version, a.version))[0] ?? fallback) : fallback;
    const major = origin.version?.split('.')[0];
    return choose(mariadb, {
      why: `the dump comes from MySQL${origin.version ? ` ${origin.version}` : ''} and this sandbox's server is ${mariadb.flavor} ${mariadb.version}, which does not take every MySQL statement`,
      wayOut: `put a MySQL${major ? ` ${major}` : ''} server (mysqld) on the worker host's PATH, or use an ecs sandbox with a mysql${major ? `:${major}` : ''} image`,
    });
  }
  if (origin?.flavor === 'MariaDB' && origin.version) {
    const newEnough = oldestOf(atLeast('MariaDB', origin.version));
    if (newEnough) return choose(newEnough);
    const newest = builds.filter((b) => b.flavor === 'MariaDB').sort((a, b) => compareVersions(b.version, a.version))[0] ?? fallback;
    return choose(newest, {
      why: `the dump comes from MariaDB ${origin.version}, newer than every server here (the newest is ${newest.flavor} ${newest.version})`,
      wayOut: `install MariaDB ${majorMinor(origin.version)} or newer and put its mariadbd on the worker host's PATH, or use an ecs sandbox with a mariadb:${majorMinor(origin.version)} image`,
    });
  }
  // A dump that names no producer: MySQL 8 collations still say which server it needs.
  if (mysql8Collation && !hasMysql8Collations(fallback)) return choose(builds.find(hasMysql8Collations) ?? fallback);
  return choose(fallback);
}

function majorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}
