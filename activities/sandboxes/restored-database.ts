/**
 * Which database of a sandbox a plan's assertions and freshness checks run in, as the restore
 * decided it (the name a MySQL dump records, the plan's `database` for a physical backup): kept in
 * the sandbox's work dir, which only the worker writes (the rest of the sandbox belongs to the
 * account restored code runs as), so every later step sees the restore's choice.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SandboxHandle } from '../../core/drill.js';

const RESTORED_DATABASE_FILE = 'restored-database';

export async function rememberRestoredDatabase(sandbox: SandboxHandle, name: string): Promise<void> {
  await fs.writeFile(path.join(sandbox.workDir, RESTORED_DATABASE_FILE), name, { mode: 0o600 });
}

/** The database the restore went into; the sandbox's default before (or without) a restore's say. */
export async function restoredDatabase(sandbox: SandboxHandle): Promise<string> {
  return (await fs.readFile(path.join(sandbox.workDir, RESTORED_DATABASE_FILE), 'utf8').catch(() => '')) || sandbox.database;
}
