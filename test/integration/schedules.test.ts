/**
 * Plans on real Temporal Schedules (the dev server runs them): an interval schedule produces real
 * scheduled drills, labelled for `temporal workflow list --query "PlanId='…'"`; pausing it past
 * twice its interval makes the watchdog (on its own schedule) alert overdue; run-now skips while a
 * drill runs; backfill runs the missed drills; concurrent edits serialize; and every kind of drift
 * between plans and schedules is repaired by reconcile, on demand and at worker start-up.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import { loadConfig } from '../../core/config.js';
import { findTemporalCli } from '../../scripts/services/temporal-server.js';
import { createDrillWorker } from '../../worker/worker.js';
import { apiCaller } from '../support/api-calls.js';
import { createDrillTestEnv, slowPlainDump, type DrillTestEnv } from '../support/drill-env.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';
import { eventually } from '../support/wait.js';
import { inject } from 'vitest';

const execFileAsync = promisify(execFile);
const WATCHDOG_EVERY = '2s';

let env: DrillTestEnv;
let api: ApiServer;
let smtp: SmtpReceiver;
const call = apiCaller(() => api.url, () => env.manager.token);
const temporalCli = () => findTemporalCli(loadConfig().toolsDir)!;

beforeAll(async () => {
  env = await createDrillTestEnv('schedules', {
    worker: { systemSchedules: { watchdogEvery: WATCHDOG_EVERY, digestCron: '0 8 * * 1', digestTimeZone: 'UTC' }, housekeeping: { quietRunningMs: 0 } },
  });
  [api, smtp] = await Promise.all([env.startApi(), startSmtpReceiver()]);
  const channel = await call('POST', '/api/channels', { name: 'ops-email', config: { kind: 'email', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' }, from: 'restore-drill@example.test', to: ['ops@example.test'] } });
  expect(channel.status).toBe(201);
});
afterAll(async () => {
  await smtp?.stop();
  await env?.close();
});

async function createPlan(plan: Record<string, unknown>) {
  const created = await call('POST', '/api/plans', { engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) }, ...plan });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; name: string; schedule: { id: string } };
}

const finishedScheduledDrills = (planId: string) =>
  env.query<{ id: string; outcome: string; trigger: string }>("SELECT id, outcome, trigger FROM drills WHERE plan_id = $1 AND trigger = 'schedule' AND outcome <> 'running' ORDER BY started_at", [planId]);

describe('scheduled drills', () => {
  it('an interval schedule runs real drills that read well in Temporal; paused past twice its interval, the watchdog alerts overdue once', async () => {
    const plan = await createPlan({ name: 'Every ten seconds', schedule: { frequency: 'interval', every: '10s' }, notify: [{ channel: 'ops-email' }] });
    const drills = await eventually('two scheduled drills to finish', async () => {
      const rows = await finishedScheduledDrills(plan.id);
      return rows.length >= 2 && rows;
    }, 45_000);
    expect(drills.every((d) => d.outcome === 'passed')).toBe(true);
    expect(drills.every((d) => d.id.startsWith(`drill-${plan.id}-`))).toBe(true);

    // What an operator sees with the real `temporal` CLI.
    const common = ['--address', env.temporalAddress, '--namespace', 'default'];
    const listed = await eventually('the drills in visibility', async () => {
      const { stdout } = await execFileAsync(temporalCli(), ['workflow', 'list', ...common, '--query', `PlanId = '${plan.id}' AND DrillTrigger = 'schedule'`, '--output', 'json']);
      const rows = JSON.parse(stdout) as Array<{ execution: { workflowId: string } }>;
      return drills.every((d) => rows.some((r) => r.execution.workflowId === d.id)) && rows;
    });
    expect(listed.length).toBeGreaterThanOrEqual(2);
    const { stdout: schedules } = await execFileAsync(temporalCli(), ['schedule', 'list', ...common, '--output', 'json']);
    expect(JSON.parse(schedules)).toContainEqual(expect.objectContaining({ scheduleId: plan.schedule.id }));
    const described = await env.client.workflow.getHandle(drills[0]!.id).describe();
    expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(expect.arrayContaining([['PlanId', plan.id], ['PlanName', 'Every ten seconds'], ['Outcome', 'passed'], ['DrillTrigger', 'schedule']]));
    expect(described.memo).toMatchObject({ plan: `Every ten seconds (${plan.id})`, summary: expect.stringMatching(/^PASSED: postgres backup/) });

    expect((await call('POST', `/api/plans/${plan.id}/schedule/pause`, { note: 'disk swap in progress' })).status).toBe(200);
    const overdue = await smtp.waitForMessage((m) => m.subject.includes('Every ten seconds') && m.headers['x-restore-drill-event'] === 'overdue', 45_000);
    expect(overdue.text).toContain('disk swap in progress');
    const summary = await call('GET', `/api/plans/${plan.id}/summary`);
    expect(summary.body).toMatchObject({ status: 'overdue', overdue: true, paused: true });
    expect((await call('GET', '/metrics')).body).toMatch(new RegExp(`restore_drill_plan_overdue\\{plan_id="${plan.id}",plan="Every ten seconds"\\} 1`));
    // Watchdog passes keep running; the overdue period alerts once.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const events = await env.query<{ kind: string }>("SELECT kind FROM notification_events WHERE plan_id = $1 AND kind = 'overdue'", [plan.id]);
    expect(events).toHaveLength(1);
    expect(smtp.messages.filter((m) => m.subject.includes('Every ten seconds') && m.headers['x-restore-drill-event'] === 'overdue')).toHaveLength(1);
    await call('DELETE', `/api/plans/${plan.id}`);
  }, 150_000);

  it('run now goes through the schedule and skips while a drill of the plan runs', async () => {
    const plan = await createPlan({ name: 'Run now', source: { kind: 'file', path: slowPlainDump(env, 6) }, schedule: { frequency: 'daily', at: '03:00' } });
    const triggered = await call('POST', `/api/plans/${plan.id}/schedule/trigger`);
    expect(triggered.status).toBe(202);
    expect(triggered.body.drillId).toMatch(new RegExp(`^drill-${plan.id}-`));
    await eventually('the drill to be recorded as running', async () => (await call('GET', `/api/plans/${plan.id}/summary`)).body.running?.drillId === triggered.body.drillId);
    expect(await call('POST', `/api/plans/${plan.id}/schedule/trigger`)).toMatchObject({ status: 409, body: { code: 'drill_running', drillId: triggered.body.drillId } });

    // The schedule itself skips an overlapping trigger too (the SDK's default would start another).
    const handle = env.client.schedule.getHandle(plan.schedule.id);
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    await env.client.workflow.getHandle(triggered.body.drillId).result();
    const actions = (await handle.describe()).info.recentActions;
    expect(actions.map((a) => a.action.workflow.workflowId)).toEqual([triggered.body.drillId]);
  }, 60_000);

  it('backfill runs the drills a past range should have had, one after another', async () => {
    const plan = await createPlan({ name: 'Backfilled', schedule: { frequency: 'daily', at: '03:00' } });
    const day = 86_400_000;
    const start = new Date(Math.floor(Date.now() / day) * day - 4 * day);
    const end = new Date(start.getTime() + 2 * day + 12 * 3_600_000);
    const answer = await call('POST', `/api/plans/${plan.id}/schedule/backfill`, { from: start.toISOString(), to: end.toISOString() });
    expect(answer).toMatchObject({ status: 202, body: { runs: 3 } });
    const drills = await eventually('three backfilled drills', async () => {
      const rows = await finishedScheduledDrills(plan.id);
      return rows.length >= 3 && rows;
    }, 60_000);
    expect(drills.map((d) => d.outcome)).toEqual(['passed', 'passed', 'passed']);
    // Again over the same range and one more day: only the slot without a drill runs.
    const again = await call('POST', `/api/plans/${plan.id}/schedule/backfill`, { from: start.toISOString(), to: new Date(end.getTime() + day).toISOString() });
    expect(again).toMatchObject({ status: 202, body: { runs: 1, skipped: 3 } });
    await eventually('the fourth backfilled drill', async () => (await finishedScheduledDrills(plan.id)).length === 4, 60_000);
    expect((await finishedScheduledDrills(plan.id)).map((d) => d.id).filter((id, i, all) => all.indexOf(id) !== i)).toEqual([]);
    expect(await call('POST', `/api/plans/${plan.id}/schedule/backfill`, { from: end.toISOString(), to: new Date(Date.now() + day).toISOString() })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
  }, 90_000);

  it('concurrent edits of one plan serialize: the schedule ends matching the last committed version', async () => {
    const plan = await createPlan({ name: 'Edited at once', schedule: { frequency: 'daily', at: '01:00' } });
    const hours = ['02', '03', '04', '05', '06', '07'];
    const answers = await Promise.all(hours.map((hour) => call('PATCH', `/api/plans/${plan.id}`, { schedule: { frequency: 'daily', at: `${hour}:00` } })));
    expect(answers.map((a) => a.status)).toEqual(hours.map(() => 200));
    expect(new Set(answers.map((a) => a.body.version)).size).toBe(hours.length);
    const final = await call('GET', `/api/plans/${plan.id}`);
    expect(final.body.version).toBe(hours.length + 1);
    const note = (await env.client.schedule.getHandle(plan.schedule.id).describe()).state.note;
    expect(note).toBe(`Edited at once (postgres): ${final.body.schedule.description}, catch-up 6h`);
    expect((await call('POST', '/api/schedules/reconcile')).body.repairs.filter((r: { planId: string }) => r.planId === plan.id)).toEqual([]);
  });
});

describe('watchdog housekeeping', () => {
  it('closes the record of a drill terminated in Temporal, which never wrote its verdict', async () => {
    const plan = await createPlan({ name: 'Terminated', source: { kind: 'file', path: slowPlainDump(env, 30) } });
    const started = await call('POST', '/api/drills', { planId: plan.id });
    const handle = env.client.workflow.getHandle(started.body.drillId);
    await eventually('the restore to start', async () => (await call('GET', `/api/drills/${started.body.drillId}`)).body.steps?.some((s: { name: string; status: string }) => s.name === 'restore'));
    await handle.terminate('operator stopped it');
    const [row] = await eventually('the watchdog to close the record', async () => {
      const rows = await env.query<{ outcome: string; reason: string; failed_step: string }>('SELECT outcome, reason, failed_step FROM drills WHERE id = $1', [started.body.drillId]);
      return rows[0]?.outcome !== 'running' && rows;
    });
    expect(row).toEqual({ outcome: 'error', reason: 'the drill was terminated in Temporal before it recorded a verdict', failed_step: 'restore' });
    expect((await call('GET', `/api/plans/${plan.id}/summary`)).body).toMatchObject({ running: null, status: 'error' });
  }, 60_000);
});

describe('weekly digest', () => {
  it('its own schedule sends each channel routed `digest` one summary of its plans', async () => {
    const plan = await createPlan({ name: 'Digested', notify: [{ channel: 'ops-email', events: ['digest'] }] });
    const drill = await call('POST', '/api/drills', { planId: plan.id });
    await env.client.workflow.getHandle(drill.body.drillId).result();
    await env.client.schedule.getHandle(`${env.taskQueue}:weekly-digest`).trigger();
    const digest = await smtp.waitForMessage((m) => m.headers['x-restore-drill-event'] === 'digest', 30_000);
    expect(digest.text).toContain('Digested');
    expect(digest.text).toMatch(/^Digested\s+1\s+1\s+0\s+0\s+passed\s+0(\.\d)?h$/m);
  });
});

describe('reconcile repairs drift between plans and schedules', () => {
  const reconcile = async () => (await call('POST', '/api/schedules/reconcile')).body as { repairs: Array<{ planId: string; drift: string }>; failures: unknown[] };

  it('a missing schedule is created again', async () => {
    const plan = await createPlan({ name: 'Lost schedule', schedule: { frequency: 'daily', at: '02:00' } });
    await env.client.schedule.getHandle(plan.schedule.id).delete();
    const report = await reconcile();
    expect(report.repairs).toContainEqual({ planId: plan.id, scheduleId: plan.schedule.id, drift: 'missing schedule' });
    expect((await env.client.schedule.getHandle(plan.schedule.id).describe()).state.note).toBe('Lost schedule (postgres): daily at 02:00 (UTC), catch-up 6h');
  });

  it('an orphan schedule (no such plan, or a deleted one) is deleted', async () => {
    const orphanId = `${env.taskQueue}:plan:ghost-0a0a0a`;
    await env.client.schedule.create({ scheduleId: orphanId, spec: { intervals: [{ every: '1h' }] }, action: { type: 'startWorkflow', workflowType: 'restoreDrill', taskQueue: env.taskQueue, args: [{ planId: 'ghost-0a0a0a' }] } });
    const deleted = await createPlan({ name: 'Deleted but scheduled', schedule: { frequency: 'daily', at: '02:00' } });
    await env.query('UPDATE plans SET deleted_at = now() WHERE id = $1', [deleted.id]);
    const report = await eventually('the orphans to be listed and removed', async () => {
      const r = await reconcile();
      return r.repairs.some((x) => x.planId === 'ghost-0a0a0a') && r;
    });
    expect(report.repairs).toContainEqual({ planId: 'ghost-0a0a0a', scheduleId: orphanId, drift: 'orphan schedule' });
    await expect(env.client.schedule.getHandle(orphanId).describe()).rejects.toThrow(/not found/i);
    await eventually('the deleted plan\'s schedule to go', async () => {
      await reconcile();
      return env.client.schedule.getHandle(deleted.schedule.id).describe().then(() => false, () => true);
    });
  });

  it('a spec changed behind Restore Drill\'s back is put back', async () => {
    const plan = await createPlan({ name: 'Tampered', schedule: { frequency: 'daily', at: '02:00', timeZone: 'Europe/Paris' } });
    const handle = env.client.schedule.getHandle(plan.schedule.id);
    await handle.update((previous) => ({ ...previous, spec: { cronExpressions: ['*/5 * * * *'] }, state: { ...previous.state } }));
    await eventually('the edit to apply', async () => (await handle.describe()).spec.calendars?.some((c) => JSON.stringify(c.minute).includes('"step":5')) ?? false);
    const report = await reconcile();
    expect(report.repairs).toContainEqual({ planId: plan.id, scheduleId: plan.schedule.id, drift: 'changed spec' });
    const after = await handle.describe();
    expect(after.spec.timezone).toBe('Europe/Paris');
    expect(JSON.stringify(after.spec.calendars)).not.toContain('"step":5');
  });

  it('a schedule paused or resumed outside Restore Drill gets the plan\'s state back', async () => {
    const plan = await createPlan({ name: 'Paused elsewhere', schedule: { frequency: 'daily', at: '02:00' } });
    const handle = env.client.schedule.getHandle(plan.schedule.id);
    await handle.pause('paused from the Temporal UI');
    await eventually('the pause to apply', async () => (await handle.describe()).state.paused);
    const report = await reconcile();
    expect(report.repairs).toContainEqual({ planId: plan.id, scheduleId: plan.schedule.id, drift: 'paused state' });
    expect((await handle.describe()).state).toMatchObject({ paused: false, note: 'Paused elsewhere (postgres): daily at 02:00 (UTC), catch-up 6h' });
  });

  it('a worker starting up repairs drift before it polls', async () => {
    const plan = await createPlan({ name: 'Repaired at start', schedule: { frequency: 'daily', at: '02:00' } });
    await env.client.schedule.getHandle(plan.schedule.id).delete();
    const logged: string[] = [];
    const worker = await createDrillWorker({
      address: env.temporalAddress,
      namespace: 'default',
      taskQueue: env.taskQueue,
      db: env.history.db,
      workerId: 'second-host',
      sandboxRootDir: env.sandboxRoot,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      credentials: env.vault,
      systemSchedules: false,
      log: (m) => logged.push(m),
    });
    const running = worker.run();
    worker.shutdown();
    await running;
    expect(logged).toContain(`schedules: repaired missing schedule of plan ${plan.id} (${plan.schedule.id})`);
    expect((await env.client.schedule.getHandle(plan.schedule.id).describe()).state.note).toBe('Repaired at start (postgres): daily at 02:00 (UTC), catch-up 6h');
  });
});
