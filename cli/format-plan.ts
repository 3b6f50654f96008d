/** How plans and where they stand read on a terminal. */
import type { DrillChecks } from '../core/checks.js';
import { describeSource } from '../core/drill.js';
import { formatBytes, formatDuration } from '../core/duration.js';
import type { PlanSummary, PlanView } from './api-client.js';

export function formatPlan(view: PlanView, now = new Date()): string[] {
  const { plan } = view;
  const lines = [`Plan "${view.name}" (${view.id}), version ${view.version}${view.deletedAt ? `, DELETED at ${view.deletedAt}` : ''}`];
  if (plan.description) lines.push(`  about      ${plan.description}`);
  lines.push(`  engine     ${plan.engine}${plan.engineVersion ? ` ${plan.engineVersion}` : ''}, format ${plan.format}`);
  const credential = plan.source.kind === 'uri' && plan.source.credential ? ` (credential ${plan.source.credential})` : '';
  lines.push(`  source     ${describeSource(plan.source)}${credential}`);
  if (plan.decryptWith) lines.push(`  decrypt    with vault credential ${plan.decryptWith}`);
  lines.push(`  checks     ${describeChecks(plan.checks)}`);
  if (view.schedule && plan.schedule) {
    lines.push(`  schedule   ${view.schedule.description}, catch-up ${plan.schedule.catchupWindow}`);
    if (view.deletedAt) lines.push('             (its Temporal schedule was deleted with the plan)');
    else {
      lines.push(`             Temporal schedule ${view.schedule.id}`);
      if (view.schedule.paused) lines.push(`  PAUSED     ${view.schedule.pauseNote ?? 'no reason given'}`);
      else if (view.schedule.nextRuns.length) lines.push(`  next runs  ${view.schedule.nextRuns.map((at) => whenLocal(at, plan.schedule!.timeZone, now)).join('\n             ')}`);
    }
  } else {
    lines.push(`  schedule   none: drills only when asked (drill run --plan ${view.id})`);
  }
  lines.push(`  notify     ${plan.notify.length ? plan.notify.map((r) => `${r.channel} (${r.events?.join(', ') ?? 'default events'})`).join('; ') : 'nobody'}`);
  lines.push(`  alerts     ${plan.alertRepeat === 'every-drill' ? 'on every failed drill' : 'once per failing streak'}`);
  lines.push(`  RPO target ${plan.rpoHours !== undefined ? `${plan.rpoHours}h` : 'none'}`);
  return lines;
}

export function formatSummary(summary: PlanSummary, now = new Date()): string[] {
  const lines = [`Status: ${summary.status.toUpperCase()}${summary.overdue ? ' (no finished drill when one was due)' : ''}`];
  const last = summary.lastRun;
  lines.push(`  last run    ${last ? `${last.drillId} ${last.outcome}${ago(last.ageSeconds)}${last.durationMs !== null ? `, took ${formatDuration(last.durationMs)}` : ''}${last.reason ? `: ${last.reason}` : ''}` : 'never'}`);
  const pass = summary.lastPass;
  lines.push(`  last pass   ${pass ? `${pass.drillId}${ago(pass.ageSeconds)}${pass.backupModifiedAt ? `, backup modified ${pass.backupModifiedAt}` : ''}` : 'never'}`);
  if (summary.streak.count > 0) lines.push(`  streak      ${summary.streak.count} drill(s) failed or errored since ${summary.streak.since ?? 'the start'}`);
  if (summary.running) lines.push(`  running     ${summary.running.drillId} since ${summary.running.startedAt}`);
  lines.push(`  next run    ${summary.nextRun ? `${summary.nextRun} (${until(summary.nextRun, now)})` : summary.paused ? 'paused' : summary.schedule ? '-' : 'no schedule'}`);
  lines.push(`  overdue     ${summary.overdue ? 'YES' : 'no'}`);
  lines.push(`  RPO         ${describeRpo(summary.verifiedRpo)}`);
  const canary = summary.lastCanary;
  lines.push(`  last canary ${canary ? `${canary.drillId}${canary.finishedAt ? ` at ${canary.finishedAt}` : ' (running)'}: ${canaryVerdict(canary)}` : 'never (drill canary PLAN)'}`);
  lines.push(`  drills      ${summary.drills}`);
  return lines;
}

/** Columns of `drill plan list`, one row per plan. */
export function planRow(summary: PlanSummary, now = new Date()): string[] {
  const last = summary.lastRun ? `${summary.lastRun.outcome}${ago(summary.lastRun.ageSeconds)}` : 'never';
  const next = summary.paused ? 'paused' : summary.nextRun ? `${summary.nextRun} (${until(summary.nextRun, now)})` : '-';
  return [summary.name, summary.planId, summary.status, summary.schedule ?? 'no schedule', last, next];
}

function describeChecks(checks: DrillChecks): string {
  const parts = [`≥ ${checks.minTables} table(s)`, `≥ ${checks.minRows} row(s)`];
  if (checks.maxAgeSeconds !== undefined) parts.push(`backup younger than ${formatDuration(checks.maxAgeSeconds * 1000)}`);
  if (checks.minSizeBytes > 1) parts.push(`≥ ${formatBytes(checks.minSizeBytes)}`);
  parts.push(checks.maxSizeChangePercent === null ? 'size change unchecked' : `size within ±${checks.maxSizeChangePercent}% of the last passing drill`);
  if (checks.requireChecksum) parts.push('sha256 sidecar required');
  if (checks.allowErrors.length) parts.push(`${checks.allowErrors.length} allowed error pattern(s)`);
  if (checks.rowDrift) parts.push(`row loss ≤ ${checks.rowDrift.maxLossPercent}%`);
  if (checks.freshness.length) parts.push(`${checks.freshness.length} freshness check(s)`);
  if (checks.assertions.length) parts.push(`${checks.assertions.length} assertion(s)`);
  if (checks.nativeIntegrity) parts.push('native integrity check');
  return parts.join(', ');
}

function describeRpo(rpo: PlanSummary['verifiedRpo']): string {
  const proven = rpo.backupModifiedAt ? `newest backup proven restorable is from ${rpo.backupModifiedAt}${rpo.ageSeconds !== null ? ` (${formatDuration(rpo.ageSeconds * 1000)} old)` : ''}` : 'no backup proven restorable yet';
  if (rpo.targetHours === null) return `${proven}; no target`;
  return `${proven}; target ${rpo.targetHours}h: ${rpo.breached ? 'BREACHED' : 'met'}`;
}

function canaryVerdict(canary: NonNullable<PlanSummary['lastCanary']>): string {
  if (canary.detected === null) return 'no verdict yet';
  return `damage ${canary.detected ? 'detected' : 'NOT detected'}, alert ${canary.alerted ? 'delivered' : 'NOT delivered'}`;
}

function ago(seconds: number | null): string {
  return seconds === null ? '' : ` ${formatDuration(Math.max(0, seconds) * 1000)} ago`;
}

function until(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
  return ms > 0 ? `in ${formatDuration(ms)}` : 'due now';
}

/** A run time as the plan's owner set it (their zone), with the instant beside it. */
function whenLocal(iso: string, timeZone: string, now: Date): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}  (${iso}, ${until(iso, now)})`;
}
