/**
 * Brings up the Temporal server drills run on. In order: TEMPORAL_ADDRESS (an existing server,
 * nothing started); a server already answering on the requested port; `temporal` on PATH or in
 * the project's tools folder, run as `temporal server start-dev` with a SQLite file and the Web UI;
 * else the SDK's own downloaded dev server (needs internet).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalConnectionSettings } from '../../core/temporal-connection.js';
import { isPortFree, waitFor } from './ports.js';

const READY_TIMEOUT_MS = 90_000;

export interface TemporalServer {
  address: string;
  uiUrl: string | undefined;
  /** How the server was found, for the start-up banner. */
  origin: string;
  stop(): Promise<void>;
}

export interface TemporalServerOptions {
  toolsDir: string;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  port: number;
  uiPort: number;
  logFile: string;
  namespace: string;
  /** Remote codec the Web UI decodes payloads with (the API's /codec endpoint). */
  uiCodecEndpoint?: string;
}

export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  if (process.env.TEMPORAL_ADDRESS) {
    await waitUntilServing(process.env.TEMPORAL_ADDRESS, 15_000, undefined, true);
    return { address: process.env.TEMPORAL_ADDRESS, uiUrl: undefined, origin: 'TEMPORAL_ADDRESS', stop: async () => {} };
  }
  const address = `127.0.0.1:${options.port}`;
  if (!(await isPortFree(options.port))) {
    await waitUntilServing(address, 5_000).catch(() => {
      throw new Error(`port ${options.port} is taken by something that is not a Temporal server: free it, or set TEMPORAL_ADDRESS`);
    });
    return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, origin: `already running on ${address}`, stop: async () => {} };
  }
  const binary = findTemporalCli(options.toolsDir);
  if (!binary) return startSdkDevServer(options);

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--ui-port', String(options.uiPort), '--namespace', options.namespace, '--log-level', 'warn'];
  // The codec URL carries a token: it goes in a private env file, never on the command line,
  // where every account on the host could read it (ps, /proc/<pid>/cmdline).
  if (options.uiCodecEndpoint) args.push('--env-file', writeCliEnvFile(path.dirname(options.logFile), { 'ui-codec-endpoint': options.uiCodecEndpoint }), '--env', CLI_ENV_NAME);
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `temporal exited (${signal ?? `code ${code}`}); see ${options.logFile}`;
  });
  await waitUntilServing(address, READY_TIMEOUT_MS, () => exited).catch(async (err) => {
    await stopChild(child);
    throw err;
  });
  return { address, uiUrl: `http://127.0.0.1:${options.uiPort}`, origin: binary, stop: () => stopChild(child) };
}

export const CLI_ENV_NAME = 'restore-drill';

/** A `temporal` CLI environment file (YAML; JSON strings are valid YAML scalars), mode 0600. */
export function writeCliEnvFile(dir: string, flags: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'temporal-cli-env.yaml');
  const body = `env:\n  ${CLI_ENV_NAME}:\n${Object.entries(flags).map(([flag, value]) => `    ${flag}: ${JSON.stringify(value)}\n`).join('')}`;
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, body, { mode: 0o600, flag: 'wx' });
  return file;
}

export function findTemporalCli(toolsDir: string): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), path.join(toolsDir, 'bin')].map((dir) => path.join(dir, 'temporal'));
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function startSdkDevServer(options: TemporalServerOptions): Promise<TemporalServer> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: { ip: '127.0.0.1', port: options.port, ui: true, uiPort: options.uiPort, dbFilename: options.dbFile, namespace: options.namespace, extraArgs: ['--log-level', 'warn'] },
  });
  return { address: env.address, uiUrl: `http://127.0.0.1:${options.uiPort}`, origin: 'the Temporal SDK download', stop: () => env.teardown() };
}

/** `secured`: an operator's server, reached with the TLS and API key settings; the dev server started here is plain. */
async function waitUntilServing(address: string, timeoutMs: number, abortIf?: () => string | undefined, secured = false): Promise<void> {
  await waitFor(
    `Temporal server at ${address}`,
    async () => {
      const connection = await Connection.connect({ ...(secured ? temporalConnectionSettings(address) : { address }), connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    },
    { timeoutMs, intervalMs: 250, abortIf },
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
