/**
 * Who hears about a drill: at its start (ping channels), and at its verdict (failed, error,
 * recovered, RPO breached, passed, as the plan routes them). A canary waits for its alert to be
 * delivered, because that delivery is what it proves.
 */
import type { DrillActivities } from '../activities/index.js';
import type { CanaryRecord, DrillResult } from '../core/drill.js';
import type { DrillRecord } from './drill-record.js';
import { dispatchAndWait, dispatchInBackground } from './notification-dispatch.js';

type Activities = Pick<DrillActivities, 'decideStartAlerts' | 'decideVerdictAlerts' | 'recordCanary'>;

/** Steps that read the damaged copy: a canary failing there caught the damage. */
const DAMAGE_SEEN_AT = ['restore', 'inspect', 'verify'];

/** How long a canary waits for its channels before calling the alert path broken. */
const CANARY_DELIVERY_BUDGET = '5 minutes';

export async function announceStart(alerting: Activities, drill: DrillRecord): Promise<void> {
  // Starts go to ping channels, which a canary must leave alone.
  if (drill.plan.plan.notify.length === 0 || drill.plan.trigger === 'canary') return;
  await dispatchInBackground(await alerting.decideStartAlerts({ drillId: drill.drillId, snapshot: drill.plan }));
}

export async function announceVerdict(alerting: Activities, recording: Activities, drill: DrillRecord, result: DrillResult): Promise<CanaryRecord | undefined> {
  const isCanary = result.trigger === 'canary';
  const dispatches = drill.plan.plan.notify.length > 0 ? await alerting.decideVerdictAlerts({ drillId: drill.drillId, snapshot: drill.plan, result }) : [];
  if (!isCanary) {
    await dispatchInBackground(dispatches);
    return undefined;
  }
  const deliveries = await dispatchAndWait(dispatches, CANARY_DELIVERY_BUDGET);
  const canary: CanaryRecord = {
    // Failing before the damaged copy was restored (a stale or missing backup) proves nothing.
    detected: result.outcome === 'failed' && DAMAGE_SEEN_AT.includes(result.failedStep ?? ''),
    alerted: deliveries.length > 0 && deliveries.every((d) => d.status === 'sent'),
    deliveries: deliveries.map(({ channel, status, detail }) => ({ channel, status, detail })),
  };
  await recording.recordCanary({ drillId: drill.drillId, canary });
  return canary;
}
