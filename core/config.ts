/**
 * Runtime configuration, read from the environment once per process. Every value has a default
 * that works on a developer machine with `npm start`, so nothing needs configuring to try it out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDurationSeconds } from './duration.js';
import { cronProblem, isTimeZone } from './schedule.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Config {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** Unset: `npm start` runs an embedded PostgreSQL for history. */
  databaseUrl: string | undefined;
  apiHost: string;
  apiPort: number;
  /** Where the embedded services keep their state (Temporal SQLite file, history cluster, logs). */
  dataDir: string;
  /** Where `scripts/setup.sh` builds tools (the Temporal CLI). */
  toolsDir: string;
  /** Bin directories (PATH-style list) of PostgreSQL installations sandboxes may use first. */
  postgresBinDir: string | undefined;
  /** Whether a worker installs a pinned PostgreSQL major the first time a dump needs it. */
  postgresInstallOnNeed: boolean;
  /** Parent directory of local sandboxes; the OS temp dir when unset. */
  sandboxRootDir: string | undefined;
  /** How many sandboxes one worker host runs at once; more drills wait in the queue. */
  maxSandboxes: number;
  /** How long repeated losses of the worker running a restore (killed, hung) are retried before the drill ends as `error`. */
  lostWorkerBudget: string;
  /** RESTORE_DRILL_JAIL: `auto` jails sandbox processes with bubblewrap where it works, `required` refuses to run without, `off` never does. */
  jail: 'auto' | 'required' | 'off';
  /** How long a worker asked to stop (SIGTERM) lets running activities finish before cancelling them. */
  shutdownGrace: string;
  /** Names this worker host's task queue; the host name when unset. */
  workerId: string | undefined;
  /** Base URL people reach Restore Drill at, for links in alerts. */
  publicUrl: string;
  /** Base URL of the Temporal Web UI, for links in alerts. */
  temporalUiUrl: string | null;
  /** Host names the API answers to beyond loopback and the public URL's (DNS rebinding guard). */
  allowedHosts: string[];
  /** How often the watchdog checks for overdue plans and breached RPOs. */
  watchdogEvery: string;
  digestCron: string;
  digestTimeZone: string;
  /** A session ends after this long without a request. */
  sessionIdle: string;
  /** A session ends this long after sign-in, however busy. */
  sessionMaxAge: string;
  /** The first manager, created at the API's first start when no user exists yet. */
  adminEmail: string | undefined;
  /** A file holding that manager's password (never the password itself in the environment). */
  adminPasswordFile: string | undefined;
  /** A file holding the token Prometheus sends to /metrics (Authorization: Bearer …). */
  metricsTokenFile: string | undefined;
  /** Sign-in through an OpenID Provider; null when RESTORE_DRILL_OIDC_ISSUER is unset. */
  oidc: OidcConfig | null;
  /** RESTORE_DRILL_SSO_ONLY: password sign-in is refused; people sign in through the OpenID Provider. */
  ssoOnly: boolean;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Vault name of the `oidc-client` credential holding the client secret. */
  clientSecretCredential: string;
  scopes: string;
  /** A claim and a value in it that make someone a manager ("groups=restore-drill-managers"); null: roles are managed here. */
  managerClaim: { claim: string; value: string } | null;
  /** Whether someone the provider vouches for, without an account here yet, gets one (role user, or manager by the claim). */
  createUsers: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const apiPort = Number(env.PORT ?? 8080);
  if (!Number.isInteger(apiPort) || apiPort <= 0 || apiPort > 65535) {
    throw new Error(`PORT must be a TCP port number, got "${env.PORT}"`);
  }
  return {
    temporalAddress: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    temporalNamespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.RESTORE_DRILL_TASK_QUEUE ?? 'restore-drill',
    databaseUrl: env.DATABASE_URL || undefined,
    apiHost: env.HOST ?? '127.0.0.1',
    apiPort,
    dataDir: path.resolve(env.RESTORE_DRILL_DATA_DIR ?? path.join(PROJECT_ROOT, '.data')),
    toolsDir: path.resolve(env.RESTORE_DRILL_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools')),
    postgresBinDir: env.RESTORE_DRILL_PG_BIN || undefined,
    postgresInstallOnNeed: !/^(0|false|no|off)$/i.test(env.RESTORE_DRILL_PG_AUTO_INSTALL ?? ''),
    sandboxRootDir: env.RESTORE_DRILL_SANDBOX_DIR || undefined,
    maxSandboxes: checkedCount('RESTORE_DRILL_MAX_SANDBOXES', env.RESTORE_DRILL_MAX_SANDBOXES ?? '8', 64),
    lostWorkerBudget: checkedDuration('RESTORE_DRILL_LOST_WORKER_BUDGET', env.RESTORE_DRILL_LOST_WORKER_BUDGET ?? '1h'),
    jail: checkedJailMode(env.RESTORE_DRILL_JAIL ?? 'auto'),
    shutdownGrace: checkedDuration('RESTORE_DRILL_SHUTDOWN_GRACE', env.RESTORE_DRILL_SHUTDOWN_GRACE ?? '2m'),
    workerId: env.RESTORE_DRILL_WORKER_ID || undefined,
    publicUrl: (env.RESTORE_DRILL_PUBLIC_URL || `http://${env.HOST ?? '127.0.0.1'}:${apiPort}`).replace(/\/+$/, ''),
    temporalUiUrl: env.RESTORE_DRILL_TEMPORAL_UI_URL === '' ? null : (env.RESTORE_DRILL_TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_UI_PORT ?? 8233}`).replace(/\/+$/, ''),
    allowedHosts: (env.RESTORE_DRILL_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    watchdogEvery: checkedDuration('RESTORE_DRILL_WATCHDOG_INTERVAL', env.RESTORE_DRILL_WATCHDOG_INTERVAL ?? '5m'),
    digestCron: checkedCron('RESTORE_DRILL_DIGEST_CRON', env.RESTORE_DRILL_DIGEST_CRON ?? '0 8 * * 1'),
    digestTimeZone: checkedTimeZone('RESTORE_DRILL_DIGEST_TIME_ZONE', env.RESTORE_DRILL_DIGEST_TIME_ZONE ?? 'UTC'),
    sessionIdle: checkedDuration('RESTORE_DRILL_SESSION_IDLE', env.RESTORE_DRILL_SESSION_IDLE ?? '12h'),
    sessionMaxAge: checkedDuration('RESTORE_DRILL_SESSION_MAX_AGE', env.RESTORE_DRILL_SESSION_MAX_AGE ?? '7d'),
    adminEmail: env.RESTORE_DRILL_ADMIN_EMAIL || undefined,
    adminPasswordFile: env.RESTORE_DRILL_ADMIN_PASSWORD_FILE || undefined,
    metricsTokenFile: env.RESTORE_DRILL_METRICS_TOKEN_FILE || undefined,
    oidc: checkedOidc(env),
    ssoOnly: checkedSsoOnly(env),
  };
}

const TRUE = /^(1|true|yes|on)$/i;

function checkedOidc(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = env.RESTORE_DRILL_OIDC_ISSUER?.trim();
  if (!issuer) return null;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new Error(`RESTORE_DRILL_OIDC_ISSUER must be the provider's issuer URL (https://…), got "${issuer}"`);
  }
  // Plain http only to a provider on this machine (a development provider): tokens cross the wire.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new Error(`RESTORE_DRILL_OIDC_ISSUER must use https (plain http is accepted for a provider on loopback only), got "${issuer}"`);
  }
  const clientId = env.RESTORE_DRILL_OIDC_CLIENT_ID?.trim();
  const clientSecretCredential = env.RESTORE_DRILL_OIDC_CLIENT_SECRET_CREDENTIAL?.trim();
  if (!clientId) throw new Error('RESTORE_DRILL_OIDC_CLIENT_ID is required with RESTORE_DRILL_OIDC_ISSUER');
  if (!clientSecretCredential) {
    throw new Error('RESTORE_DRILL_OIDC_CLIENT_SECRET_CREDENTIAL is required with RESTORE_DRILL_OIDC_ISSUER: the vault name of an oidc-client credential (`drill vault add --kind oidc-client --name NAME --from-file FILE`)');
  }
  const mapping = env.RESTORE_DRILL_OIDC_MANAGER_CLAIM?.trim();
  let managerClaim: OidcConfig['managerClaim'] = null;
  if (mapping) {
    const match = mapping.match(/^([A-Za-z0-9_:.\/-]+)=(.+)$/);
    if (!match) throw new Error(`RESTORE_DRILL_OIDC_MANAGER_CLAIM must be CLAIM=VALUE (e.g. groups=restore-drill-managers), got "${mapping}"`);
    managerClaim = { claim: match[1]!, value: match[2]! };
  }
  const scopes = env.RESTORE_DRILL_OIDC_SCOPES?.trim() || ['openid', 'email', 'profile', ...(managerClaim?.claim === 'groups' ? ['groups'] : [])].join(' ');
  if (!scopes.split(/\s+/).includes('openid')) throw new Error(`RESTORE_DRILL_OIDC_SCOPES must include openid, got "${scopes}"`);
  return { issuer: issuer.replace(/\/+$/, ''), clientId, clientSecretCredential, scopes, managerClaim, createUsers: TRUE.test(env.RESTORE_DRILL_OIDC_CREATE_USERS ?? '') };
}

function checkedSsoOnly(env: NodeJS.ProcessEnv): boolean {
  const ssoOnly = TRUE.test(env.RESTORE_DRILL_SSO_ONLY ?? '');
  if (ssoOnly && !env.RESTORE_DRILL_OIDC_ISSUER?.trim()) throw new Error('RESTORE_DRILL_SSO_ONLY needs an OpenID Provider (RESTORE_DRILL_OIDC_ISSUER): without one nobody could sign in');
  return ssoOnly;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function checkedDuration(variable: string, value: string): string {
  try {
    parseDurationSeconds(value);
  } catch (err) {
    throw new Error(`${variable}: ${(err as Error).message}`);
  }
  return value;
}

function checkedCount(variable: string, value: string, max: number): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || count < 1 || count > max) throw new Error(`${variable} must be a whole number from 1 to ${max}, got "${value}"`);
  return count;
}

function checkedCron(variable: string, value: string): string {
  const problem = cronProblem(value);
  if (problem) throw new Error(`${variable}: ${problem}`);
  return value;
}

function checkedTimeZone(variable: string, value: string): string {
  if (!isTimeZone(value)) throw new Error(`${variable}: "${value}" is not an IANA time zone such as "UTC" or "Europe/Paris"`);
  return value;
}

/** The API base URL the CLI talks to; `npm start` writes nothing, so the default must match PORT's. */
export function apiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RESTORE_DRILL_API) return env.RESTORE_DRILL_API.replace(/\/+$/, '');
  const config = loadConfig(env);
  return `http://${config.apiHost}:${config.apiPort}`;
}

function checkedJailMode(value: string): Config['jail'] {
  if (value === 'auto' || value === 'required' || value === 'off') return value;
  throw new Error(`RESTORE_DRILL_JAIL must be auto, required or off, got "${value}"`);
}
