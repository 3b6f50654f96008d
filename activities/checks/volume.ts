/**
 * Checks on what the restore produced: enough tables and enough rows. An empty or schema-only
 * dump restores "successfully"; these are what make it fail, unless the plan says it may be empty.
 */
import type { Check, DrillChecks, TableStat } from '../../core/drill.js';
import { formatCount } from '../../core/duration.js';

export function volumeChecks(tables: TableStat[], checks: DrillChecks): Check[] {
  const totalRows = tables.reduce((sum, t) => sum + t.rows, 0);
  const emptyTables = tables.filter((t) => t.rows === 0).length;
  return [
    {
      name: 'tables',
      passed: tables.length >= checks.minTables,
      observed: `${formatCount(tables.length)} table(s)`,
      expected: `>= ${formatCount(checks.minTables)}`,
      message:
        tables.length >= checks.minTables
          ? `${formatCount(tables.length)} user table(s) restored`
          : `only ${formatCount(tables.length)} user table(s) restored, the plan requires at least ${formatCount(checks.minTables)}${tables.length === 0 ? ': the dump holds no tables (empty database or wrong dump?)' : ''}`,
    },
    {
      name: 'rows',
      passed: totalRows >= checks.minRows,
      observed: `${formatCount(totalRows)} row(s)${emptyTables > 0 ? `, ${emptyTables} empty table(s)` : ''}`,
      expected: `>= ${formatCount(checks.minRows)}`,
      message:
        totalRows >= checks.minRows
          ? `${formatCount(totalRows)} row(s) read in ${formatCount(tables.length)} table(s)`
          : `only ${formatCount(totalRows)} row(s) in all tables, the plan requires at least ${formatCount(checks.minRows)}${totalRows === 0 && tables.length > 0 ? ': every table is empty (schema-only dump?)' : ''}`,
    },
  ];
}
