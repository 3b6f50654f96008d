/**
 * Worker, CLI and API reach a Temporal server that demands TLS, a client certificate and an API
 * key (a TLS front on loopback in front of the real dev server, as Temporal Cloud or a secured
 * self-hosted cluster would): a drill runs end to end through it, and each missing piece is
 * refused with a message naming it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTemporalAccess } from '../../api/temporal-access.js';
import { PROJECT_ROOT, loadConfig } from '../../core/config.js';
import { temporalConnectionSettings } from '../../core/temporal-connection.js';
import { useDrillTestEnvWithWorkerProcesses, type DrillTestEnv } from '../support/drill-env.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { makeTestPki, startTemporalTlsProxy, TEST_CLIENT_SUBJECT, type TemporalTlsProxy, type TestPki } from '../support/temporal-tls-proxy.js';
import type { WorkerProcesses } from '../../scripts/services/worker-processes.js';

const execFileAsync = promisify(execFile);
const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');
const API_KEY = 'temporal-api-key-for-the-tls-test';

let env: DrillTestEnv;
let workers: WorkerProcesses;
useDrillTestEnvWithWorkerProcesses('temporal_tls', (created, processes) => {
  env = created;
  workers = processes;
});

let pki: TestPki;
let proxy: TemporalTlsProxy;
let secured: NodeJS.ProcessEnv;

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(env.scratchDir, 'temporal-tls-'));
  pki = await makeTestPki(dir);
  proxy = await startTemporalTlsProxy({ upstream: env.temporalAddress, pki, requireClientCert: true, requireApiKey: API_KEY });
  const keyFile = path.join(dir, 'api-key');
  fs.writeFileSync(keyFile, `${API_KEY}\n`, { mode: 0o600 });
  secured = {
    TEMPORAL_ADDRESS: proxy.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
    TEMPORAL_API_KEY_FILE: keyFile,
  };
  workers.start('tls-worker', secured);
});

afterAll(async () => {
  await workers?.stopAll();
  await proxy?.close();
});

async function drill(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [DRILL_BIN, ...args], { env: { ...process.env, RESTORE_DRILL_TASK_QUEUE: env.taskQueue, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('Temporal over mTLS with an API key', () => {
  it('runs a drill whose CLI and worker both connect through TLS, a client certificate and the key', async () => {
    const run = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom), '--json'], secured);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'passed', tableCount: 4, totalRows: 4617 });
    const seen = (method: string) => proxy.requests.filter((r) => r.path.endsWith(`/${method}`));
    for (const method of ['StartWorkflowExecution', 'PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'RespondActivityTaskCompleted']) {
      expect(seen(method).length, method).toBeGreaterThan(0);
      expect(seen(method).every((r) => r.clientCertSubject === TEST_CLIENT_SUBJECT && r.authorization === `Bearer ${API_KEY}`), method).toBe(true);
    }
  });

  it('connects the API the same way', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, secured);
    try {
      const access = await connectTemporalAccess({ ...loadConfig(), taskQueue: env.taskQueue }, proxy.address);
      try {
        expect((await access.client.workflowService.getSystemInfo({})).serverVersion).toMatch(/^\d+\.\d+/);
      } finally {
        await access.close();
      }
    } finally {
      process.env = saved;
    }
  });

  it('refuses a connection without the client certificate, with the wrong key, or trusting another CA', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...noClientCert } = secured;
    const withoutCert = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom)], noClientCert);
    expect(withoutCert).toMatchObject({ code: 2, stderr: expect.stringContaining(`cannot reach Temporal at ${proxy.address}`) });
    expect(withoutCert.stderr).toContain('a TLS handshake failure shows up like this');
    const wrongKeyFile = path.join(env.scratchDir, 'wrong-api-key');
    fs.writeFileSync(wrongKeyFile, 'not-the-key');
    const wrongKey = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom)], { ...secured, TEMPORAL_API_KEY_FILE: wrongKeyFile });
    expect(wrongKey).toMatchObject({ code: 2, stderr: expect.stringMatching(/UNAUTHENTICATED: proxy: wrong API key \(check TEMPORAL_API_KEY_FILE/) });
    const otherCa = await drill(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom)], { ...secured, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.otherCaCert });
    expect(otherCa).toMatchObject({ code: 2, stderr: expect.stringContaining('check TEMPORAL_TLS_SERVER_CA_CERT_PATH') });
  });
});

describe('Temporal connection settings', () => {
  it('are plain by default, and say what is wrong with a half or broken TLS setup', () => {
    expect(temporalConnectionSettings('127.0.0.1:7233', {})).toEqual({ address: '127.0.0.1:7233' });
    expect(temporalConnectionSettings('t:7233', { TEMPORAL_API_KEY: 'k' })).toEqual({ address: 't:7233', tls: {}, apiKey: 'k' });
    expect(temporalConnectionSettings('127.0.0.1:7233', { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toEqual({ address: '127.0.0.1:7233', apiKey: 'k' });
    expect(() => temporalConnectionSettings('t:7233', { TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert })).toThrow('TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together');
    expect(() => temporalConnectionSettings('t:7233', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/nonexistent/ca.pem' })).toThrow('TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read /nonexistent/ca.pem (ENOENT)');
    expect(() => temporalConnectionSettings('t:7233', { TEMPORAL_TLS_SERVER_CA_CERT_PATH: DRILL_BIN })).toThrow('is not a PEM file');
    expect(() => temporalConnectionSettings('t:7233', { TEMPORAL_TLS: 'maybe' })).toThrow('TEMPORAL_TLS must be true or false, got "maybe"');
    expect(() => temporalConnectionSettings('temporal.example.com:7233', { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' })).toThrow('would send the API key unencrypted to temporal.example.com:7233');
    expect(() => temporalConnectionSettings('t:7233', { TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_NAME: 'temporal.test' })).toThrow('TEMPORAL_TLS=false contradicts');
  });
});
