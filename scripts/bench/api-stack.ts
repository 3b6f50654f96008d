/**
 * The services the API suites run against, started the way the tests start them: a Temporal dev
 * server (in memory; createApp needs a client even for reads), the bench history cluster, and the
 * real API (createApp behind @hono/node-server) in this process on a loopback port, over its own
 * history database and a pool the size api/main.ts opens.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prepareApiAuth, type ApiAuth } from '../../api/auth/api-auth.js';
import { createToken } from '../../api/auth/tokens.js';
import { createUser, findUserByEmail } from '../../api/auth/users.js';
import { loadEvidenceSigner } from '../../api/evidence/signing-key.js';
import { startApiServer } from '../../api/server.js';
import { connectTemporalAccess } from '../../api/temporal-access.js';
import { loadConfig, type Config } from '../../core/config.js';
import { openHistoryDatabase, type HistoryDatabase, type HistoryDb } from '../../db/client.js';
import { createVault, generateMasterKeyBase64, keyringOf } from '../../activities/vault/index.js';
import { startHistoryPostgres, type HistoryPostgres } from '../services/history-postgres.js';
import { freePort } from '../services/ports.js';
import { startTemporalServer, type TemporalServer } from '../services/temporal-server.js';
import type { TemporalAccess } from '../../api/deps.js';
import { TASK_QUEUE } from './harness.js';

export interface BenchInfrastructure {
  temporal: TemporalServer;
  history: HistoryPostgres;
  /** Temporal CLI and PostgreSQL versions, for the report's machine line. */
  describe(): string;
  stop(): Promise<void>;
}

export interface BenchApi {
  url: string;
  /** A manager's API token: the API answers nobody else. */
  headers: Record<string, string>;
  /** The API's credential cache, for suites that time the gate on its own. */
  authCache: ApiAuth['cache'];
  history: HistoryDatabase;
  temporal: TemporalAccess;
  close(): Promise<void>;
}

export async function startBenchInfrastructure(benchDir: string): Promise<BenchInfrastructure> {
  const config = loadConfig();
  const [temporal, history] = await Promise.all([
    startTemporalServer({ toolsDir: config.toolsDir, port: await freePort(), uiPort: await freePort(), logFile: path.join(benchDir, 'temporal.log'), namespace: config.temporalNamespace }),
    startHistoryPostgres({ dataDir: benchDir, logFile: path.join(benchDir, 'history-postgres.log'), postgresBinDir: config.postgresBinDir, ignoreDatabaseUrl: true }),
  ]);
  return {
    temporal,
    history,
    describe: () => `history database: ${history.origin.replace(/ in \/.*$/, '')}; ${temporalVersion(temporal)} dev server, in memory`,
    async stop() {
      await Promise.allSettled([history.stop(), temporal.stop()]);
    },
  };
}

function temporalVersion(temporal: TemporalServer): string {
  if (!path.isAbsolute(temporal.origin)) return `Temporal (${temporal.origin})`;
  const banner = execFileSync(temporal.origin, ['--version'], { encoding: 'utf8' }).trim();
  // A CLI built from source reports version 0.0.0-DEV; the server version is the telling part.
  return `Temporal CLI (${banner.match(/\(([^)]*)\)/)?.[1] ?? banner})`;
}

const BENCH_MANAGER = 'bench@restore-drill.invalid';

async function benchAuth(db: HistoryDb, config: Config) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'restore-drill-bench-auth-'));
  return { auth: await prepareApiAuth(db, { ...config, dataDir }, () => {}), evidence: loadEvidenceSigner({ dataDir }) };
}

export async function startBenchApi(infrastructure: BenchInfrastructure, databaseUrl: string, options: { appUrl?: string } = {}): Promise<BenchApi> {
  const config = loadConfig();
  const history = openHistoryDatabase(databaseUrl);
  const temporal = await connectTemporalAccess({ ...config, taskQueue: TASK_QUEUE }, infrastructure.temporal.address);
  const auth = await benchAuth(history.db, config);
  const api = await startApiServer({
    db: history.db,
    temporal,
    links: { appUrl: options.appUrl ?? null, temporalUiUrl: infrastructure.temporal.uiUrl ?? null, namespace: config.temporalNamespace },
    ...auth,
    // The benchmarks store no credentials: a vault with a throwaway key.
    vault: createVault({ db: history.db, keys: keyringOf(generateMasterKeyBase64()), actor: 'bench:api' }),
    host: '127.0.0.1',
    port: 0,
  });
  const manager = (await findUserByEmail(history.db, BENCH_MANAGER)) ?? (await createUser(history.db, { email: BENCH_MANAGER, role: 'manager', createdBy: 'bench' }));
  const { secret } = await createToken(history.db, manager.id, `bench ${process.pid}`, new Date(Date.now() + 86_400_000));
  return {
    url: api.url,
    headers: { authorization: `Bearer ${secret}` },
    authCache: auth.auth.cache,
    history,
    temporal,
    async close() {
      await api.close();
      await temporal.close();
      await history.close();
    },
  };
}
