/**
 * `drill vault add|list|rm|rotate`. Talks to the history database directly (cli/history-db.ts);
 * managers do the same through the API at /api/vault (api/routes/vault.ts) and the web app's
 * Credentials page. Nothing here ever prints credential material.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CREDENTIAL_KINDS, type CredentialKind } from '../../core/credentials.js';
import { loadConfig } from '../../core/config.js';
import { migrateHistoryDatabase, openHistoryDatabase } from '../../db/client.js';
import { createVault, loadMasterKeys, VAULT_BACKENDS, VaultError, type Vault, type VaultBackendName } from '../../activities/vault/index.js';
import { CliError, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { historyDatabaseUrl } from '../history-db.js';

const USAGE = `Usage: drill vault <subcommand> [options]

Subcommands:
  add --kind KIND --name NAME --from-file PATH [--passphrase-file FILE]
      [--host-fingerprint SHA256:…] [--backend local|aws]
                      Add a credential (PATH "-" reads standard input)
  list [--json]       List credentials: name, kind, backend, fingerprint, created, last used
  rm NAME             Delete a credential (its secret is destroyed; the audit log keeps the history)
  rotate              Re-wrap every local secret's data key with the current master key

Kinds: ${CREDENTIAL_KINDS.join(', ')}
Master key: RESTORE_DRILL_MASTER_KEY (base64 of 32 bytes) or RESTORE_DRILL_MASTER_KEY_FILE;
old keys in RESTORE_DRILL_PREVIOUS_MASTER_KEYS. Database: DATABASE_URL, or the running npm start's.
See docs/sources-and-secrets.md.`;

export async function vaultCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return sub ? EXIT_PASSED : EXIT_USAGE_OR_INFRA;
  }
  const run = { add, list, rm, rotate }[sub];
  if (!run) throw new CliError(`unknown vault subcommand "${sub}"\n\n${USAGE}`);
  try {
    return await run(rest);
  } catch (err) {
    if (err instanceof VaultError) throw new CliError(err.message);
    throw err;
  }
}

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;

function parse<T>(usage: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nUsage: drill vault ${usage}`);
  }
}

async function add(argv: string[]): Promise<number> {
  const usage = 'add --kind KIND --name NAME --from-file PATH [--passphrase-file FILE] [--host-fingerprint SHA256:…] [--backend local|aws]';
  const { values, positionals } = parse(usage, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...HELP, kind: { type: 'string' }, name: { type: 'string' }, 'from-file': { type: 'string' }, 'passphrase-file': { type: 'string' }, 'host-fingerprint': { type: 'string' }, backend: { type: 'string', default: 'local' } },
    }),
  );
  if (values.help) return help(usage);
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\nUsage: drill vault ${usage}`);
  const { kind, name, 'from-file': fromFile, backend } = values;
  if (!kind || !name || !fromFile) throw new CliError(`--kind, --name and --from-file are required\nUsage: drill vault ${usage}`);
  if (!(CREDENTIAL_KINDS as readonly string[]).includes(kind)) throw new CliError(`--kind must be one of ${CREDENTIAL_KINDS.join(', ')}, got "${kind}"`);
  if (!(VAULT_BACKENDS as readonly string[]).includes(backend)) throw new CliError(`--backend must be local or aws, got "${backend}"`);
  const { 'passphrase-file': passphraseFile, 'host-fingerprint': hostFingerprint } = values;
  if (hostFingerprint && kind !== 'ssh-key') throw new CliError('--host-fingerprint only applies to --kind ssh-key');
  if (passphraseFile && kind !== 'ssh-key' && kind !== 'pgp-key') throw new CliError('--passphrase-file only applies to --kind ssh-key and pgp-key');

  const material = readInput(fromFile, '--from-file');
  const passphrase = passphraseFile ? (readInput(passphraseFile, '--passphrase-file').split(/\r?\n/)[0] ?? '') : undefined;
  return withVault({ needsKeys: backend === 'local' }, async (vault) => {
    const entry = await vault.add({ name, kind: kind as CredentialKind, material, backend: backend as VaultBackendName, passphrase, hostFingerprint });
    console.log(`Added ${entry.kind} "${entry.name}" to the ${entry.backend} backend${entry.fingerprint ? ` (${entry.fingerprint})` : ''}`);
    return EXIT_PASSED;
  });
}

async function list(argv: string[]): Promise<number> {
  const usage = 'list [--json]';
  const { values } = parse(usage, () => parseArgs({ args: argv, options: { ...HELP, json: { type: 'boolean', default: false } } }));
  if (values.help) return help(usage);
  return withVault({ needsKeys: false }, async (vault) => {
    const entries = await vault.list();
    if (values.json) {
      console.log(JSON.stringify({ credentials: entries }));
      return EXIT_PASSED;
    }
    if (entries.length === 0) {
      console.log('The vault is empty. Add a credential with: drill vault add --kind KIND --name NAME --from-file PATH');
      return EXIT_PASSED;
    }
    const rows = [['NAME', 'KIND', 'BACKEND', 'FINGERPRINT', 'CREATED', 'LAST USED'], ...entries.map((e) => [e.name, e.kind, e.backend, e.fingerprint ?? '-', e.createdAt.toISOString(), e.lastUsedAt?.toISOString() ?? 'never'])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows) console.log(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
    return EXIT_PASSED;
  });
}

async function rm(argv: string[]): Promise<number> {
  const usage = 'rm NAME';
  const { values, positionals } = parse(usage, () => parseArgs({ args: argv, allowPositionals: true, options: HELP }));
  if (values.help) return help(usage);
  const [name, extra] = positionals;
  if (!name || extra) throw new CliError(`exactly one credential name is required\nUsage: drill vault ${usage}`);
  return withVault({ needsKeys: false }, async (vault) => {
    const entry = await vault.remove(name);
    console.log(`Removed ${entry.kind} "${entry.name}"${entry.backend === 'aws' ? ' (its AWS Secrets Manager secret was deleted)' : ''}`);
    return EXIT_PASSED;
  });
}

async function rotate(argv: string[]): Promise<number> {
  const usage = 'rotate';
  const { values, positionals } = parse(usage, () => parseArgs({ args: argv, allowPositionals: true, options: HELP }));
  if (values.help) return help(usage);
  if (positionals.length) throw new CliError(`unexpected argument "${positionals[0]}"\nUsage: drill vault ${usage}`);
  return withVault({ needsKeys: true }, async (vault) => {
    const result = await vault.rotateMasterKey();
    console.log(`Re-wrapped ${result.rewrapped} data key(s) with master key ${result.currentKeyId}`);
    if (result.failed.length === 0) return EXIT_PASSED;
    for (const f of result.failed) console.error(`  ${f.name}: ${f.message}`);
    throw new CliError(`${result.failed.length} credential(s) could not be re-wrapped; keep their old master keys in RESTORE_DRILL_PREVIOUS_MASTER_KEYS until they are fixed`);
  });
}

async function withVault(options: { needsKeys: boolean }, body: (vault: Vault) => Promise<number>): Promise<number> {
  const location = historyDatabaseUrl();
  // The development key file only goes with the development database: against a DATABASE_URL a
  // missing master key is an error, not a reason to invent a key no worker has.
  const keys = options.needsKeys ? loadMasterKeys(process.env, location.embedded ? { devKeyFile: path.join(loadConfig().dataDir, 'master.key') } : {}) : undefined;
  await migrateHistoryDatabase(location.url);
  const history = openHistoryDatabase(location.url, { max: 2 });
  try {
    return await body(createVault({ db: history.db, keys, actor: `cli:${os.userInfo().username}` }));
  } finally {
    await history.close();
  }
}

function readInput(file: string, flag: string): string {
  try {
    return file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function help(usage: string): number {
  console.log(`Usage: drill vault ${usage}`);
  return EXIT_PASSED;
}
