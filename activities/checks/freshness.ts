/**
 * The stale backup that looks fresh: the file is new, but the data inside stopped at some earlier
 * day (a replica that stopped replicating, a dump of the wrong server). The newest value of a
 * timestamp column must be close to the backup's own time.
 */
import type { Freshness } from '../../core/checks.js';
import type { Check, SandboxHandle, TableStat } from '../../core/drill.js';
import { formatDuration } from '../../core/duration.js';
import type { EngineAdapter } from '../engines/engine.js';
import { findTable, tableKey } from './table-refs.js';

const FRESHNESS_QUERY_TIMEOUT_MS = 10 * 60_000;

export async function freshnessCheck(engine: EngineAdapter, sandbox: SandboxHandle, tables: TableStat[], rule: Freshness, backupTime: Date, signal: AbortSignal): Promise<Check> {
  const name = `freshness:${rule.table}.${rule.column}`;
  const maxGapMs = rule.maxAgeHours * 3_600_000;
  const expected = `newest ${rule.column} within ${formatDuration(maxGapMs)} of the backup's time (${backupTime.toISOString()})`;
  const match = findTable(tables, rule.table);
  if ('error' in match) return { name, passed: false, observed: match.error, expected, message: `freshness of ${rule.table}.${rule.column} cannot be checked: ${match.error}` };
  const where = `${tableKey(match.table)}.${rule.column}`;
  let newest: Date | null;
  try {
    newest = await engine.newestTimestamp({ sandbox, signal, timeoutMs: FRESHNESS_QUERY_TIMEOUT_MS, table: { schema: match.table.schema, name: match.table.name }, column: rule.column });
  } catch (err) {
    signal.throwIfAborted();
    return { name, passed: false, observed: `query failed: ${(err as Error).message}`, expected, message: `freshness of ${where} cannot be read: ${(err as Error).message}` };
  }
  if (newest === null) return { name, passed: false, observed: 'no value (empty table or all NULL)', expected, message: `${where} holds no timestamp at all, so the data's age is unknown` };
  const gapMs = backupTime.getTime() - newest.getTime();
  const observed = `newest ${newest.toISOString()} (${formatDuration(Math.abs(gapMs))} ${gapMs >= 0 ? 'before' : 'after'} the backup)`;
  const passed = gapMs <= maxGapMs;
  return {
    name,
    passed,
    observed,
    expected,
    message: passed
      ? `${where} is fresh: newest value ${formatDuration(Math.max(0, gapMs))} before the backup`
      : `stale data: the newest ${where} is ${newest.toISOString()}, ${formatDuration(gapMs)} before the backup was written (allowed ${formatDuration(maxGapMs)})`,
  };
}
