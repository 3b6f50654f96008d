/**
 * One PostgreSQL installation: a bin directory holding the server and the client tools of one
 * version. Debian keeps initdb/pg_ctl off PATH (under /usr/lib/postgresql/N/bin) and puts
 * version-switching wrappers in /usr/bin, so an installation is always one real bin directory and
 * every tool of a drill comes from it: restore tools and server must be the same version.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { isExecutable } from '../../executables.js';

const execFileAsync = promisify(execFile);
const REQUIRED_TOOLS = ['initdb', 'pg_ctl', 'pg_restore', 'psql', 'pg_dump'] as const;
export type PostgresTool = (typeof REQUIRED_TOOLS)[number] | 'pg_basebackup' | 'pg_controldata' | 'pg_waldump' | 'postgres' | 'pg_dumpall' | 'pg_isready';

/** Where an installation was found, for `drill engines` and the producer check's wording. */
export type PostgresOrigin = 'configured' | 'project' | 'debian' | 'path';

export interface PostgresBinaries {
  binDir: string;
  /** e.g. "15.18" */
  version: string;
  major: number;
  origin: PostgresOrigin;
  path(tool: PostgresTool): string;
}

/** The installation in `binDir`, or undefined when it lacks a server or restore tool. */
export async function readInstallation(binDir: string, origin: PostgresOrigin): Promise<PostgresBinaries | undefined> {
  if (!REQUIRED_TOOLS.every((tool) => isExecutable(path.join(binDir, tool)))) return undefined;
  const { stdout } = await execFileAsync(path.join(binDir, 'pg_restore'), ['--version']).catch(() => ({ stdout: '' }));
  const version = stdout.match(/(\d+(?:\.\d+)?)/)?.[1];
  if (!version) return undefined;
  return { binDir, version, major: Number(version.split('.')[0]), origin, path: (tool) => path.join(binDir, tool) };
}

let cached: Promise<PostgresBinaries> | undefined;

/**
 * The one installation of a process that needs any PostgreSQL (the embedded history database,
 * test fixtures, benchmarks): the configured directory, else the newest Debian/PATH one. Sandboxes
 * choose per dump among all installations instead (./installations.ts).
 */
export function findPostgresBinaries(configuredBinDir?: string): Promise<PostgresBinaries> {
  cached ??= locate(configuredBinDir).catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function locate(configuredBinDir?: string): Promise<PostgresBinaries> {
  const candidates: Array<[string, PostgresOrigin]> = configuredBinDir
    ? splitBinDirs(configuredBinDir).map((dir) => [dir, 'configured'])
    : [...debianBinDirs().map((dir): [string, PostgresOrigin] => [dir, 'debian']), ...pathDirs().map((dir): [string, PostgresOrigin] => [dir, 'path'])];
  for (const [binDir, origin] of candidates) {
    const found = await readInstallation(binDir, origin);
    if (found) return found;
  }
  throw new Error(
    `PostgreSQL server tools (${REQUIRED_TOOLS.join(', ')}) not found${configuredBinDir ? ` in RESTORE_DRILL_PG_BIN=${configuredBinDir}` : ''}: ` +
      'run `npm run setup` as root to install them, or set RESTORE_DRILL_PG_BIN to their directory',
  );
}

/** RESTORE_DRILL_PG_BIN names one bin directory, or several separated like PATH. */
export function splitBinDirs(value: string | undefined): string[] {
  return (value ?? '').split(path.delimiter).map((dir) => dir.trim()).filter(Boolean);
}

/** Debian's per-major installations, newest major first. */
export function debianBinDirs(): string[] {
  return majorBinDirs('/usr/lib/postgresql');
}

/** `<root>/<major>/bin` for every numeric entry of `root`, newest major first. */
export function majorBinDirs(root: string): string[] {
  try {
    return fs
      .readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => path.join(root, major, 'bin'));
  } catch {
    return [];
  }
}

export function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}

