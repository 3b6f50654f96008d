/**
 * Sorts the error lines of pg_restore/psql into the harmless kind every real-world dump produces
 * when restored into a fresh cluster (roles that only exist on production, the public schema that
 * already exists) and the genuine kind, which must fail the drill however many harmless ones
 * surround it.
 */

export interface RestoreError {
  message: string;
  /** The SQL that failed, when the tool said ("Command was: …"). */
  command?: string;
}

export interface ClassifiedErrors {
  genuine: RestoreError[];
  harmless: RestoreError[];
  /** Counts per harmless reason, for the check's observed value. */
  harmlessSummary: string;
}

interface HarmlessPattern {
  pattern: RegExp;
  /** When set, the failing statement must match too. */
  command?: RegExp;
  why: string;
}

const HARMLESS: HarmlessPattern[] = [
  // Owners and grantees exist on the production server, not in a fresh sandbox cluster.
  { pattern: /role "[^"]+" does not exist/, why: 'role missing from the sandbox' },
  // `pg_dump --clean` scripts drop every object before creating it; in a fresh database there is
  // nothing to drop. Only DROP statements qualify: a missing object anywhere else is genuine.
  { pattern: /does not exist/, command: /^\s*(DROP\s|ALTER\s+(TABLE|SEQUENCE|DOMAIN|TYPE)\b.*\bDROP\s+(CONSTRAINT|DEFAULT)\b)/i, why: 'nothing to drop in a fresh database (pg_dump --clean)' },
  // pg_dump before 15 emits CREATE SCHEMA public; restoring it into a fresh database collides.
  // pg_dumpall scripts create every role, including the bootstrap superuser the sandbox already has.
  { pattern: /role "[^"]+" already exists/, why: 'role already exists' },
  { pattern: /schema "public" already exists/, why: 'public schema already exists' },
  // pg_dump sets default_tablespace; a tablespace that only exists in production leaves the
  // default in place and the object is still created.
  { pattern: /invalid value for parameter "default_tablespace"/, why: 'production tablespace missing from the sandbox' },
  { pattern: /extension "plpgsql" already exists/, why: 'plpgsql already installed' },
  { pattern: /must be owner of (extension plpgsql|schema public)/, why: 'built-in object owned by bootstrap role' },
  // Session settings newer pg_dump versions emit (e.g. transaction_timeout from 17); they only
  // tune the restoring session.
  { pattern: /unrecognized configuration parameter "(transaction_timeout|idle_in_transaction_session_timeout|default_table_access_method|row_security|xmloption|default_toast_compression|lock_timeout)"/, why: 'session setting unknown to this server version' },
];

/** Extracts error reports from pg_restore or psql stderr lines. */
export function parseRestoreErrors(lines: string[]): RestoreError[] {
  const errors: RestoreError[] = [];
  for (const line of lines) {
    const commandMatch = line.match(/^Command was: (.*)$/) ?? line.match(/^(?:psql:[^:]*:\d+: )?STATEMENT:\s+(.*)$/);
    if (commandMatch) {
      const last = errors.at(-1);
      if (last && last.command === undefined) last.command = commandMatch[1];
      continue;
    }
    const message = errorMessage(line);
    if (message !== undefined) errors.push({ message });
  }
  return errors;
}

function errorMessage(line: string): string | undefined {
  // pg_restore: error: could not execute query: ERROR:  role "x" does not exist
  const restore = line.match(/^pg_restore: error: (.*)$/);
  if (restore) return (restore[1] as string).replace(/^could not execute query: (ERROR|FATAL):\s+/, '');
  // psql:<stdin>:42: ERROR:  relation "x" does not exist
  const psql = line.match(/^psql:[^:]*:\d+: (ERROR|FATAL|PANIC):\s+(.*)$/);
  if (psql) return psql[2] as string;
  const bare = line.match(/^(?:psql: )?(?:error: )?(ERROR|FATAL|PANIC):\s+(.*)$/);
  if (bare) return bare[2] as string;
  if (/^psql: error: /.test(line)) return line.replace(/^psql: error: /, '');
  return undefined;
}

/** `allowed`: regex sources of errors the plan declares harmless for its backups. */
export function classifyRestoreErrors(errors: RestoreError[], allowed: string[] = []): ClassifiedErrors {
  const planAllowed = allowed.map((source) => ({ pattern: new RegExp(source), why: `allowed by the plan (/${source}/)` }));
  const genuine: RestoreError[] = [];
  const harmless: RestoreError[] = [];
  const counts = new Map<string, number>();
  for (const error of errors) {
    const match = HARMLESS.find(({ pattern, command }) => pattern.test(error.message) && (!command || command.test(error.command ?? ''))) ?? planAllowed.find(({ pattern }) => pattern.test(error.message));
    if (match) {
      harmless.push(error);
      counts.set(match.why, (counts.get(match.why) ?? 0) + 1);
    } else {
      genuine.push(error);
    }
  }
  const harmlessSummary = [...counts].map(([why, n]) => `${why} ×${n}`).join(', ');
  return { genuine, harmless, harmlessSummary };
}

export function describeErrors(errors: RestoreError[], limit = 3): string {
  const shown = errors.slice(0, limit).map((e) => (e.command ? `${e.message} (in: ${statementHead(e.command)})` : e.message));
  const more = errors.length > limit ? `; and ${errors.length - limit} more` : '';
  return shown.join('; ') + more;
}

/**
 * Enough of the failing statement to find it (`CREATE TABLE public.orders`), not its values: the
 * reason travels into Temporal history and alerts, and row data must not.
 */
function statementHead(command: string): string {
  const head = command.split(/\s+(VALUES|FROM|AS|WITH)\b|\(/i)[0]?.trim() ?? '';
  return head.length > 80 ? `${head.slice(0, 79)}…` : head;
}
