/**
 * Alerts end to end: plans and channels made through the real API, drills run by the real worker
 * on the Temporal dev server, and what reached a real SMTP server, webhook receiver and ping
 * receiver on loopback. A failing backup alerts once per streak and its fix says recovered; a
 * channel that refuses connections is retried, every attempt recorded and shown as failing; a
 * canary fails and alerts; ping channels pair start and finish; a stale verified backup breaches
 * the plan's RPO.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import type { DrillResult } from '../../core/drill.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { freePort } from '../../scripts/services/ports.js';
import { apiCaller } from '../support/api-calls.js';
import { createDrillTestEnv, scratchCopy, type DrillTestEnv } from '../support/drill-env.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { startSmtpReceiver, type SmtpReceiver } from '../support/smtp-receiver.js';
import { eventually } from '../support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SIGNING_SECRET = `whsec_${Buffer.from('alerts-test-signing-key-0123456789').toString('base64')}`;

let env: DrillTestEnv;
let api: ApiServer;
let smtp: SmtpReceiver;
let hooks: WebhookReceiver;
const call = apiCaller(() => api.url, () => env.manager.token);

beforeAll(async () => {
  env = await createDrillTestEnv('alerts');
  [api, smtp, hooks] = await Promise.all([env.startApi(), startSmtpReceiver(), startWebhookReceiver({ signingSecret: SIGNING_SECRET })]);
  await env.vault.add({ kind: 'webhook-secret', name: 'hooks-signing', material: SIGNING_SECRET });
  await env.vault.add({ kind: 'secret-url', name: 'ping-url', material: `${hooks.origin}/ping/check-7` });
  const channels = [
    { name: 'ops-email', config: { kind: 'email', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' }, from: 'restore-drill@example.test', to: ['ops@example.test'] } },
    { name: 'hooks', config: { kind: 'webhook', url: `${hooks.origin}/restore-drill`, signingSecret: 'hooks-signing' } },
    { name: 'healthcheck', config: { kind: 'ping', url: 'ping-url' } },
  ];
  for (const channel of channels) expect((await call('POST', '/api/channels', channel)).status).toBe(201);
});
afterAll(async () => {
  await Promise.allSettled([smtp?.stop(), hooks?.stop()]);
  await env?.close();
});

/** A backup file the test can break and fix in place, like a real backup job would. */
function backupFile(name: string): { path: string; breakIt(): void; fixIt(): void } {
  const path = scratchCopy(env, FIXTURE_FILES.plain, name);
  const good = fs.readFileSync(path);
  return {
    path,
    breakIt: () => fs.writeFileSync(path, good.subarray(0, Math.floor(good.length / 2))),
    fixIt: () => fs.writeFileSync(path, good),
  };
}

async function createPlan(plan: Record<string, unknown>): Promise<string> {
  const created = await call('POST', '/api/plans', { engine: 'postgres', ...plan });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

async function drillPlan(planId: string) {
  const started = await call('POST', '/api/drills', { planId });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return awaitDrillResult(env.client.workflow.getHandle(started.body.drillId).result());
}

describe('verdict alerts', () => {
  it('a failing backup alerts once per streak, signed, and its first pass after says recovered', async () => {
    const backup = backupFile('streak.sql');
    const planId = await createPlan({ name: 'Streak plan', source: { kind: 'file', path: backup.path }, notify: [{ channel: 'ops-email' }, { channel: 'hooks' }] });

    backup.breakIt();
    const first = await drillPlan(planId);
    expect(first.outcome).toBe('failed');
    const mail = await smtp.waitForMessage((m) => m.subject.includes('Streak plan'), 15_000);
    expect(mail.subject).toMatch(/FAILED/);
    expect(mail.to).toEqual(['ops@example.test']);
    expect(mail.headers['x-restore-drill-event']).toBe('failed');
    expect(mail.text).toContain(first.reason!);
    expect(mail.text).toContain(backup.path);
    expect(mail.text).toContain(`http://temporal-ui.test/namespaces/default/workflows/${first.drillId}`);
    const hook = (await hooks.waitForRequests(1)).find((r) => r.path === '/restore-drill')!;
    expect(hook.verification).toBe('ok');
    const payload = JSON.parse(hook.body);
    expect(payload).toMatchObject({ type: 'restore_drill.failed', data: { plan: { id: planId, name: 'Streak plan' }, drill: { id: first.drillId, outcome: 'failed', failedStep: 'restore' } } });

    // Still broken: the same streak, no second page.
    const second = await drillPlan(planId);
    expect(second.outcome).toBe('failed');
    const events = await env.query<{ id: string; kind: string; drill_id: string }>('SELECT id, kind, drill_id FROM notification_events WHERE plan_id = $1 ORDER BY created_at', [planId]);
    expect(events.map((e) => [e.kind, e.drill_id])).toEqual([['failed', first.drillId]]);
    const failedMails = () => smtp.messages.filter((m) => m.subject.includes('Streak plan') && /FAILED/.test(m.subject));
    expect(failedMails()).toHaveLength(1);

    backup.fixIt();
    const third = await drillPlan(planId);
    expect(third.outcome).toBe('passed');
    const recovered = await smtp.waitForMessage((m) => m.subject.includes('Streak plan') && m.headers['x-restore-drill-event'] === 'recovered', 15_000);
    expect(recovered.text).toContain(third.drillId);
    expect(failedMails()).toHaveLength(1);

    // The drill's record lists what it sent, per channel.
    const detail = await eventually('the failed drill to list both deliveries', async () => {
      const d = await call('GET', `/api/drills/${first.drillId}`);
      return d.body.notifications?.filter((n: { status: string }) => n.status === 'sent').length === 2 && d.body;
    });
    expect(detail.notifications.map((n: { channel: string; kind: string }) => `${n.kind}→${n.channel}`).sort()).toEqual(['failed→hooks', 'failed→ops-email']);
    expect(detail.feedback).toMatchObject({ failedStep: 'restore', level: 'restorable' });
    expect(detail.feedback.log.some((line: string) => line.startsWith('restore failed'))).toBe(true);
  });

  it('ping channels hear every start and its end, paired by run id', async () => {
    const backup = backupFile('pinged.sql');
    const planId = await createPlan({ name: 'Pinged plan', source: { kind: 'file', path: backup.path }, notify: [{ channel: 'healthcheck' }] });
    const pings = () => hooks.requests.filter((r) => r.path.startsWith('/ping/check-7'));
    const pingsOf = async (drill: () => Promise<unknown>) => {
      const before = pings().length;
      await drill();
      return eventually('a start ping and its end', async () => {
        const added = pings().slice(before);
        return added.length >= 2 && added;
      });
    };

    const pass = await pingsOf(async () => expect((await drillPlan(planId)).outcome).toBe('passed'));
    expect(pass.map((r) => r.path).sort()).toEqual(['/ping/check-7', '/ping/check-7/start']);
    expect(new Set(pass.map((r) => r.query.rid)).size).toBe(1);

    backup.breakIt();
    const fail = await pingsOf(async () => expect((await drillPlan(planId)).outcome).toBe('failed'));
    expect(fail.map((r) => r.path).sort()).toEqual(['/ping/check-7/fail', '/ping/check-7/start']);
    expect(new Set(fail.map((r) => r.query.rid)).size).toBe(1);
    expect(fail[0]!.query.rid).not.toBe(pass[0]!.query.rid);
  });

  it('a verified backup older than the RPO target raises rpo-breached, once', async () => {
    const backup = backupFile('old.sql');
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    fs.utimesSync(backup.path, twoDaysAgo, twoDaysAgo);
    const planId = await createPlan({ name: 'RPO plan', source: { kind: 'file', path: backup.path }, rpoHours: 24, notify: [{ channel: 'ops-email' }] });
    const passed = await drillPlan(planId);
    expect(passed.outcome).toBe('passed');
    const mail = await smtp.waitForMessage((m) => m.subject.includes('RPO plan'), 15_000);
    expect(mail.headers['x-restore-drill-event']).toBe('rpo-breached');
    expect(mail.text).toMatch(/24/);
    await drillPlan(planId);
    const events = await env.query<{ kind: string }>('SELECT kind FROM notification_events WHERE plan_id = $1', [planId]);
    expect(events.map((e) => e.kind)).toEqual(['rpo-breached']);
    const summary = await call('GET', `/api/plans/${planId}/summary`);
    expect(summary.body.verifiedRpo).toMatchObject({ targetHours: 24, breached: true });
    expect(summary.body.verifiedRpo.ageSeconds).toBeGreaterThan(47 * 3600);
  });
});

describe('a stored plan that no longer runs', () => {
  it('ends as an error recorded under the plan, and tells the plan\'s channels', async () => {
    const backup = backupFile('invalid.sql');
    const planId = await createPlan({ name: 'Invalid later', source: { kind: 'file', path: backup.path }, notify: [{ channel: 'ops-email' }] });
    // As if written by an older version, or edited by hand: a format its engine has no tool for.
    await env.query(`UPDATE plans SET spec = jsonb_set(spec, '{format}', '"archive"') WHERE id = $1`, [planId]);
    const result = await drillPlan(planId);
    expect(result).toMatchObject({ outcome: 'error', planId, planName: 'Invalid later' });
    expect(result.reason).toMatch(/plan "Invalid later" \(.*\) no longer validates \(format: postgres backups come as .*\): edit it/);
    const mail = await smtp.waitForMessage((m) => m.subject.includes('Invalid later'), 15_000);
    expect(mail.headers['x-restore-drill-event']).toBe('error');
    expect(mail.text).toContain('no longer validates');
    const [row] = await env.query<{ plan_id: string; outcome: string }>('SELECT plan_id, outcome FROM drills WHERE id = $1', [result.drillId]);
    expect(row).toEqual({ plan_id: planId, outcome: 'error' });
  });
});

describe('canary', () => {
  it.each([
    ['custom format', FIXTURE_FILES.custom, 'canary.dump'],
    ['gzip plain SQL', FIXTURE_FILES.plainGzip, 'canary.sql.gz'],
    ['tar format', FIXTURE_FILES.tar, 'canary.tar'],
  ])('catches the damage in a %s backup', async (_label, fixture, name) => {
    const path = scratchCopy(env, fixture, name);
    const planId = await createPlan({ name: `Canary ${name}`, source: { kind: 'file', path }, notify: [{ channel: 'ops-email' }, { channel: 'healthcheck' }] });
    const started = await call('POST', `/api/plans/${planId}/canary`);
    const pingsBefore = hooks.requests.filter((r) => r.path.startsWith('/ping/')).length;
    const result = (await env.client.workflow.getHandle(started.body.drillId).result()) as DrillResult;
    expect(result).toMatchObject({ outcome: 'failed', canary: { detected: true, alerted: true } });
    expect(['restore']).toContain(result.failedStep);
    // Only the email: a canary leaves health-check pings alone.
    expect(result.canary!.deliveries.map((d) => d.channel)).toEqual(['ops-email']);
    expect(hooks.requests.filter((r) => r.path.startsWith('/ping/')).length).toBe(pingsBefore);
  });

  it('drills a damaged copy that must fail and alert, and leaves the backup untouched', async () => {
    const backup = backupFile('canary.sql');
    const before = createHash('sha256').update(fs.readFileSync(backup.path)).digest('hex');
    const planId = await createPlan({ name: 'Canary plan', source: { kind: 'file', path: backup.path }, notify: [{ channel: 'ops-email' }] });
    expect((await drillPlan(planId)).outcome).toBe('passed');

    const started = await call('POST', `/api/plans/${planId}/canary`);
    expect(started.status).toBe(202);
    const handle = env.client.workflow.getHandle(started.body.drillId);
    const result = await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(result).toMatchObject({ trigger: 'canary', outcome: 'failed', failedStep: 'restore', canary: { detected: true, alerted: true } });
    expect(result.canary!.deliveries).toEqual([{ channel: 'ops-email', status: 'sent', detail: expect.stringMatching(/^250/) }]);
    const mail = await smtp.waitForMessage((m) => m.subject.includes('Canary plan'), 15_000);
    expect(mail.subject).toMatch(/^\[canary\]/);
    expect(createHash('sha256').update(fs.readFileSync(backup.path)).digest('hex')).toBe(before);

    const summary = await call('GET', `/api/plans/${planId}/summary`);
    expect(summary.body).toMatchObject({ status: 'passing', lastCanary: { drillId: started.body.drillId, detected: true, alerted: true }, streak: { count: 0 } });
  });
});

describe('channel health', () => {
  it('a channel that refuses connections is retried, each attempt recorded, and reported failing', async () => {
    const closedPort = await freePort();
    expect((await call('POST', '/api/channels', { name: 'dead-smtp', config: { kind: 'email', smtp: { host: '127.0.0.1', port: closedPort, security: 'none' }, from: 'a@example.test', to: ['b@example.test'] } })).status).toBe(201);
    const backup = backupFile('dead.sql');
    backup.breakIt();
    const planId = await createPlan({ name: 'Dead channel plan', source: { kind: 'file', path: backup.path }, notify: [{ channel: 'dead-smtp' }] });
    expect((await drillPlan(planId)).outcome).toBe('failed');

    const attempts = await eventually(
      'three failed delivery attempts',
      async () => {
        const rows = await env.query<{ attempt: number; status: string; detail: string }>("SELECT n.attempt, n.status, n.detail FROM notifications n JOIN channels c ON c.id = n.channel_id WHERE c.name = 'dead-smtp' ORDER BY n.attempt");
        return rows.length >= 3 && rows;
      },
      30_000,
    );
    expect(attempts.map((a) => a.attempt).slice(0, 3)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => a.status === 'failed' && /refused|ECONNREFUSED/i.test(a.detail))).toBe(true);

    const channel = await call('GET', '/api/channels/dead-smtp');
    expect(channel.body.health).toMatchObject({ status: 'failing' });
    expect(channel.body.health.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(channel.body.usedBy).toEqual([{ planId, name: 'Dead channel plan' }]);
    const metrics = (await call('GET', '/metrics')).body as string;
    const failures = Number(/restore_drill_notification_failures_total\{channel="dead-smtp",kind="email"\} (\d+)/.exec(metrics)?.[1]);
    expect(failures).toBeGreaterThanOrEqual(3);
    expect(metrics).toMatch(/restore_drill_channel_consecutive_failures\{channel="dead-smtp",kind="email"\} [3-9]/);
    // Removing a channel a plan routes to is refused, naming the plan.
    const removal = await call('DELETE', '/api/channels/dead-smtp');
    expect(removal.status).toBe(409);
    expect(removal.body.message).toContain('Dead channel plan');
  });

  it('a test message goes through the worker and says what the server answered', async () => {
    const answer = await call('POST', '/api/channels/ops-email/test');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ channel: 'ops-email', status: 'sent', detail: expect.stringMatching(/^250/) });
    await smtp.waitForMessage((m) => m.headers['x-restore-drill-event'] === 'test', 10_000);
  });
});
