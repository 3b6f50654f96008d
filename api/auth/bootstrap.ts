/**
 * The first manager. With RESTORE_DRILL_ADMIN_EMAIL and RESTORE_DRILL_ADMIN_PASSWORD_FILE set, the
 * API creates it at start while no user exists. Otherwise it keeps a one-time setup token in
 * `<data>/setup-token` (0600, made on the first start without users) and prints it, once per
 * start, with how to use it (`drill setup`); the token stops working once the first user exists.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { HistoryDb } from '../../db/client.js';
import { normalizeEmail } from '../../core/email.js';
import { passwordProblem } from './passwords.js';
import { newSecret, sameSecret } from './secrets.js';
import { countUsers, createUser } from './users.js';

export const SETUP_TOKEN_FILE = 'setup-token';

export interface SetupToken {
  matches(candidate: string): boolean;
  consume(): Promise<void>;
}

export interface BootstrapOptions {
  dataDir: string;
  adminEmail?: string;
  adminPasswordFile?: string;
  log?: (line: string) => void;
}

export async function bootstrapFirstManager(db: HistoryDb, options: BootstrapOptions): Promise<SetupToken> {
  const log = options.log ?? ((line: string) => console.log(line));
  const file = path.join(options.dataDir, SETUP_TOKEN_FILE);
  const consumed: SetupToken = { matches: () => false, consume: async () => {} };
  if ((await countUsers(db)) > 0) {
    await fs.rm(file, { force: true });
    return consumed;
  }
  if (options.adminEmail) {
    if (!options.adminPasswordFile) throw new Error('RESTORE_DRILL_ADMIN_EMAIL needs RESTORE_DRILL_ADMIN_PASSWORD_FILE: a file holding the first manager\'s password');
    const password = (await fs.readFile(options.adminPasswordFile, 'utf8').catch((err: Error) => {
      throw new Error(`RESTORE_DRILL_ADMIN_PASSWORD_FILE: cannot read ${options.adminPasswordFile} (${err.message})`);
    })).replace(/\r?\n$/, '');
    const problem = passwordProblem(password);
    if (problem) throw new Error(`RESTORE_DRILL_ADMIN_PASSWORD_FILE: ${problem}`);
    const email = normalizeEmail(options.adminEmail);
    await createUser(db, { email, role: 'manager', password, createdBy: 'RESTORE_DRILL_ADMIN_EMAIL' });
    log(`First manager ${email} created from RESTORE_DRILL_ADMIN_EMAIL; sign in with \`npx drill login --email ${email}\`.`);
    return consumed;
  }
  let token: string;
  try {
    token = (await fs.readFile(file, 'utf8')).trim();
  } catch {
    token = newSecret('rdsetup').secret;
    await fs.mkdir(options.dataDir, { recursive: true });
    await fs.writeFile(file, `${token}\n`, { mode: 0o600 });
  }
  log(`No user exists yet. Create the first manager with \`npx drill setup --email you@example.com\` (it reads ${file}), or POST /api/auth/setup with the token that file holds`);
  let used = false;
  return {
    matches: (candidate) => !used && sameSecret(candidate, token),
    consume: async () => {
      used = true;
      await fs.rm(file, { force: true });
    },
  };
}
