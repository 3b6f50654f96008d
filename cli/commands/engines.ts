/**
 * `drill engines [--json]` and `drill engines install MAJOR…`: which engine versions this host's
 * local sandboxes can run, which PostgreSQL majors the project can install, and installing them.
 * Reads this host only (no API): it describes the machine the worker runs on.
 */
import { parseArgs } from 'node:util';
import { configuredPostgresInstallations } from '../../activities/engines/postgres/installations.js';
import { CliError, EXIT_PASSED, EXIT_USAGE_OR_INFRA } from '../exit-codes.js';
import { engineRows } from '../engine-rows.js';
import { formatTable } from '../format-table.js';

const USAGE = `Usage: drill engines [--json]
       drill engines install MAJOR...

Lists the engine versions this host's local sandboxes run: every PostgreSQL major installed (a dump
restores with the major that made it), those the project can install, the MariaDB/MySQL servers
(the packaged one and the tools folder's MariaDB builds), the MongoDB server and tools, and whether
sandboxes run jailed (bubblewrap), as which accounts, and how many of the host's sandbox slots
are in use. "install" fetches pinned PostgreSQL builds into the tools folder.`;

export async function enginesCommand(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    console.log(USAGE);
    return EXIT_PASSED;
  }
  if (argv[0] === 'install') return install(argv.slice(1));
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const rows = await engineRows();
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return EXIT_PASSED;
  }
  for (const line of formatTable([['ENGINE', 'VERSION', 'STATUS', 'WHERE'], ...rows.map((r) => [r.engine, r.version, r.status, r.where])])) console.log(line);
  return EXIT_PASSED;
}

async function install(majors: string[]): Promise<number> {
  if (majors.length === 0 || majors.some((major) => !/^\d+$/.test(major))) throw new CliError(`engines install takes PostgreSQL major versions, e.g. "drill engines install 17 18"\n\n${USAGE}`);
  const installations = configuredPostgresInstallations();
  for (const major of majors.map(Number)) {
    if (!installations.pinnedBuilds().some((build) => build.major === major)) {
      throw new CliError(`no pinned PostgreSQL ${major} build for this machine: install it yourself and add its bin directory to RESTORE_DRILL_PG_BIN`, EXIT_USAGE_OR_INFRA);
    }
    const installed = await installations.install(major);
    console.log(`PostgreSQL ${installed.version}: ${installed.binDir}`);
  }
  return EXIT_PASSED;
}

