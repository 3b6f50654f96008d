/**
 * A real moto server (S3, Secrets Manager, STS…) on a free loopback port, from the project's
 * virtualenv (`npm run setup` installs it). Each caller gets its own server, so tests can break
 * it (stop it, reset it) without disturbing other files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/config.js';
import { freePort, waitFor } from '../../scripts/services/ports.js';

export interface MotoServer {
  endpoint: string;
  /** Fake but well-formed keys moto accepts; region us-east-1. */
  env: { AWS_ENDPOINT_URL: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_REGION: string };
  stop(): Promise<void>;
}

export async function startMoto(): Promise<MotoServer> {
  const binary = path.join(loadConfig().toolsDir, 'venv', 'bin', 'moto_server');
  if (!fs.existsSync(binary)) throw new Error(`moto is not installed at ${binary}: run \`npm run setup\``);
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor('moto server', async () => {
    const response = await fetch(`${endpoint}/moto-api/`).catch(() => undefined);
    return response?.ok ? true : undefined;
  }, { timeoutMs: 30_000, abortIf: () => (child.exitCode !== null ? `exited with ${child.exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : undefined) });
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
