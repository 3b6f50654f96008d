/**
 * Starts the real services every integration test shares: a Temporal dev server (in memory) and a
 * PostgreSQL cluster for history, builds the workflow bundle once, and dumps the fixtures.
 * Each test file then gets its own history database, task queue and sandbox directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../core/config.js';
import { startHistoryPostgres } from '../../scripts/services/history-postgres.js';
import { freePort } from '../../scripts/services/ports.js';
import { startTemporalServer } from '../../scripts/services/temporal-server.js';
import { ensureSearchAttributes } from '../../worker/search-attributes.js';
import { bundleDrillWorkflows } from '../../worker/worker.js';
import { unmountSandboxesUnder } from '../../activities/sandboxes/noexec-mount.js';
import { makeFixtures } from './fixtures.js';
import { makeMongoFixtures } from './mongo-fixtures.js';
import { makeMysqlFixtures } from './mysql-fixtures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    historyAdminUrl: string;
    workflowBundlePath: string;
    fixturesDir: string;
    scratchDir: string;
  }
}

export default async function setup(project: TestProject) {
  const config = loadConfig();
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-drill-test-'));
  fs.chmodSync(scratchDir, 0o755);
  const started = Date.now();

  const [temporal, history, bundle] = await Promise.all([
    startTemporalServer({ toolsDir: config.toolsDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(scratchDir, 'temporal.log'), namespace: config.temporalNamespace }),
    startHistoryPostgres({ dataDir: scratchDir, logFile: path.join(scratchDir, 'history-postgres.log'), postgresBinDir: config.postgresBinDir, ignoreDatabaseUrl: true }),
    bundleDrillWorkflows(),
  ]);
  const connection = await Connection.connect({ address: temporal.address });
  await ensureSearchAttributes(connection, config.temporalNamespace);
  await connection.close();

  const workflowBundlePath = path.join(scratchDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);
  const fixturesDir = path.join(scratchDir, 'fixtures');
  await makeFixtures(history.url.replace(/\/[^/]*$/, '/postgres'), fixturesDir);
  await makeMysqlFixtures(fixturesDir, scratchDir);
  await makeMongoFixtures(fixturesDir, scratchDir);
  console.log(`test services up in ${((Date.now() - started) / 1000).toFixed(1)}s: Temporal ${temporal.address} (${temporal.origin}), ${history.origin}`);

  project.provide('temporalAddress', temporal.address);
  project.provide('historyAdminUrl', history.url.replace(/\/[^/]*$/, '/postgres'));
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('fixturesDir', fixturesDir);
  project.provide('scratchDir', scratchDir);

  return async () => {
    await Promise.allSettled([temporal.stop(), history.stop()]);
    // A drill still running when its test file ended leaves its sandbox mounted (noexec, as root).
    await unmountSandboxesUnder(scratchDir);
    fs.rmSync(scratchDir, { recursive: true, force: true });
  };
}
