/**
 * The remote backup sources against real peers on loopback: moto (S3), OpenSSH sshd (SFTP) and a
 * node:http server. No Temporal: the sources are called directly.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileBackupSource } from '../../activities/sources/file-source.js';
import { httpSource } from '../../activities/sources/http.js';
import { sourceFor } from '../../activities/sources/registry.js';
import { s3Source } from '../../activities/sources/s3.js';
import { sftpSource } from '../../activities/sources/sftp.js';
import type { Credential } from '../../core/credentials.js';
import { parseMaterial } from '../../activities/vault/material.js';
import type { Check } from '../../core/drill.js';
import { BACKUP_REJECTED, INVALID_REQUEST } from '../../core/failures.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';
import { startMoto, type MotoServer } from '../support/moto.js';
import { startSshd, type SshServer } from '../support/sshd.js';

const signal = new AbortController().signal;
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

async function sha256Of(stream: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { hex: hash.digest('hex'), bytes };
}

/** The rejected check of a backupRejected failure, or the invalidRequest's message. */
async function failureOf(promise: Promise<unknown>): Promise<{ type: string | undefined; check: Check | undefined; message: string }> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw err;
  return { type: err.type ?? undefined, check: err.details?.[0] as Check | undefined, message: err.message };
}

/** A TCP proxy that cuts its first connection once `cutAfter` bytes have gone from server to client. */
async function cuttingProxy(targetPort: number, cutAfter: number): Promise<{ port: number; cuts: () => number; connections: () => number; stop(): Promise<void> }> {
  let connections = 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections += 1;
    const cutThis = connections === 1;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    upstream.on('data', (data: Buffer) => {
      if (!cutThis) return void client.write(data);
      const room = cutAfter - sent;
      if (room <= 0) return;
      client.write(room >= data.length ? data : data.subarray(0, room));
      sent += Math.min(room, data.length);
      if (sent >= cutAfter) {
        cuts += 1;
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, 20);
      }
    });
    client.on('data', (data: Buffer) => upstream.write(data));
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cuts: () => cuts,
    connections: () => connections,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('s3 source (moto)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  const saved: Record<string, string | undefined> = {};
  const big = randomBytes(3 * 1024 * 1024 + 123);
  const small = Buffer.from('plain dump bytes\n'.repeat(1000));

  beforeAll(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(moto.env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await s3.send(new CreateBucketCommand({ Bucket: 'backups' }));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'exact/app.dump', Body: big, ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'side/app.dump', Body: small }));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'side/app.dump.sha256', Body: `${sha(small)}  app.dump\n` }));
    // Newest by LastModified, not by name: the later upload sorts first alphabetically.
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'daily/b-2024-01-01.dump', Body: 'older' }));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'daily/other.txt', Body: 'not a dump, newest of all' }));
    await new Promise((r) => setTimeout(r, 1100));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'daily/a-2024-01-02.dump', Body: 'newer' }));
    await new Promise((r) => setTimeout(r, 1100));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'daily/zz-newest.txt', Body: 'newest but not a dump' }));
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'daily/nested/deeper.dump', Body: 'below the prefix, not in it' }));
  });

  afterAll(async () => {
    s3?.destroy();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  it('locates an exact object with its own sha256 checksum and streams identical bytes', async () => {
    const object = await s3Source.locate({ uri: 's3://backups/exact/app.dump', signal });
    expect(object).toMatchObject({ uri: 's3://backups/exact/app.dump', sizeBytes: big.length, sha256: { hex: sha(big), from: 'object' } });
    expect(Date.parse(object.modifiedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(object.details?.etag).toBeTruthy();
    expect(await sha256Of(s3Source.open(object, { signal }))).toEqual({ hex: sha(big), bytes: big.length });
  });

  it('falls back to a <key>.sha256 sidecar object', async () => {
    const object = await s3Source.locate({ uri: 's3://backups/side/app.dump', signal });
    expect(object.sha256).toEqual({ hex: sha(small), from: 'sidecar' });
    expect((await sha256Of(s3Source.open(object, { signal }))).hex).toBe(sha(small));
  });

  it('picks the newest match of a glob under a prefix by LastModified', async () => {
    const object = await s3Source.locate({ uri: 's3://backups/daily/', latest: '*.dump', signal });
    expect(object.uri).toBe('s3://backups/daily/a-2024-01-02.dump');
    expect(object.sha256).toBeNull();
    // The prefix without a trailing slash means the same with a glob.
    expect((await s3Source.locate({ uri: 's3://backups/daily', latest: '*.dump', signal })).uri).toBe('s3://backups/daily/a-2024-01-02.dump');
  });

  it('uses a credential pinned to buckets only for them: another bucket is refused before any request', async () => {
    const pinned: Credential = { kind: 'aws', accessKeyId: 'AKIATESTINGPINNED01', secretAccessKey: 'testing-secret', buckets: ['backups'] };
    expect((await s3Source.locate({ uri: 's3://backups/side/app.dump', credential: pinned, signal })).sizeBytes).toBe(small.length);
    const elsewhere = await failureOf(s3Source.locate({ uri: 's3://someone-elses-bucket/app.dump', credential: pinned, signal }));
    expect(elsewhere.type).toBe(INVALID_REQUEST);
    expect(elsewhere.message).toBe('the aws credential may be used for bucket(s) backups only, and this source is in bucket "someone-elses-bucket": point the plan at one of those, or add the bucket to the credential\'s "buckets"');
    const parsed = await parseMaterial('aws', JSON.stringify({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', buckets: ['acme-backups', 'acme.archive'] }));
    expect(parsed.credential).toMatchObject({ kind: 'aws', buckets: ['acme-backups', 'acme.archive'] });
    expect(parsed.fingerprint).toMatch(/; only for acme-backups, acme\.archive$/);
    await expect(parseMaterial('aws', JSON.stringify({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'.repeat(40), buckets: ['Not_A_Bucket'] }))).rejects.toThrow(/"Not_A_Bucket" in "buckets" is not an S3 bucket name/);
  });

  it('a trailing slash without a glob means the newest object directly under the prefix', async () => {
    expect((await s3Source.locate({ uri: 's3://backups/daily/', signal })).uri).toBe('s3://backups/daily/zz-newest.txt');
  });

  it('resumes a body cut mid-download with Range + If-Match and yields identical bytes', async () => {
    const object = await s3Source.locate({ uri: 's3://backups/exact/app.dump', signal });
    const proxy = await cuttingProxy(Number(new URL(moto.endpoint).port), 700_000);
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${proxy.port}`;
    try {
      expect(await sha256Of(s3Source.open(object, { signal }))).toEqual({ hex: sha(big), bytes: big.length });
      expect(proxy.cuts()).toBe(1);
      expect(proxy.connections()).toBeGreaterThanOrEqual(2);
    } finally {
      process.env.AWS_ENDPOINT_URL = moto.endpoint;
      await proxy.stop();
    }
  });

  it('an object overwritten after locate fails the download clearly (ETag no longer matches)', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'moving/app.dump', Body: 'version one' }));
    const object = await s3Source.locate({ uri: 's3://backups/moving/app.dump', signal });
    await s3.send(new PutObjectCommand({ Bucket: 'backups', Key: 'moving/app.dump', Body: 'version two!' }));
    await expect(sha256Of(s3Source.open(object, { signal }))).rejects.toThrow(/changed during the download/);
  });

  it('a missing object, a missing bucket and a prefix with no match are "present" rejections', async () => {
    const missing = await failureOf(s3Source.locate({ uri: 's3://backups/nope/app.dump', signal }));
    expect(missing).toMatchObject({ type: BACKUP_REJECTED, check: { name: 'present', passed: false } });
    expect(missing.message).toContain('s3://backups/nope/app.dump');
    const bucket = await failureOf(s3Source.locate({ uri: 's3://no-such-bucket/', signal }));
    expect(bucket.check?.name).toBe('present');
    expect(bucket.message).toContain('no-such-bucket');
    const empty = await failureOf(s3Source.locate({ uri: 's3://backups/daily/', latest: '*.sql.gz', signal }));
    expect(empty.check?.name).toBe('present');
    expect(empty.message).toContain('*.sql.gz');
    expect(empty.message).toContain('s3://backups/daily/');
  });

  it('a credential of another kind is an invalid request; a role credential assumes the role through STS', async () => {
    expect((await failureOf(s3Source.locate({ uri: 's3://backups/side/app.dump', credential: { kind: 'http', username: 'u' }, signal }))).type).toBe(INVALID_REQUEST);
    const located = await s3Source.locate({ uri: 's3://backups/side/app.dump', credential: { kind: 'aws', roleArn: 'arn:aws:iam::123456789012:role/drill', accessKeyId: 'AKIAROLECALLER000001', secretAccessKey: 'role-caller-secret' }, signal });
    expect(located.uri).toBe('s3://backups/side/app.dump');
  });
});

describe('s3 source credentials (moto with IAM auth enforced)', () => {
  let moto: MotoServer;
  let keys: { accessKeyId: string; secretAccessKey: string };
  const saved: Record<string, string | undefined> = {};

  /** Moto routes by the credential scope's service; before auth is enforced the signature is not checked. */
  async function iam(params: Record<string, string>): Promise<string> {
    const response = await fetch(moto.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00' },
      body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`IAM ${params.Action}: ${response.status} ${text}`);
    return text;
  }

  beforeAll(async () => {
    moto = await startMoto();
    for (const [key, value] of Object.entries(moto.env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    const s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await s3.send(new CreateBucketCommand({ Bucket: 'locked' }));
    await s3.send(new PutObjectCommand({ Bucket: 'locked', Key: 'db/app.dump', Body: 'secret backup' }));
    s3.destroy();
    await iam({ Action: 'CreateUser', UserName: 'drill' });
    await iam({ Action: 'PutUserPolicy', UserName: 'drill', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) });
    const created = await iam({ Action: 'CreateAccessKey', UserName: 'drill' });
    keys = {
      accessKeyId: /<AccessKeyId>([^<]+)</.exec(created)?.[1] ?? '',
      secretAccessKey: /<SecretAccessKey>([^<]+)</.exec(created)?.[1] ?? '',
    };
    expect(keys.accessKeyId).toMatch(/^AKIA/);
    // From now on moto verifies every signature against IAM.
    const reset = await fetch(`${moto.endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    expect(reset.ok).toBe(true);
  });

  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await moto?.stop();
  });

  it('valid IAM keys from the credential work', async () => {
    const credential: Credential = { kind: 'aws', ...keys };
    const object = await s3Source.locate({ uri: 's3://locked/db/app.dump', credential, signal });
    expect(object.sizeBytes).toBe('secret backup'.length);
    expect((await sha256Of(s3Source.open(object, { credential, signal }))).hex).toBe(sha('secret backup'));
  });

  it('a wrong secret key is an "access" rejection that never echoes the key', async () => {
    const wrongSecret = 'WRONGSECRETwrongsecretWRONGSECRET0123456';
    const credential: Credential = { kind: 'aws', accessKeyId: keys.accessKeyId, secretAccessKey: wrongSecret };
    const listed = await failureOf(s3Source.locate({ uri: 's3://locked/db/', credential, signal }));
    expect(listed).toMatchObject({ type: BACKUP_REJECTED, check: { name: 'access' } });
    expect(listed.message).toMatch(/refused the credential.*secret key does not match/);
    const exact = await failureOf(s3Source.locate({ uri: 's3://locked/db/app.dump', credential, signal }));
    expect(exact.check?.name).toBe('access');
    for (const text of [listed.message, exact.message, JSON.stringify(listed.check), JSON.stringify(exact.check)]) {
      expect(text).not.toContain(wrongSecret);
      expect(text).not.toContain(keys.secretAccessKey);
    }
  });

  it('an unknown access key (the environment\'s fake keys) is an "access" rejection', async () => {
    const unknown = await failureOf(s3Source.locate({ uri: 's3://locked/db/', signal }));
    expect(unknown.check?.name).toBe('access');
    expect(unknown.message).toContain('access key id is unknown');
  });
});

describe('sftp source (OpenSSH sshd)', () => {
  let sshd: SshServer;
  let credential: Extract<Credential, { kind: 'ssh-key' }>;
  const big = randomBytes(2 * 1024 * 1024 + 77);
  let dir: string;
  const uri = (file: string, port = sshd.port) => `sftp://${sshd.user}@127.0.0.1:${port}${file}`;

  beforeAll(async () => {
    sshd = await startSshd();
    credential = { kind: 'ssh-key', privateKey: sshd.clientPrivateKey, hostFingerprint: sshd.hostFingerprint() };
    dir = sshd.dataDir;
    fs.writeFileSync(path.join(dir, 'app.dump'), big);
    fs.writeFileSync(path.join(dir, 'app.dump.sha256'), `${sha(big)}  app.dump\n`);
    fs.mkdirSync(path.join(dir, 'daily'));
    const now = Date.now() / 1000;
    const put = (name: string, body: string, ageSeconds: number) => {
      fs.writeFileSync(path.join(dir, 'daily', name), body);
      fs.utimesSync(path.join(dir, 'daily', name), now - ageSeconds, now - ageSeconds);
    };
    put('b-2024-01-01.dump', 'older', 300);
    put('a-2024-01-02.dump', 'newer', 100);
    put('zz.txt', 'newest, not a dump', 10);
    fs.mkdirSync(path.join(dir, 'daily', 'sub'));
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  it('locates an exact file with size, mtime and its sidecar, and streams identical bytes', async () => {
    const object = await sftpSource.locate({ uri: uri(`${dir}/app.dump`), credential, signal });
    expect(object).toMatchObject({ uri: uri(`${dir}/app.dump`), sizeBytes: big.length, sha256: { hex: sha(big), from: 'sidecar' } });
    expect(object.modifiedAt).toBe(new Date(Math.floor(fs.statSync(path.join(dir, 'app.dump')).mtimeMs / 1000) * 1000).toISOString());
    expect(await sha256Of(sftpSource.open(object, { credential, signal }))).toEqual({ hex: sha(big), bytes: big.length });
  });

  it('picks the newest glob match in a directory by mtime; a trailing slash means any file', async () => {
    const dumps = await sftpSource.locate({ uri: uri(`${dir}/daily`), latest: '*.dump', credential, signal });
    expect(dumps.uri).toBe(uri(`${dir}/daily/a-2024-01-02.dump`));
    expect(dumps.sha256).toBeNull();
    expect((await sha256Of(sftpSource.open(dumps, { credential, signal }))).hex).toBe(sha('newer'));
    expect((await sftpSource.locate({ uri: uri(`${dir}/daily/`), credential, signal })).uri).toBe(uri(`${dir}/daily/zz.txt`));
  });

  it('resumes from the offset after the SSH connection is cut mid-download', async () => {
    const proxy = await cuttingProxy(sshd.port, 600_000);
    try {
      const object = await sftpSource.locate({ uri: uri(`${dir}/app.dump`, proxy.port), credential, signal });
      // The locate used the first connection: cut the next one instead.
      const second = await cuttingProxy(sshd.port, 600_000);
      try {
        const moved = { ...object, uri: uri(`${dir}/app.dump`, second.port) };
        expect(await sha256Of(sftpSource.open(moved, { credential, signal }))).toEqual({ hex: sha(big), bytes: big.length });
        expect(second.cuts()).toBe(1);
        expect(second.connections()).toBeGreaterThanOrEqual(2);
      } finally {
        await second.stop();
      }
    } finally {
      await proxy.stop();
    }
  });

  it('a missing file and a directory without a match are "present" rejections', async () => {
    const missing = await failureOf(sftpSource.locate({ uri: uri(`${dir}/nope.dump`), credential, signal }));
    expect(missing).toMatchObject({ type: BACKUP_REJECTED, check: { name: 'present' } });
    expect(missing.message).toContain('nope.dump');
    const none = await failureOf(sftpSource.locate({ uri: uri(`${dir}/daily/`), latest: '*.sql.gz', credential, signal }));
    expect(none.check?.name).toBe('present');
    expect(none.message).toContain('*.sql.gz');
    expect((await failureOf(sftpSource.locate({ uri: uri(`${dir}/no-such-dir/`), credential, signal }))).check?.name).toBe('present');
  });

  it('refuses a server whose fingerprint is not configured, showing the offered one', async () => {
    const unpinned = await failureOf(sftpSource.locate({ uri: uri(`${dir}/app.dump`), credential: { kind: 'ssh-key', privateKey: credential.privateKey }, signal }));
    expect(unpinned.check?.name).toBe('access');
    expect(unpinned.message).toContain(sshd.hostFingerprint());
    expect(unpinned.message).toContain('--host-fingerprint');
  });

  it('a key the server does not accept is an "access" rejection', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(other, 'k')]);
    const stranger = { ...credential, privateKey: fs.readFileSync(path.join(other, 'k'), 'utf8') };
    fs.rmSync(other, { recursive: true });
    const refused = await failureOf(sftpSource.locate({ uri: uri(`${dir}/app.dump`), credential: stranger, signal }));
    expect(refused.check?.name).toBe('access');
    expect(refused.message).toContain(`refused the SSH key for user "${sshd.user}"`);
  });

  it('a changed host key is an "access" rejection naming both fingerprints', async () => {
    const pinned = sshd.hostFingerprint();
    await sshd.rotateHostKey();
    const offered = sshd.hostFingerprint();
    expect(offered).not.toBe(pinned);
    const changed = await failureOf(sftpSource.locate({ uri: uri(`${dir}/app.dump`), credential, signal }));
    expect(changed.check?.name).toBe('access');
    expect(changed.message).toContain(`host key of 127.0.0.1:${sshd.port} changed: expected ${pinned}, got ${offered} — possible man-in-the-middle`);
  });
});

describe('http source (node:http)', () => {
  let dir: string;
  let server: TestHttpServer;
  let other: TestHttpServer;
  const big = randomBytes(1024 * 1024 + 5);
  const credential: Credential = { kind: 'http', username: 'drill', password: 's3cret' };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-http-'));
    fs.writeFileSync(path.join(dir, 'app.dump'), big);
    fs.writeFileSync(path.join(dir, 'app.dump.sha256'), `${sha(big)}  app.dump\n`);
    fs.writeFileSync(path.join(dir, 'plain.sql'), 'select 1;\n');
    other = await startHttpServer({ dir });
    server = await startHttpServer({
      dir,
      basicAuth: { username: 'drill', password: 's3cret' },
      redirects: { '/moved.dump': '/app.dump', '/elsewhere.dump': `${other.origin}/app.dump`, '/loop.dump': '/loop.dump' },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await other?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('locates an exact URL with HEAD and its sidecar, and streams identical bytes', async () => {
    const object = await httpSource.locate({ uri: `${server.origin}/app.dump`, credential, signal });
    expect(object).toMatchObject({ uri: `${server.origin}/app.dump`, sizeBytes: big.length, sha256: { hex: sha(big), from: 'sidecar' } });
    expect(object.modifiedAt).toBe(new Date(Math.floor(fs.statSync(path.join(dir, 'app.dump')).mtimeMs / 1000) * 1000).toISOString());
    expect(await sha256Of(httpSource.open(object, { credential, signal }))).toEqual({ hex: sha(big), bytes: big.length });
    const plain = await httpSource.locate({ uri: `${server.origin}/plain.sql`, credential, signal });
    expect(plain.sha256).toBeNull();
  });

  it('resumes a dropped download with Range and If-Range', async () => {
    const object = await httpSource.locate({ uri: `${server.origin}/app.dump`, credential, signal });
    server.dropNextDownloadAfter(300_000);
    const before = server.requests.length;
    expect(await sha256Of(httpSource.open(object, { credential, signal }))).toEqual({ hex: sha(big), bytes: big.length });
    const resumed = server.requests.slice(before).filter((r) => r.range);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.range).toBe('bytes=300000-');
    expect(resumed[0]?.ifRange).toBe(object.details?.etag);
  });

  it('follows same-origin redirects and never forwards Authorization to another origin', async () => {
    const moved = await httpSource.locate({ uri: `${server.origin}/moved.dump`, credential, signal });
    expect(moved.sizeBytes).toBe(big.length);
    expect(moved.details?.finalUrl).toBe(`${server.origin}/app.dump`);
    const before = other.requests.length;
    const elsewhere = await httpSource.locate({ uri: `${server.origin}/elsewhere.dump`, credential, signal });
    expect(elsewhere.details?.finalUrl).toBe(`${other.origin}/app.dump`);
    expect((await sha256Of(httpSource.open(elsewhere, { credential, signal }))).hex).toBe(sha(big));
    const seen = other.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.authorization === undefined)).toBe(true);
    expect((await failureOf(httpSource.locate({ uri: `${server.origin}/loop.dump`, credential, signal }))).message).toContain('redirects more than 5 times');
  });

  it('404 is "present", 401 is "access", latest is not supported', async () => {
    const missing = await failureOf(httpSource.locate({ uri: `${server.origin}/nope.dump`, credential, signal }));
    expect(missing.check?.name).toBe('present');
    expect(missing.message).toContain('/nope.dump');
    const anonymous = await failureOf(httpSource.locate({ uri: `${server.origin}/app.dump`, signal }));
    expect(anonymous.check?.name).toBe('access');
    const wrong = await failureOf(httpSource.locate({ uri: `${server.origin}/app.dump`, credential: { kind: 'http', username: 'drill', password: 'nope' }, signal }));
    expect(wrong.check?.name).toBe('access');
    expect(wrong.message).not.toContain('nope');
    const latest = await failureOf(httpSource.locate({ uri: `${server.origin}/`, latest: '*.dump', credential, signal }));
    expect(latest.type).toBe(INVALID_REQUEST);
    expect(latest.message).toContain('not supported for http sources');
  });

  it("sends a credential with origins only there: another origin is refused before anything is sent", async () => {
    const pinned: Credential = { ...credential, origins: [server.origin] };
    expect((await httpSource.locate({ uri: `${server.origin}/app.dump`, credential: pinned, signal })).sizeBytes).toBe(big.length);
    const before = other.requests.length;
    const elsewhere = await failureOf(httpSource.locate({ uri: `${other.origin}/app.dump`, credential: pinned, signal }));
    expect(elsewhere.type).toBe(INVALID_REQUEST);
    expect(elsewhere.message).toBe(`the http credential may be sent to ${server.origin} only, and this source is on ${other.origin}: point the plan at a URL there, or add the origin to the credential's "origins"`);
    expect(other.requests.length).toBe(before);
    const parsed = await parseMaterial('http', JSON.stringify({ username: 'drill', password: 's3cret', origins: ['https://backups.example.com'] }));
    expect(parsed.credential).toEqual({ kind: 'http', username: 'drill', password: 's3cret', origins: ['https://backups.example.com'] });
    expect(parsed.fingerprint).toBe('basic drill; only to https://backups.example.com');
    await expect(parseMaterial('http', JSON.stringify({ username: 'drill', password: 'x', origins: ['https://backups.example.com/path'] }))).rejects.toThrow(/must be just scheme, host and port/);
  });

  it('honours the AbortSignal mid-download', async () => {
    const object = await httpSource.locate({ uri: `${server.origin}/app.dump`, credential, signal });
    const controller = new AbortController();
    const stream = httpSource.open(object, { credential, signal: controller.signal });
    let seen = 0;
    await expect(
      (async () => {
        for await (const chunk of stream) {
          seen += (chunk as Buffer).length;
          controller.abort();
        }
      })(),
    ).rejects.toThrow(/abort/i);
    expect(seen).toBeLessThan(big.length);
  });

  it('server trouble is a plain (retryable) error', async () => {
    await expect(httpSource.locate({ uri: 'http://127.0.0.1:1/app.dump', signal })).rejects.toSatisfy((err: unknown) => !(err instanceof ApplicationFailure));
  });

  it('falls back to GET headers when HEAD is not allowed', async () => {
    const noHead = await startHttpServer({ dir, noHead: true });
    try {
      const object = await httpSource.locate({ uri: `${noHead.origin}/app.dump`, signal });
      expect(object.sizeBytes).toBe(big.length);
    } finally {
      await noHead.stop();
    }
  });
});

describe('source registry and the file adapter', () => {
  it('maps schemes to sources and rejects unknown ones listing the supported', async () => {
    expect(sourceFor('s3://b/k')).toBe(s3Source);
    expect(sourceFor('sftp://u@h/p')).toBe(sftpSource);
    expect(sourceFor('https://example.com/a')).toBe(httpSource);
    expect(sourceFor('HTTP://example.com/a')).toBe(httpSource);
    expect(sourceFor('file:///backups/a')).toBe(fileBackupSource);
    expect(sourceFor('/backups/a')).toBe(fileBackupSource);
    const unknown = await failureOf(Promise.resolve().then(() => sourceFor('gs://bucket/key')));
    expect(unknown.type).toBe(INVALID_REQUEST);
    expect(unknown.message).toMatch(/"gs:".*file:\/\/.*s3:\/\/.*sftp:\/\/.*http:\/\/.*https:\/\//);
  });

  it('the file source locates and streams through the same interface', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drill-file-'));
    try {
      const body = randomBytes(100_000);
      fs.writeFileSync(path.join(dir, 'a.dump'), 'old');
      fs.utimesSync(path.join(dir, 'a.dump'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
      fs.writeFileSync(path.join(dir, 'b.dump'), body);
      fs.writeFileSync(path.join(dir, 'b.dump.sha256'), sha(body));
      const object = await fileBackupSource.locate({ uri: `file://${dir}/`, latest: '*.dump', signal });
      expect(object).toMatchObject({ sizeBytes: body.length, sha256: { hex: sha(body), from: 'sidecar' } });
      expect(object.uri.endsWith('/b.dump')).toBe(true);
      expect((await sha256Of(fileBackupSource.open(object, { signal }))).hex).toBe(sha(body));
      const missing = await failureOf(fileBackupSource.locate({ uri: path.join(dir, 'zzz.dump'), signal }));
      expect(missing.check?.name).toBe('present');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
