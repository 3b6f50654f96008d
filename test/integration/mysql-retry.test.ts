/**
 * A retried MySQL/MariaDB restore starts from empty databases on the server its lost attempt used,
 * and a client that attempt left connected (its worker hung, not dead) cannot write into them.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { RestoreRequest } from '../../activities/engines/engine.js';
import { findMysqlBinaries } from '../../activities/engines/mysql/binaries.js';
import { mysqlEngine } from '../../activities/engines/mysql/index.js';
import { clientArgs } from '../../activities/engines/mysql/server.js';
import { configuredMysqlServers } from '../../activities/engines/mysql/servers.js';
import { localContent } from '../../activities/backup-content.js';
import { createLocalSandbox, removeLocalSandbox } from '../../activities/sandboxes/local.js';
import type { SandboxHandle } from '../../core/drill.js';
import { sandboxLeftovers } from '../support/drill-env.js';
import { MYSQL_FIXTURE_FILES, MYSQL_FIXTURE_TABLES } from '../support/mysql-fixtures.js';

const engine = mysqlEngine({ servers: configuredMysqlServers() });
let root: string;
let sandbox: SandboxHandle;

beforeAll(async () => {
  root = path.join(inject('scratchDir'), `mysql-retry-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(root, { mode: 0o755 });
  sandbox = await createLocalSandbox(`mysql-retry-${randomBytes(3).toString('hex')}`, 'mysql', { hostTaskQueue: 'test', rootDir: root });
});
afterAll(async () => {
  await engine.stopServer(sandbox);
  await removeLocalSandbox(sandbox);
  expect(sandboxLeftovers(root)).toEqual([]);
});

function restoreRequest(isRetry: boolean): RestoreRequest {
  const file = path.join(inject('fixturesDir'), MYSQL_FIXTURE_FILES.plain);
  const size = fs.statSync(file).size;
  return {
    sandbox,
    backup: { path: file, uri: `file://${file}`, sizeBytes: size, modifiedAt: new Date().toISOString(), sha256: null, sidecarVerified: false },
    content: localContent(file, size, false),
    requestedFormat: 'auto',
    declaredVersion: undefined,
    allowedErrors: [],
    isRetry,
    signal: new AbortController().signal,
    onProgress: () => {},
  };
}

it('a retry disconnects the lost attempt\'s client before it restores, so nothing of that attempt lands', async () => {
  await engine.restore(restoreRequest(false));
  // The lost attempt's client, still connected and about to send more of its dump.
  const bins = findMysqlBinaries();
  const straggler = spawn(bins.client, [...clientArgs(sandbox), '--database=shop'], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stragglerErrors = '';
  straggler.stderr.on('data', (chunk: Buffer) => (stragglerErrors += chunk.toString()));
  straggler.stdin.write('SELECT 1;\n');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(straggler.exitCode).toBeNull();

  const retried = await engine.restore(restoreRequest(true));
  expect(retried.checks.every((check) => check.passed)).toBe(true);
  // What the straggler sends now goes nowhere: its connection is gone.
  const exited = new Promise<number | null>((resolve) => straggler.once('exit', (code) => resolve(code)));
  straggler.stdin.end("INSERT INTO customers (id, name) VALUES (999999, 'from the lost attempt');\n");
  expect(await exited).not.toBe(0);
  expect(stragglerErrors).toMatch(/server has gone away|Lost connection|ERROR 2006|ERROR 2013/);
  const tables = await engine.inspect({ sandbox, signal: new AbortController().signal, onTableCounted: () => {} });
  expect(Object.fromEntries(tables.map((t) => [`${t.database}.${t.name}`, t.rows]))).toEqual(MYSQL_FIXTURE_TABLES);
});
