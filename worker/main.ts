/**
 * The worker process: `npm run worker`, or started by `npm start`. Runs drills from the task queue
 * until SIGINT/SIGTERM, then finishes in-flight work (Temporal reschedules whatever it cannot).
 */
import { loadConfig } from '../core/config.js';
import { openHistoryDatabase } from '../db/client.js';
import { createDrillWorker } from './worker.js';

const config = loadConfig();
if (!config.databaseUrl) {
  console.error('worker: DATABASE_URL is not set. `npm start` sets it for the embedded history database; set it to run the worker on its own.');
  process.exit(2);
}
const history = openHistoryDatabase(config.databaseUrl);
const worker = await createDrillWorker({
  address: config.temporalAddress,
  namespace: config.temporalNamespace,
  taskQueue: config.taskQueue,
  db: history.db,
  workerId: config.workerId,
  sandboxRootDir: config.sandboxRootDir,
  // SIGTERM drains: a restore or teardown under way gets this long to finish before it is cancelled.
  shutdownGraceTime: config.shutdownGrace,
  links: { appUrl: config.publicUrl, temporalUiUrl: config.temporalUiUrl, namespace: config.temporalNamespace },
  systemSchedules: { watchdogEvery: config.watchdogEvery, digestCron: config.digestCron, digestTimeZone: config.digestTimeZone },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
console.log(`worker: polling ${config.taskQueue} and ${worker.hostTaskQueue} on ${config.temporalAddress}`);
try {
  await worker.run();
} finally {
  await history.close();
}
