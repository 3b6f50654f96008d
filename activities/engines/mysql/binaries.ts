/** Finds the MariaDB (or MySQL) server, installer and client programs. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface MysqlBinaries {
  server: string;
  installDb: string;
  client: string;
  admin: string;
}

const CANDIDATES = {
  server: ['mariadbd', 'mysqld'],
  installDb: ['mariadb-install-db', 'mysql_install_db'],
  client: ['mariadb', 'mysql'],
  admin: ['mariadb-admin', 'mysqladmin'],
};

export function findMysqlBinaries(): MysqlBinaries {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/usr/local/sbin'].filter(Boolean);
  const find = (names: string[]) => {
    for (const name of names) {
      for (const dir of dirs) {
        const file = path.join(dir, name);
        try {
          fs.accessSync(file, fs.constants.X_OK);
          return file;
        } catch {
          // next
        }
      }
    }
    return undefined;
  };
  const found = { server: find(CANDIDATES.server), installDb: find(CANDIDATES.installDb), client: find(CANDIDATES.client), admin: find(CANDIDATES.admin) };
  const missing = Object.entries(found).filter(([, file]) => !file).map(([role]) => CANDIDATES[role as keyof typeof CANDIDATES].join('/'));
  if (missing.length > 0) throw new Error(`MySQL/MariaDB tools not found (${missing.join(', ')}): run \`npm run setup\` as root to install MariaDB`);
  return found as MysqlBinaries;
}

const sandboxModeSupport = new Map<string, boolean>();

/**
 * Whether this client has `--sandbox` (MariaDB's clients since 10.5.25/10.6.18/10.11.8: no client
 * command may touch the file system); MySQL's client does not, and an unknown option would stop it.
 */
export function clientHasSandboxMode(client: string): boolean {
  let known = sandboxModeSupport.get(client);
  if (known === undefined) {
    try {
      known = /^\s*--sandbox\b/m.test(execFileSync(client, ['--no-defaults', '--help'], { encoding: 'utf8', timeout: 10_000 }));
    } catch {
      known = false;
    }
    sandboxModeSupport.set(client, known);
  }
  return known;
}
