/** What the API's sign-in needs at start: session limits, the setup token or first manager, the scrape token. */
import fs from 'node:fs/promises';
import type { Config } from '../../core/config.js';
import { parseDurationSeconds } from '../../core/duration.js';
import type { HistoryDb } from '../../db/client.js';
import { bootstrapFirstManager, type SetupToken } from './bootstrap.js';
import type { SessionLimits } from './sessions.js';

export interface ApiAuth {
  limits: SessionLimits;
  setup: SetupToken;
  secureCookies: boolean;
  metricsToken?: string;
}

export async function prepareApiAuth(db: HistoryDb, config: Pick<Config, 'sessionIdle' | 'sessionMaxAge' | 'dataDir' | 'adminEmail' | 'adminPasswordFile' | 'metricsTokenFile' | 'publicUrl'>, log?: (line: string) => void): Promise<ApiAuth> {
  let metricsToken: string | undefined;
  if (config.metricsTokenFile) {
    metricsToken = (await fs.readFile(config.metricsTokenFile, 'utf8').catch((err: Error) => {
      throw new Error(`RESTORE_DRILL_METRICS_TOKEN_FILE: cannot read ${config.metricsTokenFile} (${err.message})`);
    })).trim();
    if (metricsToken.length < 16) throw new Error('RESTORE_DRILL_METRICS_TOKEN_FILE: the token must have at least 16 characters');
  }
  return {
    limits: { idleMs: parseDurationSeconds(config.sessionIdle) * 1000, maxAgeMs: parseDurationSeconds(config.sessionMaxAge) * 1000 },
    setup: await bootstrapFirstManager(db, { dataDir: config.dataDir, adminEmail: config.adminEmail, adminPasswordFile: config.adminPasswordFile, log }),
    secureCookies: config.publicUrl.startsWith('https://'),
    metricsToken,
  };
}
