/**
 * What this host's local sandboxes can run and how they are set up: the rows of `drill engines`
 * and the host part of `drill doctor`. Reads this host only.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { configuredPostgresInstallations } from '../activities/engines/postgres/installations.js';
import { findMongoBinaries } from '../activities/engines/mongodb/binaries.js';
import { findMysqlBinaries } from '../activities/engines/mysql/binaries.js';
import { configuredMysqlServers, pinnedMariadbSeries } from '../activities/engines/mysql/servers.js';
import { jailStatus } from '../activities/sandboxes/jail.js';
import { HISTORY_ACCOUNT_NAME, TEMPLATE_ACCOUNT_NAME, lookupAccount, runsAsRoot, SANDBOX_ACCOUNT_PREFIX, sandboxSlotAccount, workerAccount } from '../activities/sandboxes/accounts.js';
import { defaultSandboxRoot, isTmpfs } from '../activities/sandboxes/local.js';
import { claimedSlots } from '../activities/sandboxes/slots.js';
import { loadConfig } from '../core/config.js';

const execFileAsync = promisify(execFile);

export interface EngineRow {
  engine: string;
  version: string;
  status: 'installed' | 'installable' | 'missing';
  where: string;
}

export async function engineRows(): Promise<EngineRow[]> {
  const installations = configuredPostgresInstallations();
  const installed = await installations.list();
  const rows: EngineRow[] = installed.map((install) => ({ engine: 'postgres', version: install.version, status: 'installed', where: `${install.binDir} (${install.origin})` }));
  for (const build of installations.pinnedBuilds()) {
    if (!installed.some((install) => install.major === build.major)) rows.push({ engine: 'postgres', version: build.version, status: 'installable', where: `drill engines install ${build.major}` });
  }
  rows.sort((a, b) => Number.parseFloat(b.version) - Number.parseFloat(a.version));
  rows.push(await toolRow('mysql', () => findMysqlBinaries().server, (banner) => banner.match(/Ver\s+(\S+)/)?.[1]));
  rows.push(...mariadbBuildRows());
  rows.push(
    await toolRow('mongodb', () => findMongoBinaries().server.path, (banner, server) => {
      const version = banner.match(/v(\d+\.\d+\.\d+)/)?.[1];
      return version && (server.endsWith('ferretdb') ? `FerretDB ${version} (MongoDB-wire, see docs/engines.md)` : `mongod ${version}`);
    }),
  );
  rows.push(await jailRow(), await accountsRow(), await slotsRow());
  return rows;
}

/** The tools folder's MariaDB builds (for MySQL 8 dumps), and the pinned ones not installed yet. */
function mariadbBuildRows(): EngineRow[] {
  const installed = configuredMysqlServers().list().filter((build) => build.origin === 'tools folder');
  const rows: EngineRow[] = installed.map((build) => ({ engine: 'mysql', version: `${build.version}-MariaDB`, status: 'installed', where: `${build.baseDir} (tools folder)` }));
  for (const series of pinnedMariadbSeries()) {
    if (!installed.some((build) => build.version.startsWith(`${series}.`))) rows.push({ engine: 'mysql', version: `MariaDB ${series}`, status: 'installable', where: `RESTORE_DRILL_MARIADB_SERIES=${series} npm run setup` });
  }
  return rows;
}

/** Whether sandbox processes run jailed here: the line an operator checks first (docs/security.md). */
async function jailRow(): Promise<EngineRow> {
  const status = await jailStatus(await sandboxSlotAccount(1));
  return status.jailed
    ? { engine: 'jail', version: status.detail, status: 'installed', where: 'sandbox servers and restore tools run in bubblewrap (no network, private /proc and files)' }
    : { engine: 'jail', version: '-', status: 'missing', where: `NOT ISOLATED: ${status.detail}` };
}

async function toolRow(engine: string, locate: () => string, versionOf: (banner: string, server: string) => string | undefined): Promise<EngineRow> {
  try {
    const server = locate();
    const { stdout } = await execFileAsync(server, ['--version']);
    return { engine, version: versionOf(stdout, server) ?? stdout.split('\n')[0]!.trim(), status: 'installed', where: server };
  } catch (err) {
    return { engine, version: '-', status: 'missing', where: (err as Error).message };
  }
}

/** Who sandboxes run as: one account per slot as root, the worker's own otherwise (docs/security.md). */
async function accountsRow(): Promise<EngineRow> {
  const { maxSandboxes } = loadConfig();
  if (!runsAsRoot()) return { engine: 'accounts', version: workerAccount().name, status: 'installed', where: 'not root: sandboxes and the history database run as the worker\'s account, inside the jail' };
  const missing: string[] = [];
  for (const name of [HISTORY_ACCOUNT_NAME, TEMPLATE_ACCOUNT_NAME, ...Array.from({ length: maxSandboxes }, (_, i) => `${SANDBOX_ACCOUNT_PREFIX}${i + 1}`)]) {
    if (!(await lookupAccount(name))) missing.push(name);
  }
  const range = `${SANDBOX_ACCOUNT_PREFIX}1…${maxSandboxes}`;
  return missing.length === 0
    ? { engine: 'accounts', version: `${HISTORY_ACCOUNT_NAME}, ${TEMPLATE_ACCOUNT_NAME}, ${range}`, status: 'installed', where: 'one account per sandbox slot, others for the history database and the cluster templates' }
    : { engine: 'accounts', version: `${HISTORY_ACCOUNT_NAME}, ${TEMPLATE_ACCOUNT_NAME}, ${range}`, status: 'missing', where: `not created yet: ${missing.join(', ')} (npm run setup, or the worker on first need)` };
}

/** How many sandboxes run here now, of how many, and where they live. */
async function slotsRow(): Promise<EngineRow> {
  const { maxSandboxes, sandboxRootDir } = loadConfig();
  const root = sandboxRootDir ?? (await defaultSandboxRoot());
  const onTmpfs = await isTmpfs(root);
  return {
    engine: 'sandboxes',
    version: `${(await claimedSlots(root)).size} of ${maxSandboxes} in use`,
    status: onTmpfs ? 'missing' : 'installed',
    where: onTmpfs ? `${root} is a tmpfs: restored databases would fill memory; set RESTORE_DRILL_SANDBOX_DIR to a disk` : `${root} (RESTORE_DRILL_MAX_SANDBOXES=${maxSandboxes})`,
  };
}
