/** The facts of an event, from what the drill recorded: what templates and webhooks are made of. */
import { checkLevel } from '../../core/checks.js';
import type { DrillResult, PlanSnapshot } from '../../core/drill.js';
import { describeSource } from '../../core/drill.js';
import { formatDuration } from '../../core/duration.js';
import type { NotifyEvent } from '../../core/notify.js';
import type { PublicLinks } from '../deps.js';
import type { EventFacts } from '../notify/channel.js';

export function drillLinks(links: PublicLinks | undefined, drillId: string | null): EventFacts['links'] {
  if (!drillId || !links) return { drill: null, temporal: null };
  return {
    drill: links.appUrl ? `${links.appUrl.replace(/\/+$/, '')}/api/drills/${encodeURIComponent(drillId)}` : null,
    temporal: links.temporalUiUrl ? `${links.temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(links.namespace)}/workflows/${encodeURIComponent(drillId)}` : null,
  };
}

/** One line per step: "restore failed after 2.1s: the plain SQL dump is incomplete …". */
export function stepLog(result: Pick<DrillResult, 'steps'>): string[] {
  return result.steps.map((step) => {
    const took = step.durationMs !== undefined ? ` after ${formatDuration(step.durationMs)}` : '';
    return `${step.name} ${step.status}${took}${step.message ? `: ${step.message}` : ''}`;
  });
}

export function drillFacts(snapshot: PlanSnapshot, result: DrillResult): NonNullable<EventFacts['drill']> {
  const failedChecks = result.checks.filter((c) => !c.passed).map((c) => ({ name: c.name, level: checkLevel(c.name), observed: c.observed, expected: c.expected, message: c.message }));
  return {
    id: result.drillId,
    outcome: result.outcome,
    trigger: result.trigger,
    failedStep: result.failedStep,
    reason: result.reason,
    level: failedChecks[0]?.level ?? null,
    engine: result.engine,
    source: describeSource(snapshot.plan.source),
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs: result.durationMs,
    backup: result.backup ? { uri: result.backup.uri, sizeBytes: result.backup.sizeBytes, modifiedAt: result.backup.modifiedAt, sha256: result.backup.sha256 } : null,
    tableCount: result.tableCount,
    totalRows: result.totalRows,
    failedChecks,
    log: stepLog(result),
  };
}

export function baseFacts(kind: NotifyEvent | 'test', eventId: string, snapshot: Pick<PlanSnapshot, 'planId' | 'plan'> | null, now: Date): EventFacts {
  return {
    kind,
    eventId,
    occurredAt: now.toISOString(),
    canary: false,
    plan: snapshot?.planId ? { id: snapshot.planId, name: snapshot.plan.name } : snapshot ? { id: '', name: snapshot.plan.name } : null,
    drill: null,
    links: { drill: null, temporal: null },
  };
}
