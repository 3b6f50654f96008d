/**
 * The `sftp` source: `sftp://user@host:port/absolute/path` (an exact file) or a directory
 * (`latest` glob, or a trailing slash: the newest regular file in it), over ssh2.
 *
 * Authentication is by the `ssh-key` credential's key only, and the server's host key is pinned:
 * its SHA256 fingerprint (as `ssh-keygen -lf` prints it) must equal the credential's
 * `hostFingerprint`. With no fingerprint configured the source refuses and shows the offered one,
 * so the operator can check it out of band and pin it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Client, type ConnectConfig, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import type { Credential } from '../../core/credentials.js';
import { globToRegExp } from '../../core/glob.js';
import { backupRejected, invalidRequest } from '../failures.js';
import { FatalSourceError, resumableStream } from './resumable.js';
import { parseSidecar } from './s3.js';
import type { BackupSource, LocateRequest, OpenRequest, SourceObject } from './source.js';

const SIDECAR_SUFFIX = '.sha256';
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

interface SftpTarget {
  user: string;
  host: string;
  port: number;
  path: string;
}

export function parseSftpUri(uri: string): SftpTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidRequest(`not an SFTP URI: "${uri}" (expected sftp://user@host:port/absolute/path)`);
  }
  if (url.protocol !== 'sftp:' || !url.hostname) throw invalidRequest(`not an SFTP URI: "${uri}" (expected sftp://user@host:port/absolute/path)`);
  if (!url.username) throw invalidRequest(`the SFTP URI "${uri}" names no user: write sftp://user@${url.host}${url.pathname}`);
  if (url.password) throw invalidRequest('SFTP URIs must not carry a password: store an ssh-key credential in the vault instead');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { user: decodeURIComponent(url.username), host, port: url.port ? Number(url.port) : 22, path: decodeURIComponent(url.pathname) || '/' };
}

function canonical(target: SftpTarget, file: string): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `sftp://${encodeURIComponent(target.user)}@${host}:${target.port}${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** "SHA256:<base64 without padding>", the format `ssh-keygen -lf` prints. */
export function sshFingerprint(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKeyBlob).digest('base64').replace(/=+$/, '')}`;
}

function normaliseFingerprint(text: string): string {
  const trimmed = text.trim();
  const body = trimmed.replace(/^SHA256:/i, '').replace(/=+$/, '');
  return `SHA256:${body}`;
}

interface Session {
  client: Client;
  sftp: SFTPWrapper;
  close(): void;
}

async function connect(target: SftpTarget, credential: Credential | undefined, signal: AbortSignal): Promise<Session> {
  const where = `${target.host}:${target.port}`;
  if (!credential) throw invalidRequest(`sftp://${target.user}@${where} needs an ssh-key credential (drill vault add … --kind ssh-key --host-fingerprint SHA256:…)`);
  if (credential.kind !== 'ssh-key') throw invalidRequest(`SFTP sources need an "ssh-key" credential, got a "${credential.kind}" credential`);
  signal.throwIfAborted();
  const expected = credential.hostFingerprint ? normaliseFingerprint(credential.hostFingerprint) : undefined;
  let offered: string | undefined;
  const client = new Client();
  return new Promise<Session>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      client.end();
      reject(err);
    };
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });

    client.once('ready', () => {
      client.sftp((err, sftp) => {
        if (err) return fail(new Error(`SFTP subsystem unavailable on ${where}: ${err.message}`));
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ client, sftp, close: () => client.end() });
      });
    });
    client.on('error', (err: Error & { level?: string }) => {
      if (offered && !expected) {
        return fail(
          backupRejected({
            name: 'access',
            observed: `host key ${offered}`,
            expected: 'a pinned host key fingerprint',
            message: `refusing to connect to ${where}: no host key fingerprint is configured for it. The server offered ${offered}; verify it out of band (on the server: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) and pin it with \`drill vault add … --host-fingerprint ${offered}\``,
          }),
        );
      }
      if (offered && expected && offered !== expected) {
        return fail(
          backupRejected({
            name: 'access',
            observed: `host key ${offered}`,
            expected: `host key ${expected}`,
            message: `host key of ${where} changed: expected ${expected}, got ${offered} — possible man-in-the-middle; if the server's key was rotated on purpose, verify the new key out of band and update the credential's --host-fingerprint`,
          }),
        );
      }
      if (err.level === 'client-authentication') {
        return fail(backupRejected({ name: 'access', observed: 'authentication refused', expected: `key login as ${target.user}`, message: `${where} refused the SSH key for user "${target.user}" (the key is not in the user's authorized_keys, or the user does not exist)` }));
      }
      fail(new Error(`SFTP connection to ${where} failed: ${err.message}`, { cause: err }));
    });
    client.on('close', () => fail(new Error(`SFTP connection to ${where} closed before it was ready`)));

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: credential.privateKey,
      ...(credential.passphrase ? { passphrase: credential.passphrase } : {}),
      readyTimeout: 20_000,
      keepaliveInterval: 10_000,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        offered = sshFingerprint(key);
        return expected !== undefined && offered === expected;
      },
    };
    try {
      client.connect(config);
    } catch (err) {
      // ssh2 parses the key synchronously: a wrong passphrase or a malformed key lands here.
      fail(backupRejected({ name: 'access', observed: 'unusable private key', expected: 'a readable SSH private key', message: `the ssh-key credential's private key cannot be used: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 200)}` }));
    }
  });
}

function sftpCall<T>(what: string, target: SftpTarget, file: string, call: (cb: (err: (Error & { code?: number }) | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    call((err, value) => {
      if (!err) return resolve(value);
      if (err.code === SFTP_NO_SUCH_FILE) {
        return reject(backupRejected({ name: 'present', observed: 'no such file', expected: `a backup at ${canonical(target, file)}`, message: `no backup at ${canonical(target, file)}: ${what} does not exist` }));
      }
      if (err.code === SFTP_PERMISSION_DENIED) {
        return reject(backupRejected({ name: 'access', observed: 'permission denied', expected: `read access to ${file}`, message: `${target.host}:${target.port} denied user "${target.user}" access to ${file}` }));
      }
      reject(new Error(`SFTP ${what} ${file} on ${target.host}:${target.port} failed: ${err.message}`, { cause: err }));
    });
  });
}

async function readSidecar(session: Session, target: SftpTarget, file: string): Promise<string | undefined> {
  const sidecar = file + SIDECAR_SUFFIX;
  const text = await new Promise<string | undefined>((resolve, reject) => {
    session.sftp.readFile(sidecar, (err, data) => {
      if (!err) return resolve(data.subarray(0, 4096).toString('utf8'));
      if ((err as Error & { code?: number }).code === SFTP_NO_SUCH_FILE) return resolve(undefined);
      reject(new Error(`reading ${sidecar} on ${target.host}:${target.port} failed: ${err.message}`));
    });
  });
  return text === undefined ? undefined : parseSidecar(text, canonical(target, sidecar));
}

export const sftpSource: BackupSource = {
  schemes: ['sftp'],

  async locate(request: LocateRequest): Promise<SourceObject> {
    const target = parseSftpUri(request.uri);
    if (!path.posix.isAbsolute(target.path)) throw invalidRequest(`the SFTP path must be absolute, got "${target.path}"`);
    const session = await connect(target, request.credential, request.signal);
    try {
      let file = target.path;
      let stats: Stats;
      if (request.latest !== undefined || file.endsWith('/')) {
        const directory = file.replace(/\/+$/, '') || '/';
        const matcher = request.latest !== undefined ? globToRegExp(request.latest) : undefined;
        const entries = await sftpCall<FileEntryWithStats[]>(`the directory ${directory}`, target, directory, (cb) => session.sftp.readdir(directory, cb as never));
        let newest: FileEntryWithStats | undefined;
        for (const entry of entries) {
          if (!entry.attrs.isFile() || entry.filename.endsWith(SIDECAR_SUFFIX)) continue;
          if (matcher && !matcher.test(entry.filename)) continue;
          if (!newest || entry.attrs.mtime > newest.attrs.mtime || (entry.attrs.mtime === newest.attrs.mtime && entry.filename > newest.filename)) newest = entry;
        }
        if (!newest) {
          const what = request.latest !== undefined ? `matching "${request.latest}" ` : '';
          throw backupRejected({ name: 'present', observed: `no file ${what}`.trim(), expected: `a file ${what}in ${directory}`, message: `no backup ${what}in ${canonical(target, directory)}` });
        }
        file = path.posix.join(directory, newest.filename);
        stats = newest.attrs;
      } else {
        stats = await sftpCall<Stats>('the file', target, file, (cb) => session.sftp.stat(file, cb as never));
        if (stats.isDirectory()) throw invalidRequest(`${canonical(target, file)} is a directory: end the URI with "/" (newest file in it) or give a --latest glob`);
      }
      const sidecar = await readSidecar(session, target, file);
      return {
        uri: canonical(target, file),
        sizeBytes: stats.size,
        modifiedAt: new Date(stats.mtime * 1000).toISOString(),
        sha256: sidecar ? { hex: sidecar, from: 'sidecar' } : null,
        details: { path: file, mtime: String(stats.mtime), size: String(stats.size) },
      };
    } finally {
      session.close();
    }
  },

  open(object: SourceObject, request: OpenRequest): Readable {
    const target = parseSftpUri(object.uri);
    const file = object.details?.path ?? target.path;
    let session: Session | undefined;
    const closeSession = () => {
      session?.close();
      session = undefined;
    };
    const stream = resumableStream({
      what: object.uri,
      sizeBytes: object.sizeBytes,
      signal: request.signal,
      async openAt(offset, signal) {
        closeSession();
        session = await connect(target, request.credential, signal);
        const current = session;
        const stats = await sftpCall<Stats>('the file', target, file, (cb) => current.sftp.stat(file, cb as never));
        if (stats.size !== object.sizeBytes || (object.details?.mtime && String(stats.mtime) !== object.details.mtime)) {
          throw new FatalSourceError(`${object.uri} changed since it was located (size ${object.sizeBytes} → ${stats.size}, mtime ${object.details?.mtime ?? '?'} → ${stats.mtime}): it was overwritten; the next attempt locates it again`);
        }
        const body = current.sftp.createReadStream(file, { start: offset, highWaterMark: 256 * 1024 });
        // ssh2's ReadStream emits a late 'error' for reads still pending when the session dies,
        // after the stream was already destroyed: swallow those, the iterator has its own listener.
        body.on('error', () => undefined);
        // A session that dies mid-read must fail the read, not leave it waiting.
        current.client.once('close', () => body.destroy(new Error(`the SFTP connection to ${target.host}:${target.port} closed mid-download`)));
        current.client.on('error', (err) => body.destroy(err));
        return body;
      },
    });
    stream.once('close', closeSession);
    return stream;
  },
};
