/**
 * The history database: DATABASE_URL when set, otherwise an embedded PostgreSQL cluster that the
 * project runs itself from Debian's server binaries, its data in a git-ignored folder. Started
 * again on the next `npm start` with its data intact.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { findPostgresBinaries, type PostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { historyAccount, lookupAccount, runsAsRoot, type SandboxAccount } from '../../activities/sandboxes/accounts.js';
import { freePort } from './ports.js';

const execFileAsync = promisify(execFile);
export const DATABASE_NAME = 'restore_drill';
export const SUPERUSER = 'restore_drill';

export interface HistoryPostgres {
  url: string;
  origin: string;
  stop(): Promise<void>;
}

export async function startHistoryPostgres(options: { dataDir: string; logFile: string; postgresBinDir?: string; ignoreDatabaseUrl?: boolean }): Promise<HistoryPostgres> {
  if (process.env.DATABASE_URL && !options.ignoreDatabaseUrl) return { url: process.env.DATABASE_URL, origin: 'DATABASE_URL', stop: async () => {} };

  const bins = await findPostgresBinaries(options.postgresBinDir);
  const account = await historyAccount();
  const clusterDir = await usableClusterDir(options.dataDir, account, bins);
  const pgdata = path.join(clusterDir, 'data');
  const socketDir = path.join(clusterDir, 'socket');
  const asAccount = { uid: account.uid, gid: account.gid, cwd: clusterDir, env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } };

  if (!fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
    fs.rmSync(pgdata, { recursive: true, force: true });
    await execFileAsync(bins.path('initdb'), ['-D', pgdata, '-U', SUPERUSER, '-A', 'trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-instructions'], asAccount);
  }
  fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  fs.chownSync(socketDir, account.uid, account.gid);
  // The private socket needs no password; TCP (what the worker and API use) does.
  // Written through a descriptor that never follows a link the cluster's account could plant.
  const hba = fs.openSync(path.join(pgdata, 'pg_hba.conf'), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(hba, 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
    fs.fchownSync(hba, account.uid, account.gid);
  } finally {
    fs.closeSync(hba);
  }
  const password = clusterPassword(clusterDir);
  // A previous run that was killed leaves its server up; restart it on a fresh port.
  await execFileAsync(bins.path('pg_ctl'), ['-D', pgdata, '-m', 'fast', '-w', 'stop'], asAccount).catch(() => {});

  const port = await freePort();
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  fs.closeSync(fs.openSync(options.logFile, 'a'));
  fs.chownSync(options.logFile, account.uid, account.gid);
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${socketDir}`;
  try {
    await execFileAsync(bins.path('pg_ctl'), ['-D', pgdata, '-l', options.logFile, '-w', '-t', '60', '-o', serverOptions, 'start'], asAccount);
  } catch (err) {
    const tail = fs.readFileSync(options.logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new Error(`embedded history PostgreSQL did not start: ${(err as Error).message.trim()}\n${tail}`);
  }
  const admin = postgres({ host: socketDir, port, user: SUPERUSER, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    // Over the socket, not a command line: the password never shows in a process list.
    await admin.unsafe(`ALTER ROLE ${SUPERUSER} PASSWORD '${password}'`);
    const existing = await admin`SELECT 1 FROM pg_database WHERE datname = ${DATABASE_NAME}`;
    if (existing.length === 0) await admin.unsafe(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end({ timeout: 5 });
  }

  return {
    url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/${DATABASE_NAME}`,
    origin: `embedded PostgreSQL ${bins.version} in ${pgdata}`,
    stop: async () => {
      await execFileAsync(bins.path('pg_ctl'), ['-D', pgdata, '-m', 'fast', '-w', 'stop'], asAccount).catch(() => {});
    },
  };
}

/** Where the embedded cluster lives: in the data dir, or (see usableClusterDir) a per-project temp folder. */
export function clusterDirCandidates(dataDir: string): string[] {
  return [path.join(dataDir, 'history-pg'), path.join(os.tmpdir(), `restore-drill-history-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`)];
}

/** A random password kept beside the cluster (mode 0600), made on first start. */
function clusterPassword(clusterDir: string): string {
  const file = path.join(clusterDir, 'password');
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(24).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * The cluster's files must belong to the account the server runs as, and that account must be
 * able to reach them: when the project lives somewhere it cannot (e.g. under /root), the cluster
 * goes to a per-project folder under /var/tmp instead.
 */
async function usableClusterDir(dataDir: string, account: SandboxAccount, bins: PostgresBinaries): Promise<string> {
  const [ownDir] = clusterDirCandidates(dataDir);
  for (const dir of clusterDirCandidates(dataDir)) {
    let existing = fs.lstatSync(dir, { throwIfNoEntry: false });
    // Only in the project's own data folder, and only a cluster this project made (its password
    // file beside it): the shared temp dir's fallback is never adopted from another account.
    if (dir === ownDir && existing?.isDirectory() && existing.uid !== account.uid && existing.uid === (await legacyOwnerUid()) && fs.existsSync(path.join(dir, 'password'))) {
      // Made before the history database had an account of its own (it ran as `postgres`, as
      // sandboxes did): a server still running from then is stopped as its own account first.
      const legacy = existing.uid;
      await execFileAsync(bins.path('pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', 'stop'], { uid: legacy, gid: existing.gid, cwd: dir }).catch(() => {});
      await execFileAsync('chown', ['-R', `${account.uid}:${account.gid}`, dir]);
      existing = fs.lstatSync(dir);
    }
    // The fallback lives in a shared temp dir: never follow a link or adopt someone else's folder.
    if (existing && (!existing.isDirectory() || (existing.uid !== account.uid && existing.uid !== process.getuid?.()))) {
      throw new Error(`${dir} exists but is not a directory owned by "${account.name}": remove it or set DATABASE_URL`);
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chownSync(dir, account.uid, account.gid);
    try {
      await execFileAsync('test', ['-w', dir, '-a', '-x', dir], { uid: account.uid, gid: account.gid });
      return dir;
    } catch {
      // Not reachable for the account; try the next place.
    }
  }
  throw new Error(`no directory usable by the "${account.name}" account for the history database; set DATABASE_URL`);
}

/** As root, earlier versions ran the history database as `postgres`. */
async function legacyOwnerUid(): Promise<number | undefined> {
  return runsAsRoot() ? (await lookupAccount('postgres'))?.uid : undefined;
}
