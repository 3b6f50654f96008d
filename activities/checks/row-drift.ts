/**
 * The half-empty table: a dump that restores cleanly with plenty of rows, except that one table
 * lost most of them (a WHERE clause left in a dump script, a truncated import upstream). Only a
 * comparison with a known-good earlier drill of the same plan catches it.
 */
import type { RowDrift } from '../../core/checks.js';
import type { Check, TableStat } from '../../core/drill.js';
import { formatCount } from '../../core/duration.js';
import type { PassingBaseline } from '../../db/queries/plan-baselines.js';
import { findTable, tableKey } from './table-refs.js';

interface Finding {
  table: string;
  problem: string;
  lossPercent: number;
}

export function rowDriftCheck(tables: TableStat[], baseline: PassingBaseline | undefined, drift: RowDrift): Check {
  const expected = `no table missing${drift.failOnMissingTable ? '' : ' (not enforced)'}, none losing more than ${drift.maxLossPercent}% of its rows${Object.keys(drift.tables).length ? ' (with per-table limits)' : ''} vs the last passing drill`;
  if (!baseline) {
    return { name: 'row-drift', passed: true, observed: 'no earlier passing drill of this plan', expected, message: 'first passing drill of this plan becomes the baseline for row drift' };
  }
  const limitOf = limitsByTable(baseline.tables, drift);
  const current = new Map(tables.map((t) => [tableKey(t), t]));
  const findings: Finding[] = [];
  for (const before of baseline.tables) {
    const key = tableKey(before);
    const now = current.get(key);
    if (!now) {
      if (drift.failOnMissingTable) findings.push({ table: key, problem: `table ${key} is missing (had ${formatCount(before.rows)} rows in drill ${baseline.drillId})`, lossPercent: 100 });
      continue;
    }
    if (before.rows === 0 || now.rows >= before.rows) continue;
    const lossPercent = ((before.rows - now.rows) / before.rows) * 100;
    const limit = limitOf.get(key) ?? drift.maxLossPercent;
    if (lossPercent > limit) {
      findings.push({ table: key, problem: `table ${key} lost ${lossPercent.toFixed(1)}% of its rows (${formatCount(before.rows)} → ${formatCount(now.rows)}; allowed ${limit}%)`, lossPercent });
    }
  }
  findings.sort((a, b) => b.lossPercent - a.lossPercent);
  if (findings.length === 0) {
    return { name: 'row-drift', passed: true, observed: `${baseline.tables.length} table(s) compared with drill ${baseline.drillId}`, expected, message: `no table shrank beyond its limit since the last passing drill (${baseline.drillId})` };
  }
  const shown = findings.slice(0, 3).map((f) => f.problem).join('; ');
  const more = findings.length > 3 ? `; and ${findings.length - 3} more` : '';
  return { name: 'row-drift', passed: false, observed: `${findings.length} table(s) shrank or vanished vs drill ${baseline.drillId}`, expected, message: `${shown}${more}` };
}

function limitsByTable(baselineTables: TableStat[], drift: RowDrift): Map<string, number> {
  const limits = new Map<string, number>();
  for (const [reference, limit] of Object.entries(drift.tables)) {
    const match = findTable(baselineTables, reference);
    if ('table' in match) limits.set(tableKey(match.table), limit);
  }
  return limits;
}
