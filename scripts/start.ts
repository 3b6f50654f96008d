/**
 * `npm start`: the whole system on embedded defaults. Temporal dev server (SQLite file, Web UI),
 * history PostgreSQL, migrations, the worker (its own process, so a crash in a restore cannot take
 * the API down) and the API. Ctrl-C or SIGTERM stops everything it started, in reverse order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../core/config.js';
import { migrateHistoryDatabase, openHistoryDatabase } from '../db/client.js';
import { codecEndpointFromEnv } from '../api/codec-endpoint.js';
import { startApiServer } from '../api/server.js';
import { loadMasterKeys, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV } from '../activities/vault/index.js';
import { startHistoryPostgres } from './services/history-postgres.js';
import { startTemporalServer } from './services/temporal-server.js';

const TEMPORAL_PORT = Number(process.env.TEMPORAL_PORT ?? 7233);
const TEMPORAL_UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);

const config = loadConfig();
const stops: Array<() => Promise<void>> = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping…');
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(`  ${(err as Error).message}`));
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll(0));

try {
  const codec = codecEndpointFromEnv();
  const temporal = await startTemporalServer({
    // The Web UI decodes the encrypted payloads through the API's codec endpoint.
    uiCodecEndpoint: `http://${config.apiHost}:${config.apiPort}/codec/${codec.token}`,
    toolsDir: config.toolsDir,
    dbFile: path.join(config.dataDir, 'temporal.db'),
    port: TEMPORAL_PORT,
    uiPort: TEMPORAL_UI_PORT,
    logFile: path.join(config.dataDir, 'logs', 'temporal.log'),
    namespace: config.temporalNamespace,
  });
  stops.push(temporal.stop);
  console.log(`temporal  ${temporal.address} (${temporal.origin})`);

  const history = await startHistoryPostgres({ dataDir: config.dataDir, logFile: path.join(config.dataDir, 'logs', 'history-postgres.log'), postgresBinDir: config.postgresBinDir });
  stops.push(history.stop);
  await migrateHistoryDatabase(history.url);
  console.log(`history   ${history.origin}`);

  const worker = startWorkerProcess({ ...process.env, ...developmentMasterKey(), TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: history.url });
  stops.push(() => stopChild(worker));

  const db = openHistoryDatabase(history.url);
  stops.push(db.close);
  const api = await startApiServer({ db: db.db, host: config.apiHost, port: config.apiPort, codec });
  stops.push(api.close);

  console.log(`
Restore Drill is running.
  API              ${api.url}   (GET /api/drills, /healthz; Temporal codec endpoint ${api.url}/codec)
  Temporal Web UI  ${temporal.uiUrl ?? '(external server: see its own UI)'}
  Temporal         ${temporal.address}, task queue "${config.taskQueue}"

Try:  npx drill run --engine postgres --file /path/to/backup.dump
Stop: Ctrl-C`);
} catch (err) {
  console.error(`start failed: ${(err as Error).message}`);
  await stopAll(1);
}

/**
 * With no vault master key configured, the embedded setup uses a development key in the data dir:
 * the same file `drill vault` uses when it finds the embedded database.
 */
function developmentMasterKey(): NodeJS.ProcessEnv {
  if (process.env[MASTER_KEY_ENV] || process.env[MASTER_KEY_FILE_ENV]) return {};
  const devKeyFile = path.join(config.dataDir, 'master.key');
  loadMasterKeys(process.env, { devKeyFile });
  return { [MASTER_KEY_FILE_ENV]: devKeyFile };
}

function startWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], { env, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`worker exited unexpectedly (${signal ?? `code ${code}`}); stopping`);
      void stopAll(1);
    }
  });
  return child;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
