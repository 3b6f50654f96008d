/**
 * A real OpenSSH sshd (internal-sftp) on a free loopback port, run as a child process from a
 * private temp dir: its own ed25519 host key, its own authorized_keys holding a fresh client key,
 * key-only logins as the current OS user. `rotateHostKey()` restarts it with a new host key on
 * the same port (the "host key changed" case).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../../scripts/services/ports.js';

const SSHD = '/usr/sbin/sshd';

export interface SshServer {
  host: string;
  port: number;
  user: string;
  /** The client's private key (OpenSSH format, no passphrase), authorized for `user`. */
  clientPrivateKey: string;
  /** The current host key's fingerprint, "SHA256:…" as `ssh-keygen -lf` prints it. */
  hostFingerprint(): string;
  /** Restarts sshd on the same port with a freshly generated host key. */
  rotateHostKey(): Promise<void>;
  /** A temp dir the tests may use for files served over SFTP (absolute path). */
  dataDir: string;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.pub`, { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
}

function fingerprintOf(publicKeyFile: string): string {
  const line = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile], { encoding: 'utf8' });
  const match = /(SHA256:[A-Za-z0-9+/]+)/.exec(line);
  if (!match?.[1]) throw new Error(`cannot read a fingerprint from "${line.trim()}"`);
  return match[1];
}

function banner(port: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1').startsWith('SSH-2.0') ? true : undefined);
    });
    socket.once('error', () => resolve(undefined));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

export async function startSshd(): Promise<SshServer> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is not installed (Debian: apt-get install openssh-server)`);
  // sshd insists on its privilege-separation directory even when started by hand.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-drill-sshd-'));
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  keygen(hostKey, 'restore-drill-test-host');
  keygen(clientKey, 'restore-drill-test-client');
  fs.copyFileSync(`${clientKey}.pub`, path.join(dir, 'authorized_keys'));
  const port = await freePort();
  const user = os.userInfo().username;
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let log = '';
  const start = async () => {
    const proc = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-8000)));
    await waitFor('sshd', () => banner(port), {
      timeoutMs: 15_000,
      intervalMs: 100,
      abortIf: () => (proc.exitCode !== null ? `exited with ${proc.exitCode}: ${log.trim().split('\n').slice(-3).join(' | ')}` : undefined),
    });
  };
  const stopChild = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };
  await start();

  return {
    host: '127.0.0.1',
    port,
    user,
    dataDir,
    clientPrivateKey: fs.readFileSync(clientKey, 'utf8'),
    hostFingerprint: () => fingerprintOf(`${hostKey}.pub`),
    async rotateHostKey() {
      await stopChild();
      keygen(hostKey, 'restore-drill-test-host-rotated');
      await start();
    },
    async stop() {
      await stopChild();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
