/**
 * A real PostgreSQL server of a chosen installation, for making backups at test time with that
 * version's own tools: loopback TCP with trust auth, its files in a scratch directory.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { historyAccount } from '../../activities/sandboxes/accounts.js';
import { freePort } from '../../scripts/services/ports.js';

const execFileAsync = promisify(execFile);

export interface ScratchPostgres {
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  dataDir: string;
  port: number;
  stop(): Promise<void>;
}

export async function startScratchPostgres(bins: PostgresBinaries, dir: string, settings: string[] = []): Promise<ScratchPostgres> {
  const account = await historyAccount();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chownSync(dir, account.uid, account.gid);
  const dataDir = path.join(dir, 'data');
  const asAccount = { uid: account.uid, gid: account.gid, cwd: dir, env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } };
  await execFileAsync(bins.path('initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'], asAccount);
  const port = await freePort();
  const options = [`-p ${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${dir}`, '-c fsync=off', ...settings.map((s) => `-c ${s}`)].join(' ');
  await execFileAsync(bins.path('pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start'], asAccount);
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    port,
    stop: async () => {
      await execFileAsync(bins.path('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], asAccount).catch(() => {});
    },
  };
}
