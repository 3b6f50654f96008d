/**
 * `npm run setup` as root: the system accounts sandboxes (one per slot) and the history database
 * run as (activities/sandboxes/accounts.ts). Idempotent; the worker also creates any it misses.
 */
import { ensureAccounts } from '../../activities/sandboxes/accounts.js';
import { loadConfig } from '../../core/config.js';

const accounts = await ensureAccounts(loadConfig().maxSandboxes);
console.log(`setup: accounts: ${accounts.map((a) => `${a.name} (uid ${a.uid})`).join(', ')}`);
