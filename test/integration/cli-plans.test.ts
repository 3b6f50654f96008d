/**
 * The plan, schedule, channel and canary commands of the real `drill` binary against a real API,
 * Temporal server, history database and worker: what they print, how they exit, and what they
 * leave in Temporal (schedules) and in the history database (plans, drills, deliveries).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../api/server.js';
import { PROJECT_ROOT } from '../../core/config.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import { createDrillTestEnv, type DrillTestEnv } from '../support/drill-env.js';
import { FIXTURE_FILES } from '../support/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const execFileAsync = promisify(execFile);
const DRILL_BIN = path.join(PROJECT_ROOT, 'cli', 'bin.js');
const SIGNING_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

let env: DrillTestEnv;
let api: ApiServer;
let receiver: WebhookReceiver;
let workDir: string;

beforeAll(async () => {
  env = await createDrillTestEnv('cli-plans');
  api = await env.startApi();
  receiver = await startWebhookReceiver({ signingSecret: SIGNING_SECRET });
  workDir = fs.mkdtempSync(path.join(env.scratchDir, 'cli-plans-'));
});
afterAll(async () => {
  await receiver?.stop();
  await api?.close();
  await env?.close();
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function drill(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [DRILL_BIN, ...args], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.temporalAddress,
        RESTORE_DRILL_TASK_QUEUE: env.taskQueue,
        RESTORE_DRILL_API: api.url,
        RESTORE_DRILL_TOKEN: env.manager.token,
        // The env's worker reads the vault with this key: secrets the CLI adds must be wrapped with it.
        DATABASE_URL: env.databaseUrl,
        RESTORE_DRILL_MASTER_KEY: env.masterKey,
        ...extraEnv,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** Runs a command that must succeed, showing its stderr when it does not. */
async function ok(args: string[]): Promise<string> {
  const outcome = await drill(args);
  expect(outcome.code, `drill ${args.join(' ')}\n${outcome.stderr}`).toBe(0);
  return outcome.stdout;
}

function scheduleOf(planId: string) {
  return env.client.schedule.getHandle(`${env.taskQueue}:plan:${planId}`);
}

/** Hour and minute of an instant in a time zone, computed here rather than by the code under test. */
function wallClock(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

function createdPlanId(stdout: string): string {
  const match = /^Created plan "[^"]+" \(([a-z0-9-]+)\)$/m.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return match![1]!;
}

describe('a scheduled plan, from create to delete', () => {
  const name = 'Nightly app';
  let planId: string;
  const drillIds: string[] = [];

  it('plan create --daily 03:00 --tz Europe/Paris saves the plan and creates its Temporal schedule', async () => {
    const stdout = await ok(['plan', 'create', '--name', name, '--engine', 'postgres', '--backup', env.fixture(FIXTURE_FILES.custom), '--max-age', '3650d', '--daily', '03:00', '--tz', 'Europe/Paris']);
    planId = createdPlanId(stdout);
    expect(planId).toMatch(/^nightly-app-[0-9a-f]{6}$/);
    expect(stdout).toMatch(/schedule\s+daily at 03:00 \(Europe\/Paris\), catch-up 6h/);

    const description = await scheduleOf(planId).describe();
    expect(description.state.note).toBe('Nightly app (postgres): daily at 03:00 (Europe/Paris), catch-up 6h');
    expect(description.state.paused).toBe(false);
    expect(description.spec.timezone).toBe('Europe/Paris');
    expect(description.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] })]);
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'restoreDrill', taskQueue: env.taskQueue, args: [{ planId, trigger: 'schedule' }] });

    const [row] = await env.query<{ name: string; deleted_at: Date | null }>('SELECT name, deleted_at FROM plans WHERE id = $1', [planId]);
    expect(row).toEqual({ name, deleted_at: null });
  });

  it('plan show prints the schedule, its next runs in the plan zone, and where the plan stands', async () => {
    const stdout = await ok(['plan', 'show', name]);
    expect(stdout).toMatch(new RegExp(`^Plan "Nightly app" \\(${planId}\\), version 1$`, 'm'));
    expect(stdout).toMatch(/engine\s+postgres, format auto/);
    expect(stdout).toContain(`source     file://${env.fixture(FIXTURE_FILES.custom)}`);
    expect(stdout).toContain(`Temporal schedule ${env.taskQueue}:plan:${planId}`);
    const nextRuns = [...stdout.matchAll(/(?:next runs|^)\s+\w{3} \d{4}-\d{2}-\d{2} (\d{2}:\d{2}) Europe\/Paris\s+\((\S+), in [^)]+\)/gm)];
    expect(nextRuns).toHaveLength(3);
    for (const [, local, iso] of nextRuns) {
      expect(local).toBe('03:00');
      expect(wallClock(iso!, 'Europe/Paris')).toBe('03:00');
      expect(new Date(iso!).getTime()).toBeGreaterThan(Date.now());
    }
    expect(new Date(nextRuns[0]![2]!).getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600 * 1000);
    expect(stdout).toMatch(/^Status: NEVER-RUN$/m);
    expect(stdout).toMatch(/last run\s+never/);
    expect(stdout).toMatch(new RegExp(`next run\\s+${nextRuns[0]![2]!.replace(/[.]/g, '\\.')} \\(in `));
    expect(stdout).toMatch(/RPO\s+no backup proven restorable yet; no target/);

    const json = JSON.parse(await ok(['plan', 'show', planId, '--json']));
    expect(json.plan).toMatchObject({ id: planId, name, schedule: { paused: false, description: 'daily at 03:00 (Europe/Paris)' } });
    expect(json.summary).toMatchObject({ planId, status: 'never-run', drills: 0 });
  });

  it('plan edit changes the schedule in place, keeping its zone, and merges a threshold into the checks', async () => {
    const stdout = await ok(['plan', 'edit', name, '--weekly', 'mon,thu@4:30', '--min-rows', '3']);
    expect(stdout).toMatch(new RegExp(`^Updated plan "Nightly app" \\(${planId}\\) to version 2$`, 'm'));
    expect(stdout).toMatch(/schedule\s+weekly on Mon, Thu at 04:30 \(Europe\/Paris\)/);
    expect(stdout).toMatch(/checks\s+≥ 1 table\(s\), ≥ 3 row\(s\), backup younger than 3650d00h/);

    const description = await scheduleOf(planId).describe();
    expect(description.state.note).toBe('Nightly app (postgres): weekly on Mon, Thu at 04:30 (Europe/Paris), catch-up 6h');
    expect(description.spec.timezone).toBe('Europe/Paris');
    expect(description.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 4, end: 4, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }], dayOfWeek: expect.arrayContaining([expect.objectContaining({ start: 'MONDAY' })]) })]);
    const [row] = await env.query<{ version: number; spec: { checks: { minRows: number; maxAgeSeconds: number } } }>('SELECT version, spec FROM plans WHERE id = $1', [planId]);
    expect(row!.version).toBe(2);
    expect(row!.spec.checks).toMatchObject({ minRows: 3, maxAgeSeconds: 3650 * 86400 });
  });

  it('schedule pause needs a note, and pause/resume show in Temporal and in plan show and list', async () => {
    const noNote = await drill(['schedule', 'pause', name]);
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toMatch(/--note is required/);

    const paused = await ok(['schedule', 'pause', name, '--note', 'restore host maintenance']);
    expect(paused).toContain(`Paused the schedule of plan "Nightly app" (${planId}): restore host maintenance`);
    let description = await scheduleOf(planId).describe();
    expect(description.state.paused).toBe(true);
    expect(description.state.note).toBe('PAUSED (restore host maintenance) Nightly app (postgres): weekly on Mon, Thu at 04:30 (Europe/Paris), catch-up 6h');
    expect(await ok(['plan', 'show', name])).toMatch(/PAUSED\s+restore host maintenance/);
    expect(await ok(['plan', 'list'])).toMatch(new RegExp(`^Nightly app\\s+${planId}\\s+never-run\\s+weekly on Mon, Thu at 04:30 \\(Europe/Paris\\)\\s+never\\s+paused$`, 'm'));

    const resumed = await ok(['schedule', 'resume', name, '--note', 'host is back']);
    expect(resumed).toMatch(/Resumed the schedule of plan "Nightly app" .*: weekly on Mon, Thu at 04:30 \(Europe\/Paris\); next run \d{4}-/);
    description = await scheduleOf(planId).describe();
    expect(description.state.paused).toBe(false);
    expect(description.state.note).toBe('Nightly app (postgres): weekly on Mon, Thu at 04:30 (Europe/Paris), catch-up 6h (resumed: host is back)');
  });

  it('run --plan drills the saved plan through Temporal and records the drill under the plan id', async () => {
    const { code, stdout } = await drill(['run', '--plan', name, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ planId, outcome: 'passed', tableCount: 4, totalRows: 4617 });
    drillIds.push(result.drillId);

    const [row] = await env.query<{ plan_id: string; plan_version: number; trigger: string; request: { requestedBy: string } }>('SELECT plan_id, plan_version, trigger, request FROM drills WHERE id = $1', [result.drillId]);
    expect(row).toMatchObject({ plan_id: planId, plan_version: 2, trigger: 'manual', request: { requestedBy: `cli:${os.userInfo().username}` } });

    const human = await drill(['run', '--plan', planId]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Drill drill-\S+: PASSED$/m);
    expect(human.stdout).toContain(`plan     Nightly app (${planId})`);
    drillIds.push(/^Drill (\S+): PASSED$/m.exec(human.stdout)![1]!);
  });

  it('list --plan shows the plan drills only, a page at a time', async () => {
    await ok(['run', '--engine', 'postgres', '--file', env.fixture(FIXTURE_FILES.custom)]);
    const listed = await ok(['list', '--plan', name]);
    const ids = [...listed.matchAll(/^\S+\s+(drill-\S+)\s+passed\s+.*\bNightly app\b/gm)].map((m) => m[1]);
    expect(ids).toEqual([...drillIds].reverse());
    expect(listed).not.toMatch(/next page/);

    const first = await ok(['list', '--plan', name, '--limit', '1']);
    expect(first).toContain(drillIds[1]);
    const next = /^next page: drill list --plan 'Nightly app' --limit 1 --cursor (\S+)$/m.exec(first);
    expect(next, first).not.toBeNull();
    const second = await ok(['list', '--plan', name, '--limit', '1', '--cursor', next![1]!]);
    expect(second).toContain(drillIds[0]);
    expect(second).not.toContain(drillIds[1]);
  });

  it('plan show and list report the last run, last pass and drill count', async () => {
    const stdout = await ok(['plan', 'show', name]);
    expect(stdout).toMatch(/^Status: PASSING$/m);
    expect(stdout).toMatch(new RegExp(`last run\\s+${drillIds[1]} passed \\S+ ago, took `));
    expect(stdout).toMatch(new RegExp(`last pass\\s+${drillIds[1]} \\S+ ago, backup modified `));
    expect(stdout).toMatch(/drills\s+2$/m);
    expect(await ok(['plan', 'list'])).toMatch(new RegExp(`^Nightly app\\s+${planId}\\s+passing\\s+weekly on Mon, Thu at 04:30 \\(Europe/Paris\\)\\s+passed \\S+ ago\\s+\\d{4}-\\S+ \\(in `, 'm'));
  });

  it('schedule trigger starts a drill through the schedule and prints its id; backfill runs the missed ones', async () => {
    const triggered = await ok(['schedule', 'trigger', name]);
    // The API waits 3 s for the drill to show up; on a loaded host the CLI may say it has not yet.
    expect(triggered).toMatch(/^Triggered schedule \S+:plan:\S+(: drill drill-\S+ started|; its drill has not shown up yet)/m);
    const drillId = /drill (drill-\S+) started/.exec(triggered)?.[1] ?? (await scheduledDrillOf(planId));
    const result = await awaitDrillResult(env.client.workflow.getHandle(drillId).result());
    expect(result).toMatchObject({ planId, trigger: 'schedule', outcome: 'passed' });

    const badRange = await drill(['schedule', 'backfill', name, '--from', '1d', '--to', '8d']);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toMatch(/"from" must be before "to"/);
    // Mon and Thu at 04:30 Paris: any 8 days back hold two or three of them.
    const backfill = await ok(['schedule', 'backfill', name, '--from', '8d', '--to', '1s']);
    const runs = Number(/Backfill of (\d+) run\(s\)/.exec(backfill)?.[1]);
    expect(runs).toBeGreaterThanOrEqual(2);
    await waitFor(async () => (await env.query<{ n: number }>(`SELECT count(*)::int AS n FROM drills WHERE plan_id = $1 AND trigger = 'schedule' AND outcome <> 'running'`, [planId]))[0]!.n === runs + 1, 90_000);
    const scheduled = await ok(['list', '--plan', planId, '--outcome', 'passed']);
    expect([...scheduled.matchAll(/\bschedule\b/g)]).toHaveLength(runs + 1);
  });

  it('schedule reconcile repairs a schedule deleted behind its back and prints the repair', async () => {
    await scheduleOf(planId).delete();
    const stdout = await ok(['schedule', 'reconcile']);
    expect(stdout).toContain(`repaired missing schedule of plan ${planId} (${env.taskQueue}:plan:${planId})`);
    expect(stdout).toMatch(/^1 repaired, \d+ already in sync, 0 failed$/m);
    expect((await scheduleOf(planId).describe()).state.note).toBe('Nightly app (postgres): weekly on Mon, Thu at 04:30 (Europe/Paris), catch-up 6h (resumed: host is back)');
  });

  it('plan delete removes the schedule and keeps the drills', async () => {
    const { n: before } = (await env.query<{ n: number }>('SELECT count(*)::int AS n FROM drills WHERE plan_id = $1', [planId]))[0]!;
    const stdout = await ok(['plan', 'delete', name]);
    expect(stdout).toContain(`Deleted plan "Nightly app" (${planId}) and its Temporal schedule.`);
    expect(stdout).toContain(`Its history is kept: ${before} drill(s), listed by drill list --plan ${planId}`);
    await expect(scheduleOf(planId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const [row] = await env.query<{ deleted_at: Date | null; drills: number }>('SELECT deleted_at, (SELECT count(*)::int FROM drills WHERE plan_id = $1) AS drills FROM plans WHERE id = $1', [planId]);
    expect(row!.deleted_at).toBeInstanceOf(Date);
    expect(row!.drills).toBe(before);

    expect(await ok(['list', '--plan', planId])).toContain(drillIds[0]);
    const deleted = await ok(['plan', 'show', planId]);
    expect(deleted).toMatch(new RegExp(`^Plan "Nightly app" \\(${planId}\\), version 2, DELETED at \\d{4}-`, 'm'));
    expect(deleted).toContain('(its Temporal schedule was deleted with the plan)');
    expect(deleted).toContain(`Its drills stay in history: drill list --plan ${planId}`);
    expect(deleted).not.toMatch(/next runs|Status:/);
    const rerun = await drill(['run', '--plan', planId]);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toMatch(/plan "Nightly app" \(.*\) was deleted at .*; its drills stay in history/);
    expect(await ok(['plan', 'list'])).not.toContain(planId);
  });
});

describe('channels and canaries', () => {
  it('vault add, channel add of a webhook, and channel test reaching the real receiver', async () => {
    const secretFile = path.join(workDir, 'hook.secret');
    fs.writeFileSync(secretFile, `${SIGNING_SECRET}\n`, { mode: 0o600 });
    const added = await drill(['vault', 'add', '--kind', 'webhook-secret', '--name', 'hook-secret', '--from-file', secretFile]);
    expect(added.code, added.stderr).toBe(0);

    const missingSecret = await drill(['channel', 'add', '--name', 'no-secret', '--kind', 'webhook', '--url', `${receiver.origin}/hook`, '--signing-secret-credential', 'not-in-vault']);
    expect(missingSecret.code).toBe(2);
    expect(missingSecret.stderr).toMatch(/signingSecret names vault credential "not-in-vault", which does not exist/);

    const channel = await ok(['channel', 'add', '--name', 'ops-hook', '--kind', 'webhook', '--url', `${receiver.origin}/hook`, '--signing-secret-credential', 'hook-secret']);
    expect(channel).toMatch(/^Added webhook channel "ops-hook" \(ch-[0-9a-f]+\): POST to http:\/\/127\.0\.0\.1:\d+\/hook, signed with vault credential hook-secret$/m);
    expect(channel + added.stdout).not.toContain(SIGNING_SECRET.slice(6, 30));

    const before = receiver.requests.length;
    const test = await drill(['channel', 'test', 'ops-hook']);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/^Test message sent to "ops-hook": HTTP 200/m);
    const [request] = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(request).toMatchObject({ method: 'POST', path: '/hook', verification: 'ok', status: 200 });
    expect(JSON.parse(request!.body)).toMatchObject({ type: 'restore_drill.test' });

    const list = await ok(['channel', 'list']);
    expect(list).toMatch(/^NAME\s+KIND\s+HEALTH\s+FAILURES\s+LAST SENT\s+USED BY\s+LAST ERROR$/m);
    expect(list).toMatch(/^ops-hook\s+webhook\s+ok\s+0\s+\d{4}-\S+\s+-\s+-$/m);
  });

  it('channel test exits 2 and prints the answer when the channel refuses', async () => {
    receiver.respondWith({ status: 410, body: 'hook retired' });
    const test = await drill(['channel', 'test', 'ops-hook']);
    expect(test.code).toBe(2);
    expect(test.stdout).toMatch(/Test message to "ops-hook" was NOT delivered: .*HTTP 410 hook retired/);
    expect(await ok(['channel', 'list'])).toMatch(/^ops-hook\s+webhook\s+ok\s+1\s+.*HTTP 410 hook retired/m);
    const unknown = await drill(['channel', 'test', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no channel with id or name "nope"/);
  });

  it('canary exits 0 when the damage is detected and the alert delivered, and show lists the delivery', async () => {
    const stdout = await ok(['plan', 'create', '--name', 'canary-app', '--engine', 'postgres', '--backup', env.fixture(FIXTURE_FILES.custom), '--notify', 'ops-hook:failed,error']);
    const planId = createdPlanId(stdout);
    expect(stdout).toMatch(/notify\s+ops-hook \(failed, error\)/);
    expect(stdout).toMatch(/schedule\s+none: drills only when asked/);
    const before = receiver.requests.length;

    const canary = await drill(['canary', 'canary-app']);
    expect(canary.code, canary.stderr + canary.stdout).toBe(0);
    expect(canary.stdout).toMatch(/^Canary canary-\S+ of plan "canary-app": OK$/m);
    expect(canary.stdout).toMatch(/detected\s+yes: failed at restore: \[restorable\] /);
    expect(canary.stdout).toMatch(/✓ ops-hook\s+sent: HTTP 200/);
    const canaryId = /^Canary (\S+) of/m.exec(canary.stdout)![1]!;
    const delivered = (await receiver.waitForRequests(before + 1)).slice(before);
    expect(delivered[0]).toMatchObject({ verification: 'ok', status: 200 });
    expect(JSON.parse(delivered[0]!.body)).toMatchObject({ type: 'restore_drill.failed' });
    expect(delivered[0]!.body).toContain(canaryId);

    const [row] = await env.query<{ plan_id: string; trigger: string; canary: { detected: boolean; alerted: boolean } }>('SELECT plan_id, trigger, canary FROM drills WHERE id = $1', [canaryId]);
    expect(row).toMatchObject({ plan_id: planId, trigger: 'canary', canary: { detected: true, alerted: true } });

    const show = await ok(['show', canaryId]);
    expect(show).toMatch(/failure\s+level restorable, step restore/);
    expect(show).toMatch(/step log\n\s+locate passed/);
    expect(show).toMatch(/canary\s+damage detected, alert delivered/);
    expect(show).toMatch(/notified\n\s+failed\s+ops-hook \(webhook\)\s+sent, 1 attempt\(s\)/);
    expect(await ok(['plan', 'show', 'canary-app'])).toMatch(new RegExp(`last canary ${canaryId} at \\S+: damage detected, alert delivered`));

    const routed = await drill(['channel', 'rm', 'ops-hook']);
    expect(routed.code).toBe(2);
    expect(routed.stderr).toMatch(/channel "ops-hook" is routed to by "canary-app"/);
  });

  it('canary exits 1 when no channel is routed the alert', async () => {
    await ok(['plan', 'edit', 'canary-app', '--notify', 'ops-hook:passed']);
    const canary = await drill(['canary', 'canary-app', '--json']);
    expect(canary.code).toBe(1);
    expect(JSON.parse(canary.stdout)).toMatchObject({ detected: true, alerted: false, deliveries: [], failedStep: 'restore', level: 'restorable' });
    const human = await drill(['canary', 'canary-app']);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/: PROBLEM$/m);
    expect(human.stdout).toMatch(/alerted\s+NO: no channel is routed failed alerts/);
  });

  it('channel rm removes a channel once no plan routes to it', async () => {
    await ok(['plan', 'delete', 'canary-app']);
    expect(await ok(['channel', 'rm', 'ops-hook'])).toMatch(/^Removed channel "ops-hook" \(ch-[0-9a-f]+\)/);
    expect(await ok(['channel', 'list'])).toMatch(/^No channels yet/);
  });
});

describe('bad input', () => {
  it('an unknown plan exits 2 with the API message', async () => {
    for (const args of [['plan', 'show', 'no-such-plan'], ['run', '--plan', 'no-such-plan'], ['schedule', 'pause', 'no-such-plan', '--note', 'x'], ['canary', 'no-such-plan']]) {
      const outcome = await drill(args);
      expect(outcome.code, args.join(' ')).toBe(2);
      expect(outcome.stderr).toBe('drill: no plan with id or name "no-such-plan"\n');
    }
  });

  it('schedule flags are checked against the flag typed', async () => {
    const base = ['plan', 'create', '--name', 'bad-schedule', '--engine', 'postgres', '--backup', env.fixture(FIXTURE_FILES.custom)];
    const cases: Array<[string[], RegExp]> = [
      [['--weekly', 'mon,funday@03:00'], /^drill: --weekly: "funday" is not a day: use sun, mon, tue, wed, thu, fri, sat$/m],
      [['--weekly', 'mon,thu'], /^drill: --weekly: expected DAYS@HH:MM such as mon,thu@03:00, got "mon,thu"$/m],
      [['--daily', '25:00'], /^drill: --daily: "25:00" is not a 24-hour time such as 03:30$/m],
      [['--daily', '03:00', '--tz', 'Mars/Olympus'], /^drill: --tz: "Mars\/Olympus" is not an IANA time zone/m],
      [['--cron', '0 3 * *'], /^drill: --cron: a cron string has 5 fields/m],
      [['--every', '5s'], /^drill: --every: must be at least 10\.0s$/m],
      [['--daily', '03:00', '--every', '6h'], /^drill: give one schedule, not --daily and --every$/m],
      [['--tz', 'UTC'], /^drill: --tz changes a schedule, and the plan has none/m],
      [['--no-schedule'], /^drill: --no-schedule is for drill plan edit/m],
      [['--notify', 'ops:failed,sometimes'], /^drill: --notify ops: "sometimes" is not an event/m],
    ];
    for (const [flags, message] of cases) {
      const outcome = await drill([...base, ...flags]);
      expect(outcome.code, flags.join(' ')).toBe(2);
      expect(outcome.stderr, flags.join(' ')).toMatch(message);
    }
    expect((await env.query('SELECT id FROM plans WHERE name = $1', ['bad-schedule'])).length).toBe(0);
  });

  it('plan create refuses what it cannot save, naming what is missing or wrong', async () => {
    const missing = await drill(['plan', 'create', '--engine', 'postgres']);
    expect(missing).toMatchObject({ code: 2, stderr: 'drill: a plan needs --name, --backup PATH or --source URI (or a --from-json file that has them)\n' });
    const file = await drill(['plan', 'create', '--name', 'x', '--engine', 'postgres', '--file', '/backups/x.dump']);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/drill plan takes the local backup as --backup PATH and a plan JSON file as --from-json FILE/);
    const wrongFormat = await drill(['plan', 'create', '--name', 'x', '--engine', 'mysql', '--backup', '/backups/x.sql', '--format', 'custom']);
    expect(wrongFormat.code).toBe(2);
    expect(wrongFormat.stderr).toMatch(/^drill: invalid plan: format: mysql backups come as "auto", "plain"; "custom" is not one of them$/m);
    const unknownChannel = await drill(['plan', 'create', '--name', 'x', '--engine', 'postgres', '--backup', '/backups/x.dump', '--notify', 'nobody-here']);
    expect(unknownChannel.code).toBe(2);
    expect(unknownChannel.stderr).toMatch(/notify: channel "nobody-here" does not exist/);
  });

  it('plan create --from-json takes a whole plan, flags override it, and a duplicate name is refused', async () => {
    const planFile = path.join(workDir, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify({ name: 'from-file', engine: 'postgres', source: { kind: 'file', path: env.fixture(FIXTURE_FILES.custom) }, schedule: { frequency: 'cron', cron: '15 */6 * * *' }, checks: { minTables: 2 } }));
    const stdout = await ok(['plan', 'create', '--from-json', planFile, '--min-rows', '10', '--rpo-hours', '30']);
    const planId = createdPlanId(stdout);
    expect(stdout).toMatch(/checks\s+≥ 2 table\(s\), ≥ 10 row\(s\)/);
    expect(stdout).toMatch(/RPO target 30h/);
    expect((await scheduleOf(planId).describe()).state.note).toBe('from-file (postgres): cron "15 */6 * * *" (UTC), catch-up 6h');

    const duplicate = await drill(['plan', 'create', '--from-json', planFile]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toMatch(new RegExp(`a plan named "from-file" exists \\(${planId}\\)`));

    const removed = await ok(['plan', 'edit', 'from-file', '--no-schedule', '--json']);
    expect(JSON.parse(removed)).toMatchObject({ id: planId, version: 2, schedule: null });
    await expect(scheduleOf(planId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const nothing = await drill(['plan', 'edit', 'from-file']);
    expect(nothing).toMatchObject({ code: 2, stderr: expect.stringMatching(/^drill: nothing to change/) });
    await ok(['plan', 'delete', planId]);
  });

  it('run --plan cannot be combined with backup flags, and --plan-id points to --plan', async () => {
    const combined = await drill(['run', '--plan', 'anything', '--engine', 'postgres', '--file', '/backups/x.dump']);
    expect(combined.code).toBe(2);
    expect(combined.stderr).toMatch(/^drill: --plan drills the plan as saved, so it cannot be combined with --engine, --file: change the plan with drill plan edit/m);
    const retired = await drill(['run', '--engine', 'postgres', '--file', '/backups/x.dump', '--plan-id', 'nightly']);
    expect(retired.code).toBe(2);
    expect(retired.stderr).toMatch(/^drill: --plan-id is gone: .*Use --plan NAME \(create the plan with drill plan create/m);
  });

  it('an unreachable API exits 2 saying where it looked', async () => {
    const port = await closedPort();
    const outcome = await drill(['plan', 'list'], { RESTORE_DRILL_API: `http://127.0.0.1:${port}` });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`drill: cannot reach the Restore Drill API at http://127.0.0.1:${port} (ECONNREFUSED): is \`npm start\` running? Set RESTORE_DRILL_API to use another\n`);
  });
});

async function scheduledDrillOf(planId: string): Promise<string> {
  let id: string | undefined;
  await waitFor(async () => {
    id = (await env.query<{ id: string }>(`SELECT id FROM drills WHERE plan_id = $1 AND trigger = 'schedule'`, [planId]))[0]?.id;
    return id !== undefined;
  }, 30_000);
  return id!;
}

/** A loopback port nothing listens on (fetch refuses the well-known "bad" ports such as 9 outright). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
