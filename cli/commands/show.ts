/** `drill show`: one drill in full: verdict, steps, checks, tables, why it failed, who was told. */
import { formatBytes, formatCount, formatDuration } from '../../core/duration.js';
import { apiClient, bodyOf, byId, type DrillDetail } from '../api-client.js';
import { HELP_FLAG, JSON_FLAG, onePositional, parseOrExplain, printJson, printUsage } from '../args.js';
import { EXIT_PASSED } from '../exit-codes.js';
import { formatChecks, formatSteps, formatTables } from '../format-drill.js';

const USAGE = `Usage: drill show DRILL_ID [--json]`;

export async function showCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOrExplain({ args: argv, allowPositionals: true, options: { ...JSON_FLAG, ...HELP_FLAG } }, USAGE);
  if (values.help) return printUsage(USAGE);
  const drillId = onePositional(positionals, 'a drill id', USAGE);
  const drill = await bodyOf(apiClient().drills[':id'].$get({ param: byId(drillId) }));
  if (values.json) printJson(drill);
  else console.log(formatDrillDetail(drill).join('\n'));
  return EXIT_PASSED;
}

function formatDrillDetail(drill: DrillDetail): string[] {
  const verdict = drill.outcome === 'passed' || drill.outcome === 'running' ? drill.outcome.toUpperCase() : `${drill.outcome.toUpperCase()}${drill.failedStep ? ` at ${drill.failedStep}` : ''}`;
  const lines = [`Drill ${drill.id}: ${verdict}`];
  if (drill.planId) lines.push(`  plan     ${drill.planName ?? drill.planId} (${drill.planId}${drill.planVersion !== null ? `, version ${drill.planVersion}` : ''})`);
  lines.push(`  trigger  ${drill.trigger}`, `  started  ${drill.startedAt}${drill.durationMs !== null ? `, took ${formatDuration(drill.durationMs)}` : ''}`, `  source   ${drill.sourceUri}`);
  if (drill.reason) lines.push(`  reason   ${drill.reason}`);
  if (drill.backup) lines.push(`  backup   ${drill.backup.path ?? drill.backup.uri} (${formatBytes(drill.backup.sizeBytes)}, modified ${drill.backup.modifiedAt}${drill.backup.sha256 ? `, sha256 ${drill.backup.sha256}` : ''})`);
  if (drill.format) lines.push(`  format   ${drill.format}`);
  if (drill.tableCount !== null) lines.push(`  restored ${formatCount(drill.tableCount)} table(s), ${formatCount(drill.totalRows ?? 0)} row(s)`);
  lines.push(`  steps    ${formatSteps(drill.steps.map((s) => ({ name: s.name as never, status: s.status as never, durationMs: s.durationMs ?? undefined })))}`);
  // A failed drill's step log below carries these; a passed one's notes (ignored errors) go here.
  if (!drill.feedback) for (const s of drill.steps.filter((s) => s.message)) lines.push(`           ${s.name}: ${s.message}`);
  if (drill.checks.length > 0) lines.push('  checks', ...formatChecks(drill.checks).map((l) => `    ${l}`));
  if (drill.tables.length > 0) lines.push('  tables', ...formatTables(drill.tables).map((l) => `    ${l}`));
  lines.push(...feedbackLines(drill.feedback), ...canaryLines(drill.canary), ...notificationLines(drill.notifications));
  if (drill.links.temporal) lines.push(`  temporal ${drill.links.temporal}`);
  return lines;
}

function feedbackLines(feedback: DrillDetail['feedback']): string[] {
  if (!feedback) return [];
  const where = [feedback.level && `level ${feedback.level}`, feedback.failedStep && `step ${feedback.failedStep}`].filter(Boolean).join(', ');
  const lines = [`  failure  ${where || 'no failed step recorded'}`];
  for (const check of feedback.failedChecks) {
    lines.push(`    ✗ ${check.level} ${check.name}: ${check.message}`, `      observed ${check.observed || '-'}`, `      expected ${check.expected || '-'}`);
  }
  if (feedback.log.length > 0) lines.push('  step log', ...feedback.log.map((l) => `    ${l}`));
  return lines;
}

function canaryLines(canary: DrillDetail['canary']): string[] {
  if (!canary) return [];
  return [`  canary   damage ${canary.detected ? 'detected' : 'NOT detected'}, alert ${canary.alerted ? 'delivered' : 'NOT delivered'}`];
}

function notificationLines(notifications: DrillDetail['notifications']): string[] {
  if (notifications.length === 0) return [];
  return [
    '  notified',
    ...notifications.map((n) => `    ${n.kind.padEnd(12)} ${n.channel} (${n.channelKind})  ${n.status}, ${n.attempts} attempt(s)${n.detail ? `: ${n.detail}` : ''}`),
  ];
}
