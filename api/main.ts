/** The API process on its own (`npm run api`); `npm start` runs it alongside everything else. */
import { loadConfig } from '../core/config.js';
import { createVault, loadMasterKeys } from '../activities/vault/index.js';
import { migrateHistoryDatabase, openHistoryDatabase } from '../db/client.js';
import { codecEndpointFromEnv } from './codec-endpoint.js';
import { prepareApiAuth } from './auth/api-auth.js';
import { loadEvidenceSigner } from './evidence/signing-key.js';
import { WEB_APP_DIR } from './routes/web-app.js';
import { startApiServer } from './server.js';
import { connectTemporalAccess } from './temporal-access.js';

const config = loadConfig();
if (!config.databaseUrl) {
  console.error('api: DATABASE_URL is not set. `npm start` provides an embedded history database; set it to run the API on its own.');
  process.exit(2);
}
await migrateHistoryDatabase(config.databaseUrl);
// Plan writes hold a connection while Temporal applies their schedule: room for them and for reads.
const history = openHistoryDatabase(config.databaseUrl, { max: 10 });
const temporal = await connectTemporalAccess(config);
// One vault: OIDC reads its client secret from it, managers add and remove credentials through /api/vault.
const vault = createVault({ db: history.db, keys: loadMasterKeys(process.env), actor: 'api' });
const api = await startApiServer({
  db: history.db,
  temporal,
  links: { appUrl: config.publicUrl, temporalUiUrl: config.temporalUiUrl, namespace: config.temporalNamespace },
  codec: codecEndpointFromEnv(),
  allowedHosts: config.allowedHosts,
  auth: await prepareApiAuth(history.db, config, undefined, vault),
  vault,
  evidence: loadEvidenceSigner(config),
  webAppDir: WEB_APP_DIR,
  host: config.apiHost,
  port: config.apiPort,
});
console.log(`api: listening on ${api.url}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await api.close();
    await temporal.close();
    await history.close();
  });
}
