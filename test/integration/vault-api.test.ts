/**
 * /api/vault over HTTP: a manager adds an SSH key and a database password, lists them (metadata
 * only: no secret anywhere in the JSON), is refused bad material, a wrong passphrase and a taken
 * name with messages that never quote what was sent, removes one; users are refused; the audit
 * trail and the vault's own log name the manager.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import { apiCaller } from '../support/api-calls.js';
import { useDrillTestEnv, type DrillTestEnv, type TestUser } from '../support/drill-env.js';

let env: DrillTestEnv;
useDrillTestEnv('vault-api', (created) => (env = created), { inProcessWorker: false });

let api: ApiServer;
let user: TestUser;
let dir: string;
let sshKey: string;
let sshFingerprint: string;
let lockedKey: string;
const dbPassword = `db-${randomBytes(12).toString('hex')}`;
const lockedPassphrase = `pass-${randomBytes(8).toString('hex')}`;
const asManager = apiCaller(() => api.url, () => env.manager.token);
const asUser = apiCaller(() => api.url, () => user.token);
const anonymous = apiCaller(() => api.url);

/** The key's base64 body (every line between the armour): what must never be in an answer. */
function keyBody(text: string): string[] {
  return text.split('\n').filter((line) => line && !line.startsWith('-----'));
}

function expectNoSecret(json: unknown, secrets: string[]): void {
  const text = JSON.stringify(json);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  api = await env.startApi();
  user = await env.signIn('vault-user@example.com', 'user');
  dir = fs.mkdtempSync(path.join(env.scratchDir, 'vault-api-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vault-api', '-f', path.join(dir, 'id_ed25519')]);
  sshKey = fs.readFileSync(path.join(dir, 'id_ed25519'), 'utf8');
  sshFingerprint = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'id_ed25519.pub')], { encoding: 'utf8' }).split(' ')[1]!;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', lockedPassphrase, '-C', 'locked', '-f', path.join(dir, 'locked')]);
  lockedKey = fs.readFileSync(path.join(dir, 'locked'), 'utf8');
});

describe('a manager', () => {
  it('adds an ssh-key and a db-password: 201 with metadata only', async () => {
    const ssh = await asManager('POST', '/api/vault', { name: 'backup-host', kind: 'ssh-key', material: sshKey });
    expect(ssh.status).toBe(201);
    expect(ssh.body).toEqual({ name: 'backup-host', kind: 'ssh-key', backend: 'local', fingerprint: sshFingerprint, createdAt: expect.any(String), lastUsedAt: null });
    expectNoSecret(ssh.body, keyBody(sshKey));

    const db = await asManager('POST', '/api/vault', { name: 'db-prod', kind: 'db-password', material: `${dbPassword}\n` });
    expect(db.status).toBe(201);
    expect(db.body).toMatchObject({ name: 'db-prod', kind: 'db-password', fingerprint: null });
    expectNoSecret(db.body, [dbPassword]);

    // What was stored is what drills get.
    expect(await env.vault.resolve('backup-host', 'ssh-key', { purpose: 'test' })).toMatchObject({ kind: 'ssh-key', privateKey: sshKey });
    expect(await env.vault.resolve('db-prod', 'db-password', { purpose: 'test' })).toEqual({ kind: 'db-password', password: dbPassword });
  });

  it('lists them without any secret, with when each was last used', async () => {
    const list = await asManager('GET', '/api/vault');
    expect(list.status).toBe(200);
    const byName = Object.fromEntries((list.body.credentials as Array<{ name: string }>).map((c) => [c.name, c]));
    expect(byName['backup-host']).toEqual({ name: 'backup-host', kind: 'ssh-key', backend: 'local', fingerprint: sshFingerprint, createdAt: expect.any(String), lastUsedAt: expect.any(String) });
    expect(byName['db-prod']).toMatchObject({ kind: 'db-password', fingerprint: null });
    expectNoSecret(list.body, [...keyBody(sshKey), dbPassword]);
  });

  it('is told why material is refused, in words that never quote it', async () => {
    const garbage = `not-a-key-${randomBytes(16).toString('hex')}`;
    const bad = await asManager('POST', '/api/vault', { name: 'broken', kind: 'ssh-key', material: `-----BEGIN OPENSSH PRIVATE KEY-----\n${garbage}\n-----END OPENSSH PRIVATE KEY-----\n` });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect(bad.body.message).toMatch(/^ssh-key: not an OpenSSH or PEM private key/);
    expect(bad.body.message).not.toContain(garbage);

    const smtpPassword = `smtp-${randomBytes(12).toString('hex')}`;
    const json = await asManager('POST', '/api/vault', { name: 'smtp', kind: 'smtp', material: `{"username": "alerts", "password": "${smtpPassword}"` });
    expect(json).toMatchObject({ status: 400, body: { code: 'validation_failed', message: expect.stringMatching(/^smtp: the file is not valid JSON/) } });
    expect(json.body.message).not.toContain(smtpPassword);

    const locked = await asManager('POST', '/api/vault', { name: 'locked', kind: 'ssh-key', material: lockedKey });
    expect(locked).toMatchObject({ status: 400, body: { code: 'validation_failed', message: 'ssh-key: the private key is encrypted: give its passphrase in "passphrase"' } });
    const wrongPassphrase = `wrong-${randomBytes(8).toString('hex')}`;
    const wrong = await asManager('POST', '/api/vault', { name: 'locked', kind: 'ssh-key', material: lockedKey, passphrase: wrongPassphrase });
    expect(wrong).toMatchObject({ status: 400, body: { code: 'validation_failed', message: 'ssh-key: the passphrase does not decrypt the private key' } });
    expectNoSecret(wrong.body, [...keyBody(lockedKey), wrongPassphrase]);
    const right = await asManager('POST', '/api/vault', { name: 'locked', kind: 'ssh-key', material: lockedKey, passphrase: lockedPassphrase });
    expect(right.status).toBe(201);
    expectNoSecret(right.body, [...keyBody(lockedKey), lockedPassphrase]);

    const passphraseForPassword = await asManager('POST', '/api/vault', { name: 'db-other', kind: 'db-password', material: 'x', passphrase: 'y' });
    expect(passphraseForPassword).toMatchObject({ status: 400, body: { code: 'validation_failed', message: 'passphrase: only for an ssh-key or a pgp-key' } });
    const badName = await asManager('POST', '/api/vault', { name: 'Not A Name', kind: 'db-password', material: dbPassword });
    expect(badName).toMatchObject({ status: 400, body: { code: 'validation_failed', message: expect.stringMatching(/^name: /) } });
    expectNoSecret(badName.body, [dbPassword]);
    const unknownKind = await asManager('POST', '/api/vault', { name: 'x', kind: 'password', material: dbPassword });
    expect(unknownKind).toMatchObject({ status: 400, body: { code: 'validation_failed', message: expect.stringMatching(/^kind: /) } });
    expectNoSecret(unknownKind.body, [dbPassword]);
  });

  it('cannot take a name twice: 409', async () => {
    const again = await asManager('POST', '/api/vault', { name: 'db-prod', kind: 'db-password', material: 'another-password' });
    expect(again).toMatchObject({ status: 409, body: { code: 'conflict', message: expect.stringContaining('"db-prod" already exists') } });
    expect(await env.vault.resolve('db-prod', 'db-password', { purpose: 'test' })).toEqual({ kind: 'db-password', password: dbPassword });
  });

  it('removes one: 204, then 404', async () => {
    expect((await asManager('DELETE', '/api/vault/db-prod')).status).toBe(204);
    expect(await asManager('DELETE', '/api/vault/db-prod')).toMatchObject({ status: 404, body: { code: 'not_found' } });
    const names = (await asManager('GET', '/api/vault')).body.credentials.map((c: { name: string }) => c.name);
    expect(names).toEqual(['backup-host', 'locked']);
  });
});

describe('anyone else', () => {
  it('a user gets 403 and changes nothing; nobody signed in gets 401', async () => {
    expect(await asUser('GET', '/api/vault')).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await asUser('POST', '/api/vault', { name: 'sneaky', kind: 'db-password', material: 'p4ssword' })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await asUser('DELETE', '/api/vault/backup-host')).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect((await anonymous('GET', '/api/vault')).status).toBe(401);
    expect((await env.vault.list()).map((e) => e.name)).toEqual(['backup-host', 'locked']);
  });
});

describe('the records', () => {
  it('the audit trail has vault.create and vault.delete, with no secret in them', async () => {
    const trail = await asManager('GET', '/api/audit?action=vault.&limit=100');
    expect(trail.status).toBe(200);
    const events = trail.body.events as Array<{ action: string; target: string | null; outcome: string; actor: string }>;
    expect(events).toContainEqual(expect.objectContaining({ action: 'vault.create', target: 'backup-host', outcome: 'ok', actor: expect.stringContaining(env.manager.email) }));
    expect(events).toContainEqual(expect.objectContaining({ action: 'vault.create', target: 'db-prod', outcome: 'ok' }));
    expect(events).toContainEqual(expect.objectContaining({ action: 'vault.create', target: 'db-prod', outcome: 'failed' }));
    expect(events).toContainEqual(expect.objectContaining({ action: 'vault.create', target: 'locked', outcome: 'failed' }));
    expect(events).toContainEqual(expect.objectContaining({ action: 'vault.delete', target: 'db-prod', outcome: 'ok' }));
    expect(events).toContainEqual(expect.objectContaining({ action: 'vault.delete', target: 'db-prod', outcome: 'failed' }));
    expectNoSecret(events, [...keyBody(sshKey), ...keyBody(lockedKey), dbPassword, lockedPassphrase]);
  });

  it("the vault's own log names the manager as who added and removed", async () => {
    const log = await env.vault.auditLog({ name: 'db-prod' });
    expect(log.map((e) => e.action).sort()).toEqual(['create', 'delete', 'use', 'use']);
    for (const entry of log.filter((e) => e.action !== 'use')) expect(entry.actor).toContain(env.manager.email);
  });
});
