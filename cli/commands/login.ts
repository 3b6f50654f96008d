/**
 * `drill setup`, `drill login` and `drill logout`: the CLI's sign-in. Setup makes the first
 * manager with the one-time setup token; login signs in with a password, makes a personal API token
 * named after this host, ends the session it used, and stores the token (0600) for this API;
 * logout revokes that token and forgets it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SETUP_TOKEN_FILE } from '../../api/auth/bootstrap.js';
import { apiBaseUrl, loadConfig } from '../../core/config.js';
import { apiClient, bodyOf } from '../api-client.js';
import { credentialsFile, forgetLogin, storedLogin, storeLogin } from '../credentials.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';
import { readPassword } from '../password-input.js';

const LOGIN_USAGE = `Usage: drill login --email EMAIL [--password-file FILE] [--token-days N]
       drill logout
       drill setup --email EMAIL [--password-file FILE] [--setup-token-file FILE]

login   signs in, makes a personal API token for this host (valid --token-days, default 90) and
        stores it in ${'$'}XDG_CONFIG_HOME/restore-drill/credentials.json (mode 0600) for this API
        (RESTORE_DRILL_API); RESTORE_DRILL_TOKEN, when set, is used instead of the stored one
logout  revokes the stored token and forgets it
setup   creates the first manager while no user exists, with the setup token the API keeps in
        its data folder (.data/${SETUP_TOKEN_FILE}), then logs in as them
Passwords are typed at the terminal, or read from --password-file; never given as an argument.`;

export async function loginCommand(argv: string[]): Promise<number> {
  return signIn(argv, 'login');
}

export async function setupCommand(argv: string[]): Promise<number> {
  return signIn(argv, 'setup');
}

function options(argv: string[]) {
  if (argv[0] === '--help' || argv[0] === '-h') return undefined;
  try {
    return parseArgs({ args: argv, options: { email: { type: 'string' }, 'password-file': { type: 'string' }, 'setup-token-file': { type: 'string' }, 'token-days': { type: 'string' } }, strict: true }).values;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${LOGIN_USAGE}`);
  }
}

async function signIn(argv: string[], mode: 'login' | 'setup'): Promise<number> {
  const values = options(argv);
  if (!values) {
    console.log(LOGIN_USAGE);
    return EXIT_PASSED;
  }
  if (!values.email) throw new CliError(`${mode} needs --email\n\n${LOGIN_USAGE}`);
  const days = values['token-days'] === undefined ? 90 : Number(values['token-days']);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new CliError('--token-days must be a whole number of days from 1 to 3650');
  const base = apiBaseUrl();
  const client = apiClient({ anonymous: true });
  const password = await readPassword({ file: values['password-file'], prompt: `password for ${values.email}: `, confirm: mode === 'setup' && !values['password-file'] });
  const response =
    mode === 'setup'
      ? await client.auth.setup.$post({ json: { email: values.email, password, setupToken: readSetupToken(values['setup-token-file']) } })
      : await client.auth.login.$post({ json: { email: values.email, password } });
  const signedIn = await bodyOf(Promise.resolve(response));
  const cookie = response.headers.get('set-cookie')?.match(/rd_session=([^;]+)/)?.[1];
  if (!cookie) throw new CliError('the API signed in but set no session cookie');
  // The session signs in this one exchange: a token is made with it, then it ends.
  const withSession = { headers: { cookie: `rd_session=${cookie}`, origin: base } };
  const token = await bodyOf(client.tokens.$post({ json: { name: `cli ${os.hostname()}`.slice(0, 100), expiresInDays: days } }, withSession));
  await client.auth.logout.$post({}, withSession).catch(() => undefined);
  const file = storeLogin(base, { token: token.token, email: signedIn.user.email, tokenId: token.id });
  console.log(`${mode === 'setup' ? `First manager ${signedIn.user.email} created; signed` : 'Signed'} in to ${base} as ${signedIn.user.email} (${signedIn.user.role}); token ${token.prefix} stored in ${file}, valid until ${token.expiresAt}`);
  return EXIT_PASSED;
}

function readSetupToken(file: string | undefined): string {
  if (process.env.RESTORE_DRILL_SETUP_TOKEN) return process.env.RESTORE_DRILL_SETUP_TOKEN;
  const where = file ?? path.join(loadConfig().dataDir, SETUP_TOKEN_FILE);
  try {
    return fs.readFileSync(where, 'utf8').trim();
  } catch (err) {
    throw new CliError(`cannot read the setup token at ${where} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): run setup where the API keeps its data, give --setup-token-file, or set RESTORE_DRILL_SETUP_TOKEN`);
  }
}

export async function logoutCommand(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(LOGIN_USAGE);
    return EXIT_PASSED;
  }
  const base = apiBaseUrl();
  const stored = storedLogin(base);
  if (!stored) {
    console.log(`not logged in to ${base} (nothing in ${credentialsFile()})`);
    return EXIT_PASSED;
  }
  const client = apiClient();
  // A token already revoked or expired is gone either way.
  await client.tokens[':id'].$delete({ param: { id: stored.tokenId } }, { headers: { authorization: `Bearer ${stored.token}` } }).catch(() => undefined);
  forgetLogin(base);
  console.log(`Logged out of ${base}: token revoked and forgotten`);
  return EXIT_PASSED;
}
