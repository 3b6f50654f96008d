/** How drills read on a terminal and in `--json` output. */
import { checkLevel } from '../core/checks.js';
import type { Check, DrillProgress, DrillResult, StepRecord, TableStat } from '../core/drill.js';
import { formatBytes, formatCount, formatDuration } from '../core/duration.js';

const TABLES_SHOWN = 20;

export function formatProgressLine(progress: DrillProgress, elapsedMs: number): string {
  const step = progress.step ?? (progress.outcome === 'running' ? 'starting' : 'finishing');
  let bytes = '';
  if (progress.step === 'restore' && progress.bytesDone > 0) {
    bytes = progress.bytesTotal ? ` ${formatBytes(progress.bytesDone)} / ${formatBytes(progress.bytesTotal)} (${Math.floor((100 * progress.bytesDone) / progress.bytesTotal)}%)` : ` ${formatBytes(progress.bytesDone)}`;
  }
  return `${progress.drillId}  ${step}${bytes}  ${formatDuration(elapsedMs)}`;
}

export function formatResult(result: DrillResult): string {
  const lines: string[] = [];
  const verdict = result.outcome === 'passed' ? 'PASSED' : `${result.outcome.toUpperCase()}${result.failedStep ? ` at ${result.failedStep}` : ''}`;
  lines.push(`Drill ${result.drillId}: ${verdict}`);
  if (result.planId) lines.push(`  plan     ${result.planName} (${result.planId})`);
  if (result.reason) lines.push(`  reason   ${result.reason}`);
  if (result.backup) {
    const sha = result.backup.sha256 ? `, sha256 ${result.backup.sha256.slice(0, 12)}…` : '';
    lines.push(`  backup   ${result.backup.path ?? result.backup.uri} (${formatBytes(result.backup.sizeBytes)}, modified ${result.backup.modifiedAt}${sha})`);
  }
  if (result.format) lines.push(`  format   ${result.format}`);
  if (result.tableCount > 0 || result.outcome === 'passed') lines.push(`  restored ${formatCount(result.tableCount)} table(s), ${formatCount(result.totalRows)} row(s)`);
  if (result.checks.length > 0) {
    lines.push('  checks');
    lines.push(...formatChecks(result.checks).map((l) => `    ${l}`));
  }
  if (result.tables.length > 0) {
    const shown = [...result.tables].sort((a, b) => b.rows - a.rows).slice(0, TABLES_SHOWN);
    const hidden = result.tableCount - shown.length;
    lines.push(`  tables${hidden > 0 ? ` (largest ${shown.length} of ${formatCount(result.tableCount)}; \`drill show ${result.drillId}\` lists all)` : ''}`);
    lines.push(...formatTables(shown).map((l) => `    ${l}`));
  }
  lines.push(`  steps    ${formatSteps(result.steps)}`);
  lines.push(`  total    ${formatDuration(result.durationMs)}`);
  return lines.join('\n');
}

export function formatChecks(checks: Array<Pick<Check, 'name' | 'passed' | 'observed' | 'message'>>): string[] {
  const width = Math.max(...checks.map((c) => c.name.length));
  const levelWidth = Math.max(...checks.map((c) => checkLevel(c.name).length));
  return checks.map((c) => `${c.passed ? '✓' : '✗'} ${checkLevel(c.name).padEnd(levelWidth)}  ${c.name.padEnd(width)}  ${c.passed ? c.observed : c.message}`);
}

export function formatTables(tables: Array<Pick<TableStat, 'database' | 'schema' | 'name' | 'rows'>>): string[] {
  const multipleDatabases = new Set(tables.map((t) => t.database)).size > 1;
  const names = tables.map((t) => (multipleDatabases ? `${t.database}.` : '') + `${t.schema}.${t.name}`);
  const width = Math.max(...names.map((n) => n.length));
  return tables.map((t, i) => `${(names[i] as string).padEnd(width)}  ${formatCount(t.rows).padStart(12)}`);
}

export function formatSteps(steps: Array<Pick<StepRecord, 'name' | 'status' | 'durationMs'>>): string {
  return steps.map((s) => `${s.name} ${s.durationMs !== undefined && s.durationMs !== null ? formatDuration(s.durationMs) : '…'}${s.status === 'passed' ? '' : ` (${s.status})`}`).join(' · ');
}

/** The `--json` contract scripts rely on. */
export function resultJson(result: DrillResult, wallMs: number) {
  return {
    drillId: result.drillId,
    planId: result.planId,
    outcome: result.outcome,
    failedStep: result.failedStep,
    reason: result.reason,
    engine: result.engine,
    format: result.format,
    backup: result.backup,
    checks: result.checks,
    tableCount: result.tableCount,
    totalRows: result.totalRows,
    tables: result.tables,
    tablesTruncated: result.tablesTruncated,
    timings: {
      totalMs: result.durationMs,
      wallMs,
      steps: Object.fromEntries(result.steps.map((s) => [s.name, s.durationMs ?? null])),
    },
    steps: result.steps,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
  };
}
