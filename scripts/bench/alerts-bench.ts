/**
 * `BENCH_SUITE=alerts npm run bench`: how long after a drill's verdict does its alert reach the
 * mail server (target ≤ 2 s)? The whole stack: Temporal dev server, a worker (in this process, as
 * the tests run it), a fresh history database, the API, and a real SMTP server on loopback
 * (test/support/smtp-receiver.ts). An email channel and a plan whose backup is a cut-short plain
 * dump, routed to it with `alertRepeat: every-drill`, are made through the API; then BENCH_ALERTS
 * drills (default 20, after BENCH_WARMUP = 2 discarded) are started with `POST /api/drills`, one
 * after another. Each is measured from its verdict (the DrillResult's `finishedAt`) to the moment
 * the SMTP server had the message, and split at the report step's end, the notification event
 * row (`notification_events.created_at`) and the first delivery attempt (`notifications.started_at`).
 * Baseline, interleaved: the same message sent by the product's email notifier directly.
 */
import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import postgres from 'postgres';
import { emailNotifier } from '../../activities/notify/email.js';
import type { EventFacts } from '../../activities/notify/channel.js';
import { createVault, generateMasterKeyBase64, loadMasterKeys } from '../../activities/vault/index.js';
import { loadConfig } from '../../core/config.js';
import { awaitDrillResult } from '../../core/drill-outcome.js';
import type { CredentialResolver } from '../../core/credentials.js';
import { channelConfigSchema, type ChannelConfig, type ChannelConfigInput } from '../../core/notify.js';
import { migrateHistoryDatabase, openHistoryDatabase } from '../../db/client.js';
import { startSmtpReceiver, type ReceivedEmail, type SmtpReceiver } from '../../test/support/smtp-receiver.js';
import { createDrillWorker } from '../../worker/worker.js';
import { startBenchApi, startBenchInfrastructure } from './api-stack.js';
import { ensureCutPlainDump } from './datasets/cut-dump.js';
import { log } from './datasets/dataset.js';
import { databaseUrl } from './datasets/history.js';
import { machine, median, TASK_QUEUE } from './harness.js';
import { againstTarget, ms, percentile, ratio, wallClockMs } from './latency.js';

const TARGET_MS = 2000;
const DATABASE = 'bench_alerts';
const MAIL_TIMEOUT_MS = 60_000;

type EmailChannel = Extract<ChannelConfig, { kind: 'email' }>;

interface AlertTiming {
  drillId: string;
  drillMs: number;
  verdictAt: number;
  reportedAt: number;
  eventAt: number;
  attemptAt: number;
  receivedAt: number;
}

export async function runAlertsBench(benchDir: string): Promise<void> {
  const drills = wholeNumber('BENCH_ALERTS', 20, 1);
  const warmup = wholeNumber('BENCH_WARMUP', 2, 0);
  // Every drill here fails on purpose, and the worker warns about each: only errors are news.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = loadConfig();
  const infrastructure = await startBenchInfrastructure(benchDir);
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const url = await freshDatabase(infrastructure.history.url);
    const backup = await ensureCutPlainDump(benchDir, infrastructure.history.url);
    const history = openHistoryDatabase(url);
    cleanup.push(() => history.close());
    const raw = postgres(url, { max: 1, onnotice: () => {} });
    cleanup.push(() => raw.end({ timeout: 5 }));
    const vault = createVault({ db: history.db, keys: loadMasterKeys({ RESTORE_DRILL_MASTER_KEY: generateMasterKeyBase64() }), actor: 'bench:alerts' });
    const smtp = await startSmtpReceiver();
    cleanup.push(() => smtp.stop());

    log('starting the worker (bundles the workflows)…');
    const worker = await createDrillWorker({
      address: infrastructure.temporal.address,
      namespace: config.temporalNamespace,
      taskQueue: TASK_QUEUE,
      db: history.db,
      workerId: `bench-${randomBytes(3).toString('hex')}`,
      credentials: vault,
      systemSchedules: false,
      reconcileOnStart: false,
      log: (message) => log(`worker: ${message}`),
    });
    const running = worker.run();
    cleanup.push(async () => {
      worker.shutdown();
      await running;
    });
    const api = await startBenchApi(infrastructure, url, { appUrl: 'http://127.0.0.1' });
    cleanup.push(() => api.close());
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...api.headers }, body: JSON.stringify(body) });
      const answer = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`POST ${path}: HTTP ${response.status}: ${JSON.stringify(answer)}`);
      return answer;
    };

    const channelConfig: ChannelConfigInput = { kind: 'email', smtp: { host: smtp.host, port: smtp.port, security: 'none' }, from: 'restore-drill@bench.test', to: ['ops@bench.test'] };
    await post('/api/channels', { name: 'bench-email', config: channelConfig });
    const emailConfig = channelConfigSchema.parse(channelConfig) as EmailChannel;
    const plan = await post('/api/plans', { name: 'Alert latency', engine: 'postgres', source: { kind: 'file', path: backup }, notify: [{ channel: 'bench-email' }], alertRepeat: 'every-drill' });
    const planId = plan.id as string;

    const timings: AlertTiming[] = [];
    const direct: number[] = [];
    for (let i = 0; i < warmup + drills; i += 1) {
      const label = i < warmup ? `warm-up ${i + 1}/${warmup}` : `drill ${i - warmup + 1}/${drills}`;
      const timing = await alertOnce(smtp, raw, planId, post, api.temporal.client);
      const sent = await directSend(smtp, emailConfig, vault, raw, timing.drillId);
      log(`${label}: ${timing.drillId} verdict → SMTP ${ms(timing.receivedAt - timing.verdictAt)} (drill ${ms(timing.drillMs)}); notifier alone ${ms(sent)}`);
      if (i >= warmup) {
        timings.push(timing);
        direct.push(sent);
      }
    }
    console.log(report(timings, direct, warmup, infrastructure.describe()));
  } finally {
    for (const step of cleanup.reverse()) await step().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
    await infrastructure.stop();
  }
}

function wholeNumber(variable: string, fallback: number, min: number): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${variable} must be a whole number ≥ ${min}, not "${process.env[variable]}"`);
  return value;
}

/** A database of its own per invocation: no channel, plan or event of an earlier run in the way. */
async function freshDatabase(historyUrl: string): Promise<string> {
  const admin = postgres(databaseUrl(historyUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = databaseUrl(historyUrl, DATABASE);
  await migrateHistoryDatabase(url);
  return url;
}

/** The next message the receiver takes, and when: stamped as its waiter wakes, right after the receiver stored it. */
function nextMessage(smtp: SmtpReceiver): Promise<{ mail: ReceivedEmail; at: number }> {
  const before = smtp.messages.length;
  return smtp.waitForMessage((m) => smtp.messages.indexOf(m) >= before, MAIL_TIMEOUT_MS).then((mail) => ({ mail, at: wallClockMs() }));
}

type Post = (path: string, body: unknown) => Promise<Record<string, unknown>>;
type TemporalClient = Awaited<ReturnType<typeof startBenchApi>>['temporal']['client'];

async function alertOnce(smtp: SmtpReceiver, raw: postgres.Sql, planId: string, post: Post, client: TemporalClient): Promise<AlertTiming> {
  const received = nextMessage(smtp);
  const { drillId } = (await post('/api/drills', { planId })) as { drillId: string };
  const result = await awaitDrillResult(client.workflow.getHandle(drillId).result());
  if (result.outcome !== 'failed') throw new Error(`drill ${drillId} was meant to fail at restore, it ended ${result.outcome}: ${result.reason}`);
  const { mail, at } = await received;
  const eventId = `${drillId}:failed`;
  if (mail.headers['x-restore-drill-event-id'] !== eventId) throw new Error(`expected the alert of ${eventId}, received ${mail.headers['x-restore-drill-event-id']} ("${mail.subject}")`);
  // Microseconds kept: the driver's Date would round database timestamps to milliseconds.
  const [event] = await raw<Array<{ at: number }>>`SELECT extract(epoch FROM created_at) * 1000 AS at FROM notification_events WHERE id = ${eventId}`;
  const attempt = await firstAttempt(raw, eventId);
  const report = result.steps.find((s) => s.name === 'report');
  return {
    drillId,
    drillMs: result.durationMs,
    verdictAt: Date.parse(result.finishedAt),
    reportedAt: report?.finishedAt ? Date.parse(report.finishedAt) : NaN,
    eventAt: Number(event!.at),
    attemptAt: attempt,
    receivedAt: at,
  };
}

/** The attempt row is written once the send is answered: wait for it, then read when it started. */
async function firstAttempt(raw: postgres.Sql, eventId: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await raw<Array<{ at: number }>>`SELECT extract(epoch FROM started_at) * 1000 AS at FROM notifications WHERE event_id = ${eventId} ORDER BY attempt LIMIT 1`;
    if (row) return Number(row.at);
    if (Date.now() > deadline) throw new Error(`no delivery attempt recorded for ${eventId}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The baseline: the drill's own alert, rendered facts and all, sent by the email notifier with no Temporal in between. */
async function directSend(smtp: SmtpReceiver, config: EmailChannel, credentials: CredentialResolver, raw: postgres.Sql, drillId: string): Promise<number> {
  const [event] = await raw<Array<{ facts: EventFacts; subject: string }>>`SELECT facts, subject FROM notification_events WHERE id = ${`${drillId}:failed`}`;
  const facts = { ...event!.facts, eventId: `${event!.facts.eventId}:direct` };
  const received = nextMessage(smtp);
  const started = wallClockMs();
  await emailNotifier.send(config, { facts, subject: event!.subject, text: `${event!.subject}\n\n(sent directly by the benchmark)` }, { credentials, signal: new AbortController().signal, purpose: 'bench' });
  return (await received).at - started;
}

function report(timings: AlertTiming[], direct: number[], warmup: number, services: string): string {
  const stats = (values: number[]) => ({ median: median(values), p95: percentile(values, 95), max: percentile(values, 100) });
  const total = stats(timings.map((t) => t.receivedAt - t.verdictAt));
  const baseline = stats(direct);
  const segments: Array<[string, number[]]> = [
    ['verdict → report step done (history written)', timings.map((t) => t.reportedAt - t.verdictAt)],
    ['report done → notification event row (`notification_events.created_at`)', timings.map((t) => t.eventAt - t.reportedAt)],
    ['event row → first delivery attempt starts (`notifications.started_at`)', timings.map((t) => t.attemptAt - t.eventAt)],
    ['attempt starts → SMTP server has the message', timings.map((t) => t.receivedAt - t.attemptAt)],
  ];
  const line = (name: string, s: ReturnType<typeof stats>, bold = false) => `| ${name} | ${bold ? `**${ms(s.median)}**` : ms(s.median)} | ${bold ? `**${ms(s.p95)}**` : ms(s.p95)} | ${ms(s.max)} |`;
  return [
    `### Alert latency, verdict → SMTP receipt, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine(`${services}, worker in the bench process`)}.`,
    `Setup: a fresh history database; an email channel (\`security: none\`, SMTP on loopback: \`smtp-server\` via test/support/smtp-receiver.ts) and a plan made through the API, the plan's backup a real pg_dump plain dump cut in half (fails at restore), routed to the channel with \`alertRepeat: every-drill\`. ${timings.length} drills started one after another with \`POST /api/drills\`, after ${warmup} discarded; median drill ${ms(median(timings.map((t) => t.drillMs)))} start to verdict. Verdict time: the DrillResult's \`finishedAt\` (workflow time); receipt: when the receiver had stored the parsed message (timestamped in the bench process, same host clock). Baseline B, once after each drill: the same alert sent by \`emailNotifier.send\` (activities/notify/email.ts) from the bench process, call → receipt.`,
    '',
    '| segment | median | p95 | max |',
    '| --- | --- | --- | --- |',
    ...segments.map(([name, values]) => line(name, stats(values))),
    line('**A: verdict → SMTP receipt**', total, true),
    line('B: the email notifier alone, call → receipt', baseline),
    '',
    `- verdict → SMTP receipt: median **${ms(total.median)}**, p95 **${ms(total.p95)}**: ${againstTarget(total.p95, TARGET_MS)}`,
    `- A/B: median ${ratio(total.median, baseline.median)}, p95 ${ratio(total.p95, baseline.p95)}; the path adds ${ms(total.median - baseline.median)} (median) to the send itself`,
  ].join('\n');
}
