/**
 * Where the CLI finds the history database when it must talk to it directly (the vault: its API
 * routes come with the web app's credential pages; until then secrets go straight to the database).
 * DATABASE_URL when set; otherwise the embedded cluster a running `npm start` serves, found by
 * the same folders scripts/services/history-postgres.ts uses (its port from postmaster.pid, its
 * password from the file kept beside it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../core/config.js';
import { clusterDirCandidates, DATABASE_NAME, SUPERUSER } from '../scripts/services/history-postgres.js';
import { CliError } from './exit-codes.js';


export interface HistoryDatabaseLocation {
  url: string;
  /** True when the URL is the embedded development database (DATABASE_URL unset). */
  embedded: boolean;
}

export function historyDatabaseUrl(env: NodeJS.ProcessEnv = process.env): HistoryDatabaseLocation {
  const config = loadConfig(env);
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false };
  for (const dir of clusterDirCandidates(config.dataDir)) {
    const pidFile = path.join(dir, 'data', 'postmaster.pid');
    let pid: string;
    let password: string;
    try {
      pid = fs.readFileSync(pidFile, 'utf8');
      password = fs.readFileSync(path.join(dir, 'password'), 'utf8').trim();
    } catch {
      continue;
    }
    // postmaster.pid: pid, data dir, start time, port, socket dir, listen address, …
    const port = Number(pid.split('\n')[3]);
    if (Number.isInteger(port) && port > 0) return { url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`, embedded: true };
  }
  throw new CliError('the vault commands use the history database directly: set DATABASE_URL, or keep `npm start` running so its embedded database can be found');
}
