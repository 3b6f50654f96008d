/**
 * Every MariaDB/MySQL server build a local sandbox can run: the packaged one (PATH, /usr/sbin) and
 * the project's own MariaDB builds in <tools>/mariadb/<series> (installed by
 * scripts/tools/install-mariadb.sh), each with its flavor and version. Client programs always come
 * from the packaged installation (./binaries.ts): any of them speaks to every server here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../../../core/config.js';
import { versionNumber } from '../producer-check.js';
import { findMysqlBinaries } from './binaries.js';
import { isExecutable } from '../../executables.js';

export type MysqlFlavor = 'MariaDB' | 'MySQL';

export interface MysqlServerBuild {
  /** mariadbd or mysqld. */
  server: string;
  installDb: string;
  /** --basedir for a relocated build (its share/ and plugins); packaged servers know their own. */
  baseDir?: string;
  flavor: MysqlFlavor;
  /** "11.4.5" */
  version: string;
  origin: 'packaged' | 'tools folder';
}

const BUILD_MARKER = '.restore-drill-build';
const PINNED_BUILDS = path.join(PROJECT_ROOT, 'scripts', 'tools', 'mariadb-builds.txt');

/** MariaDB took MySQL 8's utf8mb4_0900_* collations in 11.4. */
export function hasMysql8Collations(build: Pick<MysqlServerBuild, 'flavor' | 'version'>): boolean {
  return compareVersions(build.version, build.flavor === 'MariaDB' ? '11.4' : '8.0') >= 0;
}

/** Compares dotted versions numerically, as far as the shorter one goes ("11.4" equals "11.4.5"). */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return (left[i] ?? 0) - (right[i] ?? 0);
  }
  return 0;
}

export class MysqlServers {
  private listing: MysqlServerBuild[] | undefined;

  constructor(private readonly options: { toolsDir: string }) {}

  /** The packaged server first (when there is one), then the tools folder's builds, newest first. */
  list(): MysqlServerBuild[] {
    this.listing ??= [packagedMysqlServer(), ...toolsFolderServers(path.join(this.options.toolsDir, 'mariadb'))].filter((build) => build !== null);
    return this.listing;
  }
}

export function configuredMysqlServers(): MysqlServers {
  return new MysqlServers({ toolsDir: loadConfig().toolsDir });
}

let packagedServer: MysqlServerBuild | null | undefined;

/** The server on PATH (or in /usr/sbin), as the distribution installed it; null without one. */
export function packagedMysqlServer(): MysqlServerBuild | null {
  if (packagedServer !== undefined) return packagedServer;
  let bins: ReturnType<typeof findMysqlBinaries>;
  try {
    bins = findMysqlBinaries();
  } catch {
    return (packagedServer = null);
  }
  const banner = execFileSync(bins.server, ['--version'], { encoding: 'utf8' });
  packagedServer = { server: bins.server, installDb: bins.installDb, flavor: /mariadb/i.test(banner) ? 'MariaDB' : 'MySQL', version: versionNumber(banner.replace(/^\S+\s+Ver\s+/, '')) ?? '0', origin: 'packaged' };
  return packagedServer;
}

/** MariaDB series scripts/tools/install-mariadb.sh has a pinned build of ("11.4"). */
export function pinnedMariadbSeries(): string[] {
  const lines = fs.readFileSync(PINNED_BUILDS, 'utf8').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
  return [...new Set(lines.map((line) => line.split(/\s+/)[0]!))];
}

/** The packaged server, for what the distribution's own client tools made (fixtures, benchmarks). */
export function packagedMysqlServerOrThrow(): MysqlServerBuild {
  const server = packagedMysqlServer();
  if (!server) throw new Error('no MariaDB/MySQL server on PATH: run `npm run setup` as root to install MariaDB');
  return server;
}

function toolsFolderServers(root: string): MysqlServerBuild[] {
  let series: string[];
  try {
    series = fs.readdirSync(root).filter((name) => /^\d+\.\d+$/.test(name));
  } catch {
    return [];
  }
  const builds: MysqlServerBuild[] = [];
  for (const name of series) {
    const baseDir = path.join(root, name);
    const version = readBuildVersion(baseDir);
    const server = path.join(baseDir, 'bin', 'mariadbd');
    const installDb = path.join(baseDir, 'scripts', 'mariadb-install-db');
    // A half-installed build has no marker: the installer writes it last.
    if (!version || !isExecutable(server) || !isExecutable(installDb)) continue;
    builds.push({ server, installDb, baseDir, flavor: 'MariaDB', version, origin: 'tools folder' });
  }
  return builds.sort((a, b) => compareVersions(b.version, a.version));
}

function readBuildVersion(baseDir: string): string | undefined {
  try {
    return versionNumber(fs.readFileSync(path.join(baseDir, BUILD_MARKER), 'utf8').split(/\s/)[0]) ?? undefined;
  } catch {
    return undefined;
  }
}

