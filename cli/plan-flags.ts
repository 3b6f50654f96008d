/**
 * The flags that say which backup to restore and how to check it. `drill run` (an unsaved plan)
 * and `drill plan create|edit` (a saved one) read them the same way, so a plan written with flags
 * behaves like the `drill run` it was tried out with.
 */
import path from 'node:path';
import type { DrillChecksRequest } from '../core/checks.js';
import { DUMP_FORMATS, ENGINE_FORMATS, ENGINES, type BackupSourceSpec, type DumpFormat, type Engine, type FileSource } from '../core/drill.js';
import { hasGlobChars } from '../core/glob.js';
import { durationSeconds, nonNegativeInt, readJsonObject } from './args.js';
import { CliError } from './exit-codes.js';

export const BACKUP_FLAGS = {
  engine: { type: 'string' },
  'engine-version': { type: 'string' },
  database: { type: 'string' },
  source: { type: 'string' },
  /** A local file, dump directory or glob; `drill run` also calls it --file. */
  backup: { type: 'string' },
  latest: { type: 'string' },
  credential: { type: 'string' },
  'decrypt-with': { type: 'string' },
  format: { type: 'string' },
  checks: { type: 'string' },
  'min-tables': { type: 'string' },
  'min-rows': { type: 'string' },
  'max-age': { type: 'string' },
} as const;

export type BackupFlagValues = Partial<Record<keyof typeof BACKUP_FLAGS, string>>;

const CHECK_FLAGS = ['checks', 'min-tables', 'min-rows', 'max-age'] as const;

/** Help lines for the flags above; `localFlag` is how the command spells the local path. */
export function backupFlagsHelp(localFlag: string): string {
  return `  --engine ENGINE       ${ENGINES.join(' | ')}
  --source URI          where the backup is: file:///path, s3://bucket/key, s3://bucket/prefix/,
                        sftp://user@host:port/path, https://host/path
  ${`${localFlag} PATH`.padEnd(21)} a local file or dump directory; a glob in the last part
                        (e.g. '/backups/app-*.dump') picks the newest match
  --latest [GLOB]       the newest object under the prefix/directory (matching GLOB)
  --credential NAME     vault credential that opens the source (SSH key, AWS keys, HTTP auth)
  --decrypt-with NAME   vault PGP key or age identity, used if the backup is encrypted
  --format FORMAT       default auto (detected from the content); postgres: ${ENGINE_FORMATS.postgres.slice(1).join(', ')};
                        mysql: ${ENGINE_FORMATS.mysql.slice(1).join(', ')}; mongodb: ${ENGINE_FORMATS.mongodb.slice(1).join(', ')}
  --engine-version V    version of the server the backups come from (e.g. 16, 10.11, 7.0);
                        a dump taken from another version fails before it is restored
  --database NAME       mysql: the database a dump restores into when its header names none;
                        postgres base backups: the database assertions run in (default postgres)
  --checks FILE         JSON of the plan's checks (see docs/verification.md); the flags
                        below override its fields
  --min-tables N        fail unless at least N user tables are restored (default 1)
  --min-rows N          fail unless at least N rows in all are restored (default 1)
  --max-age DURATION    fail if the backup is older, e.g. 26h, 7d`;
}

/** `--latest` takes an optional glob; parseArgs knows no optional values, so an absent one becomes "". */
export function withOptionalLatestValue(argv: string[]): string[] {
  const args = [...argv];
  const at = args.indexOf('--latest');
  if (at >= 0 && (at === args.length - 1 || args[at + 1]!.startsWith('--'))) args.splice(at + 1, 0, '');
  return args;
}

/** The backup flags present on the command line, spelled as flags (for "cannot be combined" errors). */
export function givenBackupFlags(values: BackupFlagValues, localFlag: string): string[] {
  return (Object.keys(BACKUP_FLAGS) as Array<keyof typeof BACKUP_FLAGS>).filter((flag) => values[flag] !== undefined).map((flag) => (flag === 'backup' ? localFlag : `--${flag}`));
}

export function engineFlag(value: string | undefined): Engine | undefined {
  if (value === undefined) return undefined;
  if (!(ENGINES as readonly string[]).includes(value)) throw new CliError(`unknown engine "${value}": supported engines are ${ENGINES.join(', ')}`);
  return value as Engine;
}

export function formatFlag(value: string | undefined): DumpFormat | undefined {
  if (value === undefined) return undefined;
  if (!(DUMP_FORMATS as readonly string[]).includes(value)) throw new CliError(`unknown format "${value}": use one of ${DUMP_FORMATS.join(', ')}`);
  return value as DumpFormat;
}

/**
 * The source the flags name, or undefined when they name none. `--latest` and `--credential`
 * qualify a source, so they come with `localFlag` or `--source`.
 */
export function sourceFlags(values: BackupFlagValues, localFlag: string): BackupSourceSpec | undefined {
  if (values.backup !== undefined && values.source !== undefined) throw new CliError(`give either --source or ${localFlag}, not both`);
  if (values.backup !== undefined) return fileSource(values.backup, values, localFlag);
  if (values.source !== undefined) return uriSource(values.source, values);
  const qualifier = values.latest !== undefined ? '--latest' : values.credential !== undefined ? '--credential' : undefined;
  if (qualifier) throw new CliError(`${qualifier} qualifies a source: give it with --source URI or ${localFlag} PATH`);
  return undefined;
}

function fileSource(file: string, values: BackupFlagValues, localFlag: string): FileSource {
  if (values.credential) throw new CliError('--credential is for remote sources: use --source');
  const absolute = path.resolve(file);
  let source: FileSource;
  if (values.latest !== undefined) source = { kind: 'file', path: absolute, pattern: values.latest || '*' };
  else if (hasGlobChars(path.basename(absolute))) source = { kind: 'file', path: path.dirname(absolute), pattern: path.basename(absolute) };
  else source = { kind: 'file', path: absolute };
  if (hasGlobChars(source.path)) throw new CliError(`only the last part of ${localFlag} may be a glob: "${file}"`);
  return source;
}

function uriSource(uri: string, values: BackupFlagValues): BackupSourceSpec {
  // A bare path given to --source is a file, as an operator would mean it.
  const normalized = uri.startsWith('/') ? `file://${uri}` : uri;
  return {
    kind: 'uri',
    uri: normalized,
    // `--latest` alone (empty) means "the newest object under the prefix", whatever its name.
    ...(values.latest !== undefined ? { latest: values.latest || '*' } : {}),
    ...(values.credential ? { credential: values.credential } : {}),
  };
}

/**
 * The checks the flags ask for, on top of `base` (an edited plan's current checks): `--checks
 * FILE` replaces them, the threshold flags change single fields. Undefined when no check flag is given.
 */
export function checksFlags(values: BackupFlagValues, base: DrillChecksRequest = {}): DrillChecksRequest | undefined {
  if (CHECK_FLAGS.every((flag) => values[flag] === undefined)) return undefined;
  const checks: DrillChecksRequest = values.checks ? (readJsonObject('--checks', values.checks, 'checks') as DrillChecksRequest) : { ...base };
  if (values['min-tables'] !== undefined) checks.minTables = nonNegativeInt('--min-tables', values['min-tables']);
  if (values['min-rows'] !== undefined) checks.minRows = nonNegativeInt('--min-rows', values['min-rows']);
  if (values['max-age'] !== undefined) checks.maxAgeSeconds = durationSeconds('--max-age', values['max-age']);
  return checks;
}

/** Every plan field the backup flags set, and only those. */
export function backupPlanFields(values: BackupFlagValues, localFlag: string, baseChecks?: DrillChecksRequest) {
  const engine = engineFlag(values.engine);
  const format = formatFlag(values.format);
  const source = sourceFlags(values, localFlag);
  const checks = checksFlags(values, baseChecks);
  return {
    ...(engine ? { engine } : {}),
    ...(values['engine-version'] !== undefined ? { engineVersion: values['engine-version'] } : {}),
    ...(values.database !== undefined ? { database: values.database } : {}),
    ...(source ? { source } : {}),
    ...(values['decrypt-with'] !== undefined ? { decryptWith: values['decrypt-with'] } : {}),
    ...(format ? { format } : {}),
    ...(checks ? { checks } : {}),
  };
}
