import { parseArgs } from 'node:util';
import { formatBytes, formatCount, formatDuration } from '../../core/duration.js';
import { getJson } from '../api-client.js';
import { CliError, EXIT_PASSED } from '../exit-codes.js';
import { formatChecks, formatSteps, formatTables } from '../format-drill.js';

const USAGE = `Usage: drill show DRILL_ID [--json]`;

interface DrillDetail {
  id: string;
  outcome: string;
  engine: string;
  sourceUri: string;
  failedStep: string | null;
  reason: string | null;
  format: string | null;
  backup: { path: string | null; uri: string; sizeBytes: number; modifiedAt: string; sha256: string | null } | null;
  tableCount: number | null;
  totalRows: number | null;
  startedAt: string;
  durationMs: number | null;
  steps: Array<{ name: string; status: string; durationMs: number | null; message: string | null }>;
  checks: Array<{ name: string; passed: boolean; observed: string; message: string }>;
  tables: Array<{ database: string; schema: string; name: string; rows: number }>;
}

export async function showCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n${USAGE}`);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return EXIT_PASSED;
  }
  const [drillId] = parsed.positionals;
  if (!drillId) throw new CliError(`a drill id is required\n${USAGE}`);
  const drill = await getJson<DrillDetail>(`/api/drills/${encodeURIComponent(drillId)}`);
  if (parsed.values.json) {
    console.log(JSON.stringify(drill));
    return EXIT_PASSED;
  }
  const verdict = drill.outcome === 'passed' || drill.outcome === 'running' ? drill.outcome.toUpperCase() : `${drill.outcome.toUpperCase()}${drill.failedStep ? ` at ${drill.failedStep}` : ''}`;
  const lines = [`Drill ${drill.id}: ${verdict}`, `  started  ${drill.startedAt}${drill.durationMs !== null ? `, took ${formatDuration(drill.durationMs)}` : ''}`, `  source   ${drill.sourceUri}`];
  if (drill.reason) lines.push(`  reason   ${drill.reason}`);
  if (drill.backup) lines.push(`  backup   ${drill.backup.path ?? drill.backup.uri} (${formatBytes(drill.backup.sizeBytes)}, modified ${drill.backup.modifiedAt}${drill.backup.sha256 ? `, sha256 ${drill.backup.sha256}` : ''})`);
  if (drill.format) lines.push(`  format   ${drill.format}`);
  if (drill.tableCount !== null) lines.push(`  restored ${formatCount(drill.tableCount)} table(s), ${formatCount(drill.totalRows ?? 0)} row(s)`);
  lines.push(`  steps    ${formatSteps(drill.steps.map((s) => ({ ...s, name: s.name as never, status: s.status as never, durationMs: s.durationMs ?? undefined })))}`);
  for (const s of drill.steps.filter((s) => s.message)) lines.push(`           ${s.name}: ${s.message}`);
  if (drill.checks.length > 0) lines.push('  checks', ...formatChecks(drill.checks).map((l) => `    ${l}`));
  if (drill.tables.length > 0) lines.push('  tables', ...formatTables(drill.tables).map((l) => `    ${l}`));
  console.log(lines.join('\n'));
  return EXIT_PASSED;
}
