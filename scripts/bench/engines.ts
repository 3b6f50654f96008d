/**
 * What differs per engine in `npm run bench` (BENCH_ENGINE=postgres|mysql): the dataset, the
 * hand-written baseline command and how the report names them. Everything else is shared.
 */
import path from 'node:path';
import { findMysqlBinaries } from '../../activities/engines/mysql/binaries.js';
import { packagedMysqlServerOrThrow } from '../../activities/engines/mysql/servers.js';
import { findPostgresBinaries } from '../../activities/engines/postgres/binaries.js';
import { RESTORE_JOBS } from '../../activities/engines/postgres/restore.js';
import { THROWAWAY_SERVER_SETTINGS } from '../../activities/engines/postgres/server.js';
import { loadConfig, PROJECT_ROOT } from '../../core/config.js';
import { formatBytes } from '../../core/duration.js';
import type { Dataset } from './datasets/dataset.js';
import { ensureMysqlDataset } from './datasets/mysql.js';
import { ensurePostgresDataset } from './datasets/postgres.js';

export interface PreparedBench {
  dataset: Dataset;
  /** The baseline: `bash` and these arguments. */
  baselineArgs: string[];
  /** Report heading, before the date. */
  heading: string;
  /** Server and restore tool, for the report's machine line. */
  server: string;
  /** The report's dataset description, before the run count. */
  describeDataset(dumpSize: number): string;
}

export interface BenchEngine {
  engine: 'postgres' | 'mysql';
  defaultSizeMb: number;
  prepare(benchDir: string, sizeMb: number): Promise<PreparedBench>;
}

const script = (name: string) => path.join(PROJECT_ROOT, 'scripts', 'bench', name);
const rowCount = (rows: number) => rows.toLocaleString('en-US');

const postgresBench: BenchEngine = {
  engine: 'postgres',
  defaultSizeMb: 1024,
  async prepare(benchDir, sizeMb) {
    const bins = await findPostgresBinaries(loadConfig().postgresBinDir);
    const dataset = await ensurePostgresDataset(benchDir, sizeMb, bins);
    const serverOptions = Object.entries(THROWAWAY_SERVER_SETTINGS).map(([k, v]) => `-c ${k}=${v}`).join(' ');
    return {
      dataset,
      baselineArgs: [script('baseline-restore.sh'), dataset.path, String(RESTORE_JOBS), bins.binDir, serverOptions],
      heading: 'PostgreSQL custom-format restore',
      server: `PostgreSQL ${bins.version}, pg_restore -j ${RESTORE_JOBS}`,
      describeDataset: (dumpSize) => `${dataset.tables} tables with 6 indexes, ${rowCount(dataset.rows)} rows, ${formatBytes(dataset.databaseBytes)} on disk; custom-format dump ${formatBytes(dumpSize)}`,
    };
  },
};

const mysqlBench: BenchEngine = {
  engine: 'mysql',
  // A plain dump replays through one client connection: 1 GiB would take minutes per run here.
  defaultSizeMb: 300,
  async prepare(benchDir, sizeMb) {
    const bins = findMysqlBinaries();
    const dataset = await ensureMysqlDataset(benchDir, sizeMb);
    const { flavor, version } = packagedMysqlServerOrThrow();
    return {
      dataset,
      baselineArgs: [script('baseline-mysql-restore.sh'), dataset.path, bins.server, bins.installDb, bins.client, bins.admin],
      heading: 'MySQL/MariaDB plain-dump restore',
      server: `${flavor} ${version}, plain dump streamed into one \`${path.basename(bins.client)}\` client`,
      describeDataset: (dumpSize) => `${dataset.tables} tables (InnoDB) with 8 indexes, ${rowCount(dataset.rows)} rows, ${formatBytes(dataset.databaseBytes)} of .ibd files; plain SQL dump (mariadb-dump --single-transaction) ${formatBytes(dumpSize)}`,
    };
  },
};

export function benchEngine(name: string): BenchEngine {
  const found = [postgresBench, mysqlBench].find((e) => e.engine === name);
  if (!found) throw new Error(`BENCH_ENGINE must be postgres or mysql, not "${name}"`);
  return found;
}
