/**
 * Finds the PostgreSQL server and client programs. Debian keeps initdb/pg_ctl off PATH (under
 * /usr/lib/postgresql/N/bin) and puts version-switching wrappers in /usr/bin, so we pick one real
 * bin directory and use every tool from it: restore tools and server must be the same version.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const REQUIRED_TOOLS = ['initdb', 'pg_ctl', 'pg_restore', 'psql', 'pg_dump'] as const;
export type PostgresTool = (typeof REQUIRED_TOOLS)[number];

export interface PostgresBinaries {
  binDir: string;
  /** e.g. "15.18" */
  version: string;
  path(tool: PostgresTool): string;
}

let cached: Promise<PostgresBinaries> | undefined;

export function findPostgresBinaries(configuredBinDir?: string): Promise<PostgresBinaries> {
  cached ??= locate(configuredBinDir).catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function locate(configuredBinDir?: string): Promise<PostgresBinaries> {
  const candidates = configuredBinDir ? [configuredBinDir] : [...debianBinDirs(), ...pathDirs()];
  for (const binDir of candidates) {
    if (REQUIRED_TOOLS.every((tool) => isExecutable(path.join(binDir, tool)))) {
      const { stdout } = await execFileAsync(path.join(binDir, 'pg_restore'), ['--version']);
      const version = stdout.match(/(\d+(?:\.\d+)?)/)?.[1] ?? 'unknown';
      return { binDir, version, path: (tool) => path.join(binDir, tool) };
    }
  }
  throw new Error(
    `PostgreSQL server tools (${REQUIRED_TOOLS.join(', ')}) not found${configuredBinDir ? ` in RESTORE_DRILL_PG_BIN=${configuredBinDir}` : ''}: ` +
      'run `npm run setup` as root to install them, or set RESTORE_DRILL_PG_BIN to their directory',
  );
}

/** Newest major version first: it restores dumps of every older version. */
function debianBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
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

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
