/**
 * `npm start`: the whole system on embedded defaults. Temporal dev server (SQLite file, Web UI),
 * history PostgreSQL, migrations, the worker (its own process, so a crash in a restore cannot take
 * the API down, restarted with backoff when it dies) and the API. Ctrl-C or SIGTERM stops everything it started, in reverse order.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../core/config.js';
import { migrateHistoryDatabase, openHistoryDatabase } from '../db/client.js';
import { codecEndpointFromEnv } from '../api/codec-endpoint.js';
import { decodeOnlyToken } from '../api/middleware/codec-auth.js';
import { prepareApiAuth } from '../api/auth/api-auth.js';
import { loadEvidenceSigner } from '../api/evidence/signing-key.js';
import { ensureWebAppBuilt } from './services/web-app-build.js';
import { startApiServer } from '../api/server.js';
import { connectTemporalAccess } from '../api/temporal-access.js';
import { createVault, loadMasterKeys, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV } from '../activities/vault/index.js';
import { startHistoryPostgres } from './services/history-postgres.js';
import { startTemporalServer } from './services/temporal-server.js';
import { supervise } from './services/supervisor.js';
import { parseDurationSeconds } from '../core/duration.js';

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
    // The UI gives this URL to every browser that opens it: its token only decodes.
    uiCodecEndpoint: `http://${config.apiHost}:${config.apiPort}/codec/${decodeOnlyToken(codec.token)}`,
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

  const workerEnv = {
    ...process.env,
    ...developmentMasterKey(),
    TEMPORAL_ADDRESS: temporal.address,
    DATABASE_URL: history.url,
    ...(temporal.uiUrl && !process.env.RESTORE_DRILL_TEMPORAL_UI_URL ? { RESTORE_DRILL_TEMPORAL_UI_URL: temporal.uiUrl } : {}),
  };
  // Its own process, restarted with backoff when it dies; stopping gives it its drain grace first.
  const worker = supervise('worker', () => spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], { env: workerEnv, stdio: 'inherit' }), {
    stopGraceMs: parseDurationSeconds(config.shutdownGrace) * 1000 + 30_000,
    log: (message) => console.error(message),
  });
  stops.push(() => worker.stop());

  // Plan writes hold a connection while Temporal applies their schedule: room for them and for reads.
  const db = openHistoryDatabase(history.url, { max: 10 });
  stops.push(db.close);
  const temporalAccess = await connectTemporalAccess(config, temporal.address);
  stops.push(temporalAccess.close);
  // One vault: OIDC reads its client secret from it, managers add and remove credentials through /api/vault.
  const vault = createVault({ db: db.db, keys: loadMasterKeys({ ...process.env, ...developmentMasterKey() }), actor: 'api' });
  const api = await startApiServer({
    db: db.db,
    temporal: temporalAccess,
    links: { appUrl: config.publicUrl, temporalUiUrl: temporal.uiUrl ?? config.temporalUiUrl, namespace: config.temporalNamespace },
    codec,
    allowedHosts: config.allowedHosts,
    auth: await prepareApiAuth(db.db, config, undefined, vault),
    vault,
    evidence: loadEvidenceSigner(config),
    webAppDir: await ensureWebAppBuilt(),
    host: config.apiHost,
    port: config.apiPort,
  });
  stops.push(api.close);

  console.log(`
Restore Drill is running.
  Web app          ${api.url}/   (sign in there; docs/ui.md)
  API              ${api.url}   (OpenAPI: ${api.url}/api/openapi.json; metrics: ${api.url}/metrics)
  Temporal Web UI  ${temporal.uiUrl ?? '(external server: see its own UI)'}
  Temporal         ${temporal.address}, task queue "${config.taskQueue}"

Try:  npx drill run --engine postgres --file /path/to/backup.dump
      npx drill plan create --name nightly-app --engine postgres --backup '/backups/app-*.dump' --daily 03:00
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
