/** How the API shows drills: a list row, and the whole record with its failure feedback. */
import { z } from 'zod';
import type { DrillNotification } from '../../db/queries/notifications.js';
import type { DrillDetail } from '../../db/queries/drill-reads.js';
import type { DrillRow } from '../../db/schema/index.js';
import { stepLog } from '../../activities/alerting/facts.js';
import type { StepRecord } from '../../core/drill.js';

const iso = z.iso.datetime({ offset: true });

const backupSchema = z
  .object({
    path: z.string().nullable(),
    uri: z.string(),
    sizeBytes: z.number(),
    modifiedAt: z.string(),
    sha256: z.string().nullable(),
    sidecarVerified: z.boolean(),
    sha256From: z.enum(['object', 'sidecar']).optional(),
    sourceDetails: z.record(z.string(), z.string()).optional(),
  });

export const drillSummarySchema = z
  .object({
    id: z.string(),
    planId: z.string().nullable(),
    planName: z.string().nullable(),
    planVersion: z.number().nullable(),
    trigger: z.string(),
    engine: z.string(),
    sourceUri: z.string(),
    outcome: z.enum(['running', 'passed', 'failed', 'error', 'cancelled']),
    failedStep: z.string().nullable(),
    reason: z.string().nullable(),
    format: z.string().nullable(),
    backup: backupSchema.nullable(),
    tableCount: z.number().nullable(),
    totalRows: z.number().nullable(),
    startedAt: iso,
    finishedAt: iso.nullable(),
    durationMs: z.number().nullable(),
  })
  .meta({ id: 'DrillSummary' });
export type DrillSummary = z.infer<typeof drillSummarySchema>;

export function toDrillSummary(row: DrillRow): DrillSummary {
  return {
    id: row.id,
    planId: row.planId,
    planName: row.planName,
    planVersion: row.planVersion,
    trigger: row.trigger,
    engine: row.engine,
    sourceUri: row.sourceUri,
    outcome: row.outcome as DrillSummary['outcome'],
    failedStep: row.failedStep,
    reason: row.reason,
    format: row.format,
    backup: row.backup,
    tableCount: row.tableCount,
    totalRows: row.totalRows,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
  };
}

const notificationSchema = z.object({
  eventId: z.string(),
  kind: z.string(),
  subject: z.string(),
  channel: z.string(),
  channelKind: z.string(),
  status: z.enum(['sent', 'failed', 'pending']),
  attempts: z.number().int(),
  detail: z.string().nullable(),
  createdAt: iso,
  lastAttemptAt: iso.nullable(),
});

export const drillDetailSchema = drillSummarySchema
  .extend({
    sandboxServer: z.string().nullable().describe('the sandbox server as it reported itself, e.g. "PostgreSQL 17.11"'),
    snapshot: z.unknown().describe('the plan snapshot the drill ran ({planId, planVersion, plan, trigger, requestedBy})'),
    steps: z.array(
      z.object({ name: z.string(), position: z.number(), status: z.string(), startedAt: iso, finishedAt: iso.nullable(), durationMs: z.number().nullable(), bytes: z.number().nullable(), message: z.string().nullable() }),
    ),
    checks: z.array(z.object({ name: z.string(), level: z.string(), passed: z.boolean(), observed: z.string(), expected: z.string(), message: z.string() })),
    tables: z.array(z.object({ database: z.string(), schema: z.string(), name: z.string(), rows: z.number() })),
    feedback: z
      .object({
        failedStep: z.string().nullable(),
        level: z.string().nullable(),
        reason: z.string().nullable(),
        failedChecks: z.array(z.object({ name: z.string(), level: z.string(), observed: z.string(), expected: z.string(), message: z.string() })),
        log: z.array(z.string()).describe('one line per step, in order'),
      })
      .nullable()
      .describe('for drills that did not pass: what failed, at which level, and the step log'),
    notifications: z.array(notificationSchema),
    canary: z.object({ detected: z.boolean(), alerted: z.boolean(), deliveries: z.array(z.object({ channel: z.string(), status: z.enum(['sent', 'failed']), detail: z.string().nullable() })) }).nullable(),
    links: z.object({ temporal: z.string().nullable() }),
  })
  .meta({ id: 'DrillDetail' });
export type DrillDetailView = z.infer<typeof drillDetailSchema>;

export function toDrillDetail(detail: DrillDetail, notifications: DrillNotification[], temporalLink: string | null): DrillDetailView {
  const failedChecks = detail.checks.filter((c) => !c.passed).map(({ name, level, observed, expected, message }) => ({ name, level, observed, expected, message }));
  const steps = detail.steps.map((s) => ({
    name: s.name,
    position: s.position,
    status: s.status,
    startedAt: s.startedAt.toISOString(),
    finishedAt: s.finishedAt?.toISOString() ?? null,
    durationMs: s.durationMs,
    bytes: s.bytes,
    message: s.message,
  }));
  const records: StepRecord[] = detail.steps.map((s) => ({ name: s.name as StepRecord['name'], status: s.status as StepRecord['status'], startedAt: s.startedAt.toISOString(), ...(s.durationMs !== null ? { durationMs: s.durationMs } : {}), ...(s.message ? { message: s.message } : {}) }));
  const notPassed = detail.outcome === 'failed' || detail.outcome === 'error';
  return {
    ...toDrillSummary(detail),
    sandboxServer: detail.sandboxServer,
    snapshot: detail.request,
    steps,
    checks: detail.checks.map(({ name, level, passed, observed, expected, message }) => ({ name, level, passed, observed, expected, message })),
    tables: detail.tables.map(({ database, schema, name, rows }) => ({ database, schema, name, rows })),
    feedback: notPassed ? { failedStep: detail.failedStep, level: failedChecks[0]?.level ?? null, reason: detail.reason, failedChecks, log: stepLog({ steps: records }) } : null,
    notifications: notifications.map((n) => ({ ...n, createdAt: n.createdAt.toISOString(), lastAttemptAt: n.lastAttemptAt?.toISOString() ?? null })),
    canary: detail.canary ?? null,
    links: { temporal: temporalLink },
  };
}
