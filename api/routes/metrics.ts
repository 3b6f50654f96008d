/**
 * /metrics in Prometheus' text format, computed from the history database at scrape time (so
 * every API replica reports the same figures): per plan the last success, verified RPO, last
 * duration, failing streak, overdue flag and outcome counts; sandboxes alive; notification
 * failures and channels' consecutive failures.
 */
import { createRoute } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { planSchema } from '../../core/plan.js';
import type { HistoryDb } from '../../db/client.js';
import { listChannelRows } from '../../db/queries/channels.js';
import { failedAttemptsByChannel } from '../../db/queries/notifications.js';
import { planStatuses } from '../../db/queries/plan-status.js';
import { listPlanRows } from '../../db/queries/plans.js';
import { overdueState } from '../../activities/alerting/overdue.js';
import { verifiedAgeHours } from '../../activities/alerting/rpo.js';
import { router } from './route-kit.js';

const PLAN_LABELS = ['plan_id', 'plan'] as const;

export function metricsRegistry(db: HistoryDb): Registry {
  const registry = new Registry();
  const lastSuccess = new Gauge({ name: 'restore_drill_plan_last_success_timestamp_seconds', help: 'When the last passing drill of the plan finished (Unix time)', labelNames: PLAN_LABELS, registers: [registry] });
  const verifiedRpo = new Gauge({ name: 'restore_drill_plan_verified_rpo_seconds', help: 'Age of the newest backup a drill proved restorable', labelNames: PLAN_LABELS, registers: [registry] });
  const rpoTarget = new Gauge({ name: 'restore_drill_plan_rpo_target_seconds', help: "The plan's verified-RPO target", labelNames: PLAN_LABELS, registers: [registry] });
  const lastDuration = new Gauge({ name: 'restore_drill_plan_last_duration_seconds', help: 'Duration of the last finished drill of the plan', labelNames: PLAN_LABELS, registers: [registry] });
  const streak = new Gauge({ name: 'restore_drill_plan_failing_streak', help: 'Drills that failed or errored since the last pass', labelNames: PLAN_LABELS, registers: [registry] });
  const overdue = new Gauge({ name: 'restore_drill_plan_overdue', help: '1 when a scheduled plan has no finished drill within twice its interval', labelNames: PLAN_LABELS, registers: [registry] });
  const drills = new Counter({ name: 'restore_drill_drills_total', help: 'Finished drills by plan and outcome (canaries excluded)', labelNames: [...PLAN_LABELS, 'outcome'], registers: [registry] });
  const sandboxes = new Gauge({ name: 'restore_drill_sandboxes_alive', help: 'Sandboxes provisioned and not yet torn down', registers: [registry] });
  const deliveryFailures = new Counter({ name: 'restore_drill_notification_failures_total', help: 'Failed notification delivery attempts by channel', labelNames: ['channel', 'kind'], registers: [registry] });
  const channelFailing = new Gauge({ name: 'restore_drill_channel_consecutive_failures', help: 'Consecutive failed delivery attempts of the channel (0 once one succeeds)', labelNames: ['channel', 'kind'], registers: [registry] });

  // One collection per scrape, shared by every metric: prom-client calls each collect().
  let collecting: Promise<void> | undefined;
  const collectAll = () => (collecting ??= collect().finally(() => (collecting = undefined)));
  for (const metric of [lastSuccess, verifiedRpo, rpoTarget, lastDuration, streak, overdue, drills, sandboxes, deliveryFailures, channelFailing]) {
    (metric as unknown as { collect: () => Promise<void> }).collect = collectAll;
  }

  async function collect(): Promise<void> {
    const now = new Date();
    const [rows, statuses, counts, alive, failures, channelRows] = await Promise.all([
      listPlanRows(db),
      planStatuses(db, undefined, { counts: false }),
      db.execute<{ plan_id: string; outcome: string; n: number }>(sql`SELECT plan_id, outcome, count(*)::int AS n FROM drills WHERE plan_id IS NOT NULL AND trigger <> 'canary' AND outcome <> 'running' GROUP BY plan_id, outcome`),
      db.execute<{ n: number }>(sql`
        SELECT count(*)::int AS n FROM drills d
         WHERE d.outcome = 'running'
           AND EXISTS (SELECT 1 FROM drill_steps s WHERE s.drill_id = d.id AND s.name = 'provision' AND s.status IN ('running', 'passed'))
           AND NOT EXISTS (SELECT 1 FROM drill_steps s WHERE s.drill_id = d.id AND s.name = 'teardown' AND s.status = 'passed')`),
      failedAttemptsByChannel(db),
      listChannelRows(db),
    ]);
    for (const metric of [lastSuccess, verifiedRpo, rpoTarget, lastDuration, streak, overdue, drills, sandboxes, deliveryFailures, channelFailing]) metric.reset();
    const names = new Map(rows.map((r) => [r.id, r.name]));
    for (const row of rows) {
      const labels = { plan_id: row.id, plan: row.name };
      const status = statuses.get(row.id);
      const plan = planSchema.safeParse(row.spec);
      if (status?.lastPass?.finishedAt) lastSuccess.set(labels, status.lastPass.finishedAt.getTime() / 1000);
      const age = status ? verifiedAgeHours(status, now) : null;
      if (age !== null) verifiedRpo.set(labels, Math.round(age * 3600));
      if (plan.success && plan.data.rpoHours !== undefined) rpoTarget.set(labels, plan.data.rpoHours * 3600);
      if (status?.lastDrill?.durationMs != null) lastDuration.set(labels, status.lastDrill.durationMs / 1000);
      streak.set(labels, status?.streak.count ?? 0);
      if (plan.success && plan.data.schedule) overdue.set(labels, overdueState(plan.data, row, status, now)?.overdue ? 1 : 0);
    }
    for (const { plan_id, outcome, n } of counts as unknown as Array<{ plan_id: string; outcome: string; n: number }>) {
      if (names.has(plan_id)) drills.inc({ plan_id, plan: names.get(plan_id)!, outcome }, n);
    }
    sandboxes.set((alive as unknown as Array<{ n: number }>)[0]?.n ?? 0);
    for (const f of failures) deliveryFailures.inc({ channel: f.channel, kind: f.kind }, f.failures);
    for (const channel of channelRows) channelFailing.set({ channel: channel.name, kind: channel.kind }, channel.consecutiveFailures);
  }
  return registry;
}

export function metricsRoutes(registry: Registry) {
  return router().openapi(
    createRoute({ method: 'get', path: '/', tags: ['metrics'], summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } } } }),
    async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );
}
