/**
 * The credential vault against a real history database and a real moto server: every kind with
 * real keys made here (ssh-keygen, age-keygen, OpenPGP.js), envelope encryption checked from the
 * raw rows, master-key rotation under concurrent reads, the AWS backend, and the CLI.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, generateMasterKeyBase64, keyringOf, loadMasterKeys, VaultError, type MasterKeyring, type Vault } from '../../activities/vault/index.js';
import { PROJECT_ROOT } from '../../core/config.js';
import type { CredentialKind } from '../../core/credentials.js';
import { createDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { startMoto, type MotoServer } from '../support/moto.js';

const execFileAsync = promisify(execFile);
const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');

let env: DrillTestEnv;
let moto: MotoServer;
let dir: string;
const KEY_A = generateMasterKeyBase64();
const KEY_B = generateMasterKeyBase64();
let keysA: MasterKeyring;
let vault: Vault;

/** One credential per case: the file `vault add` reads, what must never leak, what resolve returns. */
interface Case {
  kind: CredentialKind;
  name: string;
  file: string;
  passphrase?: string;
  hostFingerprint?: string;
  /** Substrings of the secret: must appear in no listing, row or message. */
  secrets: string[];
  fingerprint: string | RegExp | null;
  expected: Record<string, unknown>;
}
const cases: Case[] = [];

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** The distinctive middle of a key's text: long enough that a match is never chance. */
function core(text: string): string {
  const body = text.split('\n').filter((l) => l && !l.startsWith('-----') && !l.includes(':')).join('');
  return body.slice(20, 80);
}

beforeAll(async () => {
  env = await createDrillTestEnv('vault', { inProcessWorker: false });
  moto = await startMoto();
  dir = fs.mkdtempSync(path.join(env.scratchDir, 'vault-'));
  keysA = keyringOf(KEY_A);
  vault = createVault({ db: env.history.db, keys: keysA, actor: 'test:vault', aws: awsConfig() });

  // ssh-key: an ed25519 OpenSSH key with a passphrase, and an unencrypted RSA PEM key.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host'), '-C', 'host']);
  const hostFingerprint = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host.pub')], { encoding: 'utf8' }).split(' ')[1]!;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'ssh-pass-phrase', '-f', path.join(dir, 'id_ed25519'), '-C', 'drill']);
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-f', path.join(dir, 'id_rsa'), '-C', 'drill']);
  for (const [file, passphrase] of [['id_ed25519', 'ssh-pass-phrase'], ['id_rsa', undefined]] as const) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    cases.push({
      kind: 'ssh-key',
      name: `ssh-${file.replace('_', '-')}`,
      file: path.join(dir, file),
      passphrase,
      hostFingerprint,
      secrets: [core(text), ...(passphrase ? [passphrase] : [])],
      fingerprint: execFileSync('ssh-keygen', ['-lf', path.join(dir, `${file}.pub`)], { encoding: 'utf8' }).split(' ')[1]!,
      expected: { kind: 'ssh-key', privateKey: text, hostFingerprint, ...(passphrase ? { passphrase } : {}) },
    });
  }

  // pgp-key: generated with OpenPGP.js, passphrase-protected.
  const pgp = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Drill', email: 'drill@example.com' }], passphrase: 'pgp-pass-phrase', format: 'armored' });
  const pgpFingerprint = (await openpgp.readKey({ armoredKey: pgp.publicKey })).getFingerprint().toUpperCase();
  cases.push({ kind: 'pgp-key', name: 'pgp-backups', file: write('pgp.asc', pgp.privateKey), passphrase: 'pgp-pass-phrase', secrets: [core(pgp.privateKey), 'pgp-pass-phrase'], fingerprint: pgpFingerprint, expected: { kind: 'pgp-key', privateKey: pgp.privateKey, passphrase: 'pgp-pass-phrase' } });

  // age-identity: from age-keygen, which prints the recipient.
  const ageFile = path.join(dir, 'age.txt');
  execFileSync('age-keygen', ['-o', ageFile], { stdio: ['ignore', 'ignore', 'ignore'] });
  const ageText = fs.readFileSync(ageFile, 'utf8');
  const identity = ageText.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
  const recipient = /# public key: (age1\S+)/.exec(ageText)![1]!;
  cases.push({ kind: 'age-identity', name: 'age-backups', file: ageFile, secrets: [identity.slice(16, 70)], fingerprint: recipient, expected: { kind: 'age-identity', identity } });

  // aws: JSON key pair, a credentials-file [default] section, and a role.
  const secretKey = randomBytes(30).toString('base64');
  cases.push({
    kind: 'aws',
    name: 'aws-json',
    file: write('aws.json', JSON.stringify({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secretKey, region: 'eu-west-1' })),
    secrets: [secretKey],
    fingerprint: 'AKIA…MPLE',
    expected: { kind: 'aws', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secretKey, region: 'eu-west-1' },
  });
  const iniSecret = randomBytes(30).toString('base64');
  cases.push({
    kind: 'aws',
    name: 'aws-ini',
    file: write('credentials', `[other]\naws_access_key_id = AKIAOTHEROTHER00000\naws_secret_access_key = nope\n\n[default]\naws_access_key_id = ASIAXYZXYZXYZXYZXYZ1\naws_secret_access_key = ${iniSecret}\naws_session_token = session-token-${iniSecret}\n`),
    secrets: [iniSecret],
    fingerprint: 'ASIA…XYZ1',
    expected: { kind: 'aws', accessKeyId: 'ASIAXYZXYZXYZXYZXYZ1', secretAccessKey: iniSecret, sessionToken: `session-token-${iniSecret}` },
  });
  cases.push({ kind: 'aws', name: 'aws-role', file: write('role.json', JSON.stringify({ roleArn: 'arn:aws:iam::123456789012:role/restore-drill' })), secrets: [], fingerprint: 'arn:aws:iam::123456789012:role/restore-drill', expected: { kind: 'aws', roleArn: 'arn:aws:iam::123456789012:role/restore-drill' } });

  // http, smtp, db-password.
  const httpPassword = `http-${randomBytes(12).toString('hex')}`;
  cases.push({ kind: 'http', name: 'http-basic', file: write('http.json', JSON.stringify({ username: 'backup-reader', password: httpPassword })), secrets: [httpPassword], fingerprint: 'basic backup-reader', expected: { kind: 'http', username: 'backup-reader', password: httpPassword } });
  const token = `tok-${randomBytes(16).toString('hex')}`;
  cases.push({ kind: 'http', name: 'http-headers', file: write('headers.json', JSON.stringify({ headers: { Authorization: `Bearer ${token}` } })), secrets: [token], fingerprint: 'headers Authorization', expected: { kind: 'http', headers: { Authorization: `Bearer ${token}` } } });
  const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;
  cases.push({ kind: 'smtp', name: 'smtp-alerts', file: write('smtp.json', JSON.stringify({ username: 'alerts@example.com', password: smtpPassword })), secrets: [smtpPassword], fingerprint: 'user alerts@example.com', expected: { kind: 'smtp', username: 'alerts@example.com', password: smtpPassword } });
  const dbPassword = `db-${randomBytes(12).toString('hex')}`;
  cases.push({ kind: 'db-password', name: 'db-prod', file: write('db-password', `${dbPassword}\nignored second line\n`), secrets: [dbPassword], fingerprint: null, expected: { kind: 'db-password', password: dbPassword } });
});

afterAll(async () => {
  await moto?.stop();
  await env?.close();
});

function awsConfig(recoveryDays = 7) {
  return {
    client: new SecretsManagerClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: moto.env.AWS_ACCESS_KEY_ID, secretAccessKey: moto.env.AWS_SECRET_ACCESS_KEY } }),
    prefix: 'restore-drill-test/',
    recoveryDays,
  };
}

function add(v: Vault, c: Case, backend: 'local' | 'aws' = 'local', name = c.name) {
  return v.add({ name, kind: c.kind, material: fs.readFileSync(c.file, 'utf8'), passphrase: c.passphrase, hostFingerprint: c.kind === 'ssh-key' ? c.hostFingerprint : undefined, backend });
}

async function rowText(name: string): Promise<string> {
  const [row] = await env.query<{ text: string }>(`SELECT row_to_json(v)::text AS text FROM vault_secrets v WHERE name = $1`, [name]);
  return row?.text ?? '';
}

async function caught(promise: Promise<unknown>): Promise<VaultError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VaultError);
  return err as VaultError;
}

function expectNoSecrets(text: string, secrets: string[]) {
  for (const s of secrets) expect(text.includes(s), `leaked a secret`).toBe(false);
}

describe('local backend, every kind', () => {
  it('adds, lists, resolves and removes every kind, never showing or storing material in the clear', async () => {
    expect(cases.map((c) => c.kind).sort()).toEqual(expect.arrayContaining(['ssh-key', 'pgp-key', 'age-identity', 'aws', 'http', 'smtp', 'db-password']));
    for (const c of cases) {
      const entry = await add(vault, c);
      expect(entry).toMatchObject({ name: c.name, kind: c.kind, backend: 'local', lastUsedAt: null });
      if (c.fingerprint instanceof RegExp) expect(entry.fingerprint).toMatch(c.fingerprint);
      else expect(entry.fingerprint).toBe(c.fingerprint);

      // The stored row: ciphertext, never the plaintext (or its base64/hex) anywhere in it.
      const text = await rowText(c.name);
      expect(text).toContain('"master_key_id":"' + keysA.current.id + '"');
      expectNoSecrets(text, c.secrets);
      const [raw] = await env.query<{ ciphertext: Buffer; aws_secret_arn: string | null }>(`SELECT ciphertext, aws_secret_arn FROM vault_secrets WHERE name = $1`, [c.name]);
      expect(raw!.aws_secret_arn).toBeNull();
      for (const s of c.secrets) {
        expect(raw!.ciphertext.includes(Buffer.from(s))).toBe(false);
        expect(raw!.ciphertext.toString('base64').includes(Buffer.from(s).toString('base64').slice(4, -4))).toBe(false);
      }
    }

    const listed = await vault.list();
    expect(listed.map((e) => e.name)).toEqual(cases.map((c) => c.name).sort());
    expectNoSecrets(JSON.stringify(listed), cases.flatMap((c) => c.secrets));
    for (const e of listed) expect(Object.keys(e).sort()).toEqual(['backend', 'createdAt', 'fingerprint', 'kind', 'lastUsedAt', 'name']);

    for (const c of cases) {
      const credential = await vault.resolve(c.name, c.kind, { purpose: 'fetch the backup', drillId: `drill-${c.name}` });
      expect(credential).toEqual(c.expected);
    }
    const used = await vault.list();
    expect(used.every((e) => e.lastUsedAt instanceof Date)).toBe(true);
    const uses = await env.query<{ credential_name: string; drill_id: string; purpose: string; actor: string }>(`SELECT * FROM vault_audit WHERE action = 'use'`);
    expect(uses).toHaveLength(cases.length);
    expect(uses).toContainEqual(expect.objectContaining({ credential_name: 'pgp-backups', drill_id: 'drill-pgp-backups', purpose: 'fetch the backup', actor: 'test:vault' }));
    // Uses by drills are in the system-wide audit trail too (the API records its own writes there).
    const trail = await env.query<{ actor: string; target: string; details: { drillId?: string } }>(`SELECT actor, target, details FROM audit_events WHERE action = 'vault.use'`);
    expect(trail).toContainEqual(expect.objectContaining({ actor: 'test:vault', target: 'pgp-backups', details: expect.objectContaining({ drillId: 'drill-pgp-backups' }) }));
    expectNoSecrets(JSON.stringify(trail), cases.flatMap((c) => c.secrets));

    for (const c of cases) await vault.remove(c.name);
    expect(await vault.list()).toEqual([]);
    expect((await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM vault_secrets`))[0]!.n).toBe(0);
    const audit = await env.query<{ action: string; n: number }>(`SELECT action, count(*)::int AS n FROM vault_audit GROUP BY action ORDER BY action`);
    expect(audit).toEqual([
      { action: 'create', n: cases.length },
      { action: 'delete', n: cases.length },
      { action: 'use', n: cases.length },
    ]);
    // The audit log holds names and purposes, never material.
    const all = await env.query<{ text: string }>(`SELECT string_agg(row_to_json(a)::text, '\n') AS text FROM vault_audit a`);
    expectNoSecrets(all[0]!.text, cases.flatMap((c) => c.secrets));
    expect((await caught(vault.resolve('db-prod', 'db-password', { purpose: 'after removal' }))).message).toBe('no credential named "db-prod" in the vault');
  });

  it('names the credential and both kinds when resolved as another kind, and unknown names', async () => {
    const pgp = cases.find((c) => c.kind === 'pgp-key')!;
    await add(vault, pgp, 'local', 'kind-check');
    expect((await caught(vault.resolve('kind-check', 'ssh-key', { purpose: 'x' }))).message).toBe('credential "kind-check" is a pgp-key, not an ssh-key');
    expect((await caught(vault.resolve('nope', 'ssh-key', { purpose: 'x' }))).message).toBe('no credential named "nope" in the vault');
    const again = await caught(add(vault, pgp, 'local', 'kind-check'));
    expect(again.code).toBe('exists');
    expect((await caught(add(vault, pgp, 'local', 'Bad Name'))).code).toBe('invalid-name');
    await vault.remove('kind-check');
    expect((await caught(vault.remove('kind-check'))).message).toBe('no credential named "kind-check" in the vault');
  });

  it('refuses material that would fail later, without quoting it', async () => {
    const ssh = cases.find((c) => c.name === 'ssh-id-ed25519')!;
    const pgp = cases.find((c) => c.kind === 'pgp-key')!;
    const sshText = fs.readFileSync(ssh.file, 'utf8');
    const pgpText = fs.readFileSync(pgp.file, 'utf8');
    const failures: Array<[Promise<unknown>, RegExp]> = [
      [vault.add({ name: 'x1', kind: 'ssh-key', material: sshText }), /encrypted: give its passphrase with --passphrase-file/],
      [vault.add({ name: 'x2', kind: 'ssh-key', material: sshText, passphrase: 'wrong' }), /passphrase does not decrypt/],
      [vault.add({ name: 'x3', kind: 'ssh-key', material: fs.readFileSync(`${ssh.file}.pub`, 'utf8') }), /public key|not an OpenSSH or PEM private key/],
      [vault.add({ name: 'x4', kind: 'ssh-key', material: sshText, passphrase: 'ssh-pass-phrase', hostFingerprint: 'MD5:aa:bb' }), /host fingerprint must look like "SHA256:"/],
      [vault.add({ name: 'x5', kind: 'pgp-key', material: pgpText, passphrase: 'wrong' }), /passphrase does not decrypt the private key/],
      [vault.add({ name: 'x6', kind: 'pgp-key', material: pgpText }), /passphrase-protected/],
      [vault.add({ name: 'x7', kind: 'pgp-key', material: sshText }), /not an ASCII-armored PGP private key/],
      [vault.add({ name: 'x8', kind: 'age-identity', material: 'AGE-SECRET-KEY-1NOTREALLYAKEY\n' }), /not a valid age identity/],
      [vault.add({ name: 'x9', kind: 'aws', material: '{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"}' }), /needs both accessKeyId and secretAccessKey|needs an access key pair/],
      [vault.add({ name: 'x10', kind: 'http', material: `{"password": "hunter2-${'z'.repeat(20)}"` }), /not valid JSON/],
      [vault.add({ name: 'x11', kind: 'smtp', material: '{"username":"a"}' }), /"username" and "password"/],
      [vault.add({ name: 'x12', kind: 'db-password', material: '\nsecond' }), /first line .* is empty/],
    ];
    for (const [promise, pattern] of failures) {
      const err = await caught(promise);
      expect(err.code).toBe('invalid-material');
      expect(err.message).toMatch(pattern);
      expectNoSecrets(err.message, [...ssh.secrets, ...pgp.secrets, 'hunter2', 'NOTREALLYAKEY']);
    }
    expect(await vault.list()).toEqual([]);
  });
});

describe('master keys', () => {
  it('fails clearly without a master key, with another master key, and on a tampered row', async () => {
    const db = cases.find((c) => c.kind === 'db-password')!;
    const smtp = cases.find((c) => c.kind === 'smtp')!;
    await add(vault, db, 'local', 'mk-db');
    await add(vault, smtp, 'local', 'mk-smtp');

    const noKeys = createVault({ db: env.history.db, keys: undefined, actor: 'test' });
    expect((await caught(noKeys.resolve('mk-db', 'db-password', { purpose: 'x' }))).message).toMatch(/no vault master key is configured: set RESTORE_DRILL_MASTER_KEY .* or RESTORE_DRILL_MASTER_KEY_FILE/);
    expect((await caught(noKeys.add({ name: 'mk-new', kind: 'db-password', material: 'pw' }))).code).toBe('no-master-key');

    const other = createVault({ db: env.history.db, keys: keyringOf(KEY_B), actor: 'test' });
    const wrong = await caught(other.resolve('mk-db', 'db-password', { purpose: 'x' }));
    expect(wrong.code).toBe('unknown-master-key');
    expect(wrong.message).toContain(`credential "mk-db" was encrypted with master key ${keysA.current.id}, which is not configured (current key: ${keyringOf(KEY_B).current.id})`);
    expect(wrong.message).toMatch(/RESTORE_DRILL_PREVIOUS_MASTER_KEYS/);
    expectNoSecrets(wrong.message, [...db.secrets, KEY_A, KEY_B]);

    // One flipped bit of ciphertext, then a ciphertext moved from another row: both fail authentication.
    await env.query(`UPDATE vault_secrets SET ciphertext = set_byte(ciphertext, 3, get_byte(ciphertext, 3) # 1) WHERE name = 'mk-db'`);
    const flipped = await caught(vault.resolve('mk-db', 'db-password', { purpose: 'x' }));
    expect(flipped.code).toBe('tampered');
    expect(flipped.message).toMatch(/credential "mk-db" cannot be decrypted: its ciphertext fails AES-GCM authentication/);
    await env.query(`UPDATE vault_secrets d SET ciphertext = s.ciphertext, iv = s.iv, tag = s.tag, wrapped_key = s.wrapped_key FROM vault_secrets s WHERE d.name = 'mk-db' AND s.name = 'mk-smtp'`);
    const moved = await caught(vault.resolve('mk-db', 'db-password', { purpose: 'x' }));
    expect(moved.code).toBe('tampered');
    expect(moved.message).toMatch(/wrapped data key fails AES-GCM authentication/);
    expectNoSecrets(flipped.message + moved.message, [...db.secrets, ...smtp.secrets]);
    // Failed reads are not recorded as uses.
    expect(await env.query(`SELECT 1 FROM vault_audit WHERE action = 'use' AND credential_name = 'mk-db'`)).toEqual([]);
    await vault.remove('mk-db');
    await vault.remove('mk-smtp');
  });

  it('rotation re-wraps every row in small transactions while resolves keep succeeding', async () => {
    const db = cases.find((c) => c.kind === 'db-password')!;
    const names = Array.from({ length: 40 }, (_, i) => `rot-${String(i).padStart(2, '0')}`);
    for (const name of names) await add(vault, db, 'local', name);
    const ciphertextsBefore = await env.query<{ name: string; ciphertext: Buffer; wrapped_key: Buffer }>(`SELECT name, ciphertext, wrapped_key FROM vault_secrets WHERE name LIKE 'rot-%' ORDER BY name`);

    // The new deployment: B is current, A is still readable.
    const rotating = createVault({ db: env.history.db, keys: keyringOf(KEY_B, [KEY_A]), actor: 'test:rotate' });
    let stop = false;
    let reads = 0;
    const readers = [0, 1].map(async (r) => {
      for (let i = r; !stop; i++) {
        const credential = await rotating.resolve(names[i % names.length]!, 'db-password', { purpose: 'during rotation' });
        expect(credential.password).toBe((db.expected as { password: string }).password);
        reads += 1;
      }
    });
    const result = await rotating.rotateMasterKey({ batchSize: 3 });
    const readsDuring = reads;
    stop = true;
    await Promise.all(readers);
    expect(result).toEqual({ currentKeyId: keyringOf(KEY_B).current.id, rewrapped: names.length, failed: [] });
    expect(readsDuring).toBeGreaterThan(0);

    const after = await env.query<{ name: string; ciphertext: Buffer; wrapped_key: Buffer; master_key_id: string }>(`SELECT name, ciphertext, wrapped_key, master_key_id FROM vault_secrets WHERE name LIKE 'rot-%' ORDER BY name`);
    expect(new Set(after.map((r) => r.master_key_id))).toEqual(new Set([keyringOf(KEY_B).current.id]));
    for (const [i, row] of after.entries()) {
      expect(row.ciphertext.equals(ciphertextsBefore[i]!.ciphertext)).toBe(true); // only the data key is re-wrapped
      expect(row.wrapped_key.equals(ciphertextsBefore[i]!.wrapped_key)).toBe(false);
    }
    // B alone now reads everything; A alone reads nothing.
    const onlyB = createVault({ db: env.history.db, keys: keyringOf(KEY_B), actor: 'test' });
    for (const name of names) expect((await onlyB.resolve(name, 'db-password', { purpose: 'after rotation' })).kind).toBe('db-password');
    expect((await caught(vault.resolve(names[0]!, 'db-password', { purpose: 'x' }))).code).toBe('unknown-master-key');
    expect((await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM vault_audit WHERE action = 'rotate' AND actor = 'test:rotate'`))[0]!.n).toBe(names.length);
    // A second rotation has nothing to do.
    expect(await rotating.rotateMasterKey()).toMatchObject({ rewrapped: 0, failed: [] });
    for (const name of names) await onlyB.remove(name);
  });

  it('loads keys from the environment, files and the development key file', () => {
    const envKeys = loadMasterKeys({ RESTORE_DRILL_MASTER_KEY: KEY_B, RESTORE_DRILL_PREVIOUS_MASTER_KEYS: `${KEY_A},${KEY_B}` })!;
    expect(envKeys.current.id).toBe(keyringOf(KEY_B).current.id);
    expect(envKeys.previous.map((k) => k.id)).toEqual([keysA.current.id]);
    const keyFile = write('master.key', `${KEY_A}\n`);
    const previousFile = write('previous.keys', `# old keys\n${KEY_B}\n`);
    const fileKeys = loadMasterKeys({ RESTORE_DRILL_MASTER_KEY_FILE: keyFile, RESTORE_DRILL_PREVIOUS_MASTER_KEYS: previousFile })!;
    expect(fileKeys.current.id).toBe(keysA.current.id);
    expect(fileKeys.previous.map((k) => k.id)).toEqual([keyringOf(KEY_B).current.id]);
    expect(() => loadMasterKeys({ RESTORE_DRILL_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/RESTORE_DRILL_MASTER_KEY must be the base64 encoding of exactly 32 bytes .* decodes to 5 byte\(s\)/);
    expect(loadMasterKeys({})).toBeUndefined();

    const devFile = path.join(dir, 'dev', 'master.key');
    const notices: string[] = [];
    const first = loadMasterKeys({}, { devKeyFile: devFile, notice: (m) => notices.push(m) })!;
    const second = loadMasterKeys({}, { devKeyFile: devFile, notice: (m) => notices.push(m) })!;
    expect(first.current.id).toBe(second.current.id);
    expect(fs.statSync(devFile).mode & 0o777).toBe(0o600);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/development master key was generated in .*master\.key.*In production set RESTORE_DRILL_MASTER_KEY/);
  });
});

describe('aws backend (moto)', () => {
  it('keeps only the ARN in the row, reads through Secrets Manager, and schedules deletion', async () => {
    const sm = awsConfig().client;
    const awsCases = cases.filter((c) => ['ssh-key', 'aws', 'smtp'].includes(c.kind));
    for (const c of awsCases) {
      const name = `aws-${c.name}`;
      const entry = await add(vault, c, 'aws', name);
      expect(entry).toMatchObject({ name, backend: 'aws', kind: c.kind });
      const [row] = await env.query<Record<string, unknown>>(`SELECT * FROM vault_secrets WHERE name = $1`, [name]);
      expect(row).toMatchObject({ backend: 'aws', ciphertext: null, iv: null, tag: null, wrapped_key: null, master_key_id: null });
      expect(row!.aws_secret_arn).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:\\d{12}:secret:restore-drill-test/${name}-`));
      expectNoSecrets(await rowText(name), c.secrets);
      // Secrets Manager holds the credential itself.
      const stored = await sm.send(new GetSecretValueCommand({ SecretId: row!.aws_secret_arn as string }));
      expect(JSON.parse(stored.SecretString!)).toEqual(c.expected);
      expect(await vault.resolve(name, c.kind, { purpose: 'aws read', drillId: 'drill-aws' })).toEqual(c.expected);

      await vault.remove(name);
      expect(await env.query(`SELECT 1 FROM vault_secrets WHERE name = $1`, [name])).toEqual([]);
      const described = await sm.send(new DescribeSecretCommand({ SecretId: row!.aws_secret_arn as string }));
      expect(described.DeletedDate).toBeInstanceOf(Date); // scheduled, 7-day recovery window
    }
    expect((await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM vault_audit WHERE action = 'delete' AND purpose LIKE 'deleted from AWS Secrets Manager%'`))[0]!.n).toBe(awsCases.length);
  });

  it('deletes without recovery when the window is 0', async () => {
    const immediate = createVault({ db: env.history.db, keys: keysA, actor: 'test', aws: awsConfig(0) });
    const smtp = cases.find((c) => c.kind === 'smtp')!;
    await add(immediate, smtp, 'aws', 'aws-force');
    const [row] = await env.query<{ aws_secret_arn: string }>(`SELECT aws_secret_arn FROM vault_secrets WHERE name = 'aws-force'`);
    await immediate.remove('aws-force');
    await expect(awsConfig().client.send(new DescribeSecretCommand({ SecretId: row!.aws_secret_arn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('reports rejected AWS credentials clearly and stores nothing', async () => {
    process.env.INITIAL_NO_AUTH_ACTION_COUNT = '0'; // this moto checks every request's keys
    let strict: MotoServer;
    try {
      strict = await startMoto();
    } finally {
      delete process.env.INITIAL_NO_AUTH_ACTION_COUNT;
    }
    try {
      const expired = createVault({
        db: env.history.db,
        keys: keysA,
        actor: 'test',
        aws: { client: new SecretsManagerClient({ endpoint: strict.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXPIREDEXPIRED01', secretAccessKey: 'expired-secret-key' } }) },
      });
      const smtp = cases.find((c) => c.kind === 'smtp')!;
      const err = await caught(add(expired, smtp, 'aws', 'aws-denied'));
      expect(err.code).toBe('aws-credentials');
      expect(err.message).toMatch(/AWS Secrets Manager refused to store credential "aws-denied" because the vault's own AWS credentials were rejected .*AWS_ACCESS_KEY_ID/);
      expectNoSecrets(err.message, [...smtp.secrets, 'expired-secret-key']);
      expect(await env.query(`SELECT 1 FROM vault_secrets WHERE name = 'aws-denied'`)).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});

describe('drill vault (CLI)', () => {
  async function drill(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, [DRILL_BIN, 'vault', ...args], {
        env: { ...process.env, DATABASE_URL: env.databaseUrl, RESTORE_DRILL_MASTER_KEY: KEY_A, ...moto.env, RESTORE_DRILL_AWS_SECRET_PREFIX: 'restore-drill-cli/', ...extraEnv },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failure = err as { code: number; stdout: string; stderr: string };
      return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
    }
  }

  it('adds, lists and removes credentials without printing material', async () => {
    const ssh = cases.find((c) => c.name === 'ssh-id-ed25519')!;
    const pgp = cases.find((c) => c.kind === 'pgp-key')!;
    const http = cases.find((c) => c.name === 'http-basic')!;
    const secrets = [...ssh.secrets, ...pgp.secrets, ...http.secrets];
    const outputs: string[] = [];

    const added = await drill(['add', '--kind', 'ssh-key', '--name', 'cli-ssh', '--from-file', ssh.file, '--passphrase-file', write('ssh-pass', 'ssh-pass-phrase\n'), '--host-fingerprint', ssh.hostFingerprint!]);
    outputs.push(added.stdout, added.stderr);
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).toBe(`Added ssh-key "cli-ssh" to the local backend (${ssh.fingerprint})\n`);
    const pgpAdded = await drill(['add', '--kind', 'pgp-key', '--name', 'cli-pgp', '--from-file', pgp.file, '--passphrase-file', write('pgp-pass', 'pgp-pass-phrase\n')]);
    outputs.push(pgpAdded.stdout, pgpAdded.stderr);
    expect(pgpAdded.code).toBe(0);
    const awsAdded = await drill(['add', '--kind', 'http', '--name', 'cli-http', '--from-file', http.file, '--backend', 'aws']);
    outputs.push(awsAdded.stdout, awsAdded.stderr);
    expect(awsAdded.stdout).toBe('Added http "cli-http" to the aws backend (basic backup-reader)\n');

    const wrongPassphrase = await drill(['add', '--kind', 'pgp-key', '--name', 'cli-pgp2', '--from-file', pgp.file, '--passphrase-file', write('bad-pass', 'nope\n')]);
    outputs.push(wrongPassphrase.stdout, wrongPassphrase.stderr);
    expect(wrongPassphrase).toMatchObject({ code: 2, stderr: 'drill: pgp-key: the passphrase does not decrypt the private key\n' });
    const duplicate = await drill(['add', '--kind', 'ssh-key', '--name', 'cli-ssh', '--from-file', ssh.file]);
    expect(duplicate.code).toBe(2);

    const table = await drill(['list']);
    outputs.push(table.stdout, table.stderr);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+KIND\s+BACKEND\s+FINGERPRINT\s+CREATED\s+LAST USED$/m);
    expect(table.stdout).toMatch(new RegExp(`^cli-ssh\\s+ssh-key\\s+local\\s+${(ssh.fingerprint as string).replace(/[+/]/g, '\\$&')}\\s+\\S+\\s+never$`, 'm'));
    expect(table.stdout).toMatch(/^cli-http\s+http\s+aws\s+basic backup-reader\s+/m);
    const json = await drill(['list', '--json']);
    outputs.push(json.stdout);
    expect(JSON.parse(json.stdout).credentials.map((c: { name: string }) => c.name)).toEqual(['cli-http', 'cli-pgp', 'cli-ssh']);

    for (const name of ['cli-ssh', 'cli-pgp', 'cli-http']) {
      const removed = await drill(['rm', name]);
      outputs.push(removed.stdout, removed.stderr);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toMatch(new RegExp(`^Removed \\S+ "${name}"`));
    }
    expect(await drill(['rm', 'cli-ssh'])).toMatchObject({ code: 2, stderr: 'drill: no credential named "cli-ssh" in the vault\n' });
    expect(JSON.parse((await drill(['list', '--json'])).stdout)).toEqual({ credentials: [] });
    expectNoSecrets(outputs.join('\n'), secrets);
    const audit = await env.query<{ actor: string; action: string }>(`SELECT actor, action FROM vault_audit WHERE credential_name LIKE 'cli-%' ORDER BY at, action`);
    expect(audit.filter((a) => a.action === 'create')).toHaveLength(3);
    expect(audit.filter((a) => a.action === 'delete')).toHaveLength(3);
    expect(audit.every((a) => a.actor.startsWith('cli:'))).toBe(true);
  });

  it('exits 2 naming the variable when no master key is set against DATABASE_URL, and rotates', async () => {
    const db = cases.find((c) => c.kind === 'db-password')!;
    const noKey = await drill(['add', '--kind', 'db-password', '--name', 'cli-db', '--from-file', db.file], { RESTORE_DRILL_MASTER_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^drill: no vault master key is configured: set RESTORE_DRILL_MASTER_KEY/);
    expect((await drill(['add', '--kind', 'db-password', '--name', 'cli-db', '--from-file', db.file])).code).toBe(0);
    const rotated = await drill(['rotate'], { RESTORE_DRILL_MASTER_KEY: KEY_B, RESTORE_DRILL_PREVIOUS_MASTER_KEYS: KEY_A });
    expect(rotated).toMatchObject({ code: 0, stdout: `Re-wrapped 1 data key(s) with master key ${keyringOf(KEY_B).current.id}\n` });
    expect((await drill(['rm', 'cli-db'])).code).toBe(0);
    expect((await drill(['add', '--kind', 'nope', '--name', 'x', '--from-file', db.file])).code).toBe(2);
  });
});
