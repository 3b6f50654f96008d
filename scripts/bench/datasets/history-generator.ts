/**
 * A drill history as a busy deployment would have it after 90 days, generated deterministically:
 * plans on mixed schedules (daily, weekly, monthly, cron, interval) across three engines, their
 * drills at the pace their schedules set plus manual, API, canary and ad-hoc ones, mostly passing
 * with flaky plans, a few plans broken lately and a few drills running now; each drill with the
 * steps, checks and per-table counts a real one records, and the notification events and delivery
 * attempts its plan's routes would have raised. Rows are shaped by the product's own types and
 * alert helpers, so the read paths meet the data they will meet in production.
 */
import { failureReason } from '../../../core/checks.js';
import type { BackupRef, CanaryRecord, Check, DrillResult, DrillTrigger, Engine, Outcome, PlanSnapshot, StepName, StepRecord, TableStat } from '../../../core/drill.js';
import { describeSource } from '../../../core/drill.js';
import { routeEvents, type ChannelConfigInput, type ChannelKind, type NotifyEvent } from '../../../core/notify.js';
import { planIdFor, planSchema, type Plan, type PlanInput } from '../../../core/plan.js';
import type { PlanScheduleInput } from '../../../core/schedule.js';
import { baseFacts, drillFacts, drillLinks } from '../../../activities/alerting/facts.js';
import { renderMessage } from '../../../activities/notify/templates.js';

const DAY_MS = 86_400_000;
const WINDOW_DAYS = 90;
const CANARY_DAMAGE = 'pg_restore: error: could not read input file: end of file (the archive is truncated)';
const LINKS = { appUrl: 'https://restore-drill.example.test', temporalUiUrl: 'https://temporal.example.test', namespace: 'default' };

export interface HistoryShape {
  plans: number;
  drills: number;
}

export interface SeedChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  config: ChannelConfigInput;
}

export interface SeedPlan {
  id: string;
  name: string;
  spec: Plan;
  version: number;
  paused: boolean;
  pauseNote: string | null;
  scheduleSince: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface SeedDrill {
  id: string;
  planId: string | null;
  snapshot: PlanSnapshot;
  engine: Engine;
  sourceUri: string;
  outcome: Outcome;
  failedStep: string | null;
  reason: string | null;
  format: string | null;
  backup: BackupRef | null;
  canary: CanaryRecord | null;
  tableCount: number | null;
  totalRows: number | null;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  steps: StepRecord[];
  checks: Check[];
  tables: TableStat[];
}

export interface SeedEvent {
  id: string;
  kind: NotifyEvent;
  planId: string | null;
  drillId: string;
  canary: boolean;
  subject: string;
  facts: Record<string, unknown>;
  createdAt: Date;
}

export interface SeedAttempt {
  id: string;
  eventId: string;
  channelId: string;
  attempt: number;
  status: 'sent' | 'failed';
  detail: string;
  startedAt: Date;
  durationMs: number;
}

export interface GeneratedHistory {
  seededAt: Date;
  channels: SeedChannel[];
  livePlans: SeedPlan[];
  deletedPlans: SeedPlan[];
  drills: SeedDrill[];
  events: SeedEvent[];
  attempts: SeedAttempt[];
}

/** mulberry32: small, fast and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SERVICES = ['billing', 'orders', 'users', 'search', 'ledger', 'inventory', 'auth', 'analytics', 'crm', 'payments', 'catalog', 'shipping', 'reporting', 'chat', 'audit', 'wiki', 'media', 'pricing'];
const ENVIRONMENTS = ['prod', 'eu-prod', 'us-prod', 'staging', 'dr'];
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'];
const TABLES: Record<Engine, Array<[string, string, string, number]>> = {
  postgres: [
    ['app', 'public', 'users', 0.03],
    ['app', 'public', 'orders', 0.15],
    ['app', 'public', 'line_items', 0.45],
    ['app', 'public', 'events', 0.37],
  ],
  mysql: [
    ['shop', 'shop', 'customers', 0.1],
    ['shop', 'shop', 'orders', 0.4],
    ['shop', 'shop', 'products', 0.05],
    ['shop', 'shop', 'order_lines', 0.45],
  ],
  mongodb: [
    ['app', 'app', 'sessions', 0.6],
    ['app', 'app', 'users', 0.4],
  ],
};

export const CHANNELS: SeedChannel[] = [
  { id: 'ch-bench-email', name: 'ops-email', kind: 'email', config: { kind: 'email', smtp: { host: 'smtp.example.test', port: 587, security: 'starttls', credential: 'smtp-relay' }, from: 'restore-drill@example.test', to: ['ops@example.test', 'dba@example.test'] } },
  { id: 'ch-bench-hooks', name: 'ops-hooks', kind: 'webhook', config: { kind: 'webhook', url: 'https://hooks.example.test/restore-drill', signingSecret: 'hooks-signing' } },
  { id: 'ch-bench-ping', name: 'healthcheck', kind: 'ping', config: { kind: 'ping', url: 'ping-url' } },
];
const CHANNEL_BY_NAME = new Map(CHANNELS.map((c) => [c.name, c]));

type Health = 'healthy' | 'flaky' | 'broken';

interface PlanTraits {
  plan: SeedPlan;
  health: Health;
  /** Scheduled runs per day, from the schedule. */
  runsPerDay: number;
  backupBytes: number;
  hexSeed: number;
}

export function generateHistory(shape: HistoryShape, seededAt: Date): GeneratedHistory {
  const random = prng(20261201);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const hex = (chars: number) => Array.from({ length: chars }, () => Math.floor(random() * 16).toString(16)).join('');
  const between = (low: number, high: number) => low + random() * (high - low);
  const logBetween = (low: number, high: number) => Math.exp(between(Math.log(low), Math.log(high)));

  // Deleted plans keep their drills (history survives); they are extra, so `plans` stay live.
  const deletedCount = Math.round(shape.plans / 50);
  const traits: PlanTraits[] = [];
  for (let i = 0; i < shape.plans + deletedCount; i += 1) traits.push(makePlan(i, i >= shape.plans));

  function makePlan(index: number, deleted: boolean): PlanTraits {
    const service = SERVICES[index % SERVICES.length]!;
    const environment = ENVIRONMENTS[Math.floor(index / SERVICES.length) % ENVIRONMENTS.length]!;
    const name = `${service} ${environment} ${String(index + 1).padStart(4, '0')}`;
    const engine: Engine = index % 10 < 7 ? 'postgres' : index % 10 < 9 ? 'mysql' : 'mongodb';
    const extension = engine === 'postgres' ? 'dump' : engine === 'mysql' ? 'sql.gz' : 'archive.gz';
    const fromS3 = random() < 0.45;
    const { schedule, runsPerDay } = makeSchedule();
    const notify: PlanInput['notify'] = [];
    const routing = random();
    if (routing < 0.65) notify.push({ channel: 'ops-email' });
    if (routing > 0.45 && routing < 0.75) notify.push({ channel: 'ops-hooks' });
    if (routing > 0.88) notify.push({ channel: 'healthcheck' });
    const checks: NonNullable<PlanInput['checks']> = {};
    if (random() < 0.25) checks.rowDrift = { maxLossPercent: 20 };
    if (random() < 0.15) checks.freshness = [{ table: engine === 'mongodb' ? 'app.sessions' : 'orders', column: 'created_at', maxAgeHours: 26 }];
    if (engine !== 'mongodb' && random() < 0.1) checks.assertions = [{ name: 'has-admins', sql: 'SELECT count(*) FROM users WHERE is_admin', expect: '>= 1' }];
    if (random() < 0.1) checks.nativeIntegrity = true;
    if (random() < 0.2) checks.maxAgeSeconds = 26 * 3600;
    const spec = planSchema.parse({
      name,
      description: `Nightly ${engine} backup of the ${service} database (${environment})`,
      engine,
      ...(engine === 'postgres' && random() < 0.5 ? { engineVersion: '15' } : {}),
      source: fromS3
        ? { kind: 'uri', uri: `s3://backups-${environment}/${service}/`, latest: `${service}-*.${extension}`, credential: 'aws-backups' }
        : { kind: 'file', path: `/backups/${service}/${environment}`, pattern: `${service}-*.${extension}` },
      ...(random() < 0.2 ? { decryptWith: 'backup-age' } : {}),
      checks,
      schedule,
      notify,
      ...(random() < 0.3 ? { rpoHours: pick([26, 48, 192]) } : {}),
      ...(random() < 0.1 ? { alertRepeat: 'every-drill' } : {}),
    } satisfies PlanInput);
    const createdAt = new Date(seededAt.getTime() - between(5, 120) * DAY_MS);
    const paused = !deleted && random() < 0.03;
    const health: Health = random() < 0.8 ? 'healthy' : random() < 0.7 ? 'flaky' : 'broken';
    return {
      plan: {
        id: planIdFor(name, hex(6)),
        name,
        spec,
        version: 1 + Math.floor(random() * 4),
        paused,
        pauseNote: paused ? 'storage migration, back on Monday' : null,
        scheduleSince: createdAt,
        createdAt,
        deletedAt: deleted ? new Date(seededAt.getTime() - between(3, 30) * DAY_MS) : null,
      },
      health,
      runsPerDay,
      backupBytes: logBetween(5e6, 4e10),
      hexSeed: index,
    };
  }

  function makeSchedule(): { schedule: PlanScheduleInput; runsPerDay: number } {
    const timeZone = pick(ZONES);
    const at = `${String(Math.floor(random() * 6)).padStart(2, '0')}:${pick(['00', '15', '30', '45'])}`;
    const kind = random();
    if (kind < 0.5) return { schedule: { frequency: 'daily', at, timeZone, jitter: '10m' }, runsPerDay: 1 };
    if (kind < 0.7) {
      const days = pick([['mon', 'thu'], ['sun'], ['mon', 'wed', 'fri'], ['sat']] as Array<Array<'sun' | 'mon' | 'wed' | 'thu' | 'fri' | 'sat'>>);
      return { schedule: { frequency: 'weekly', days, at, timeZone }, runsPerDay: days.length / 7 };
    }
    if (kind < 0.75) return { schedule: { frequency: 'monthly', dayOfMonth: 1 + Math.floor(random() * 28), at, timeZone }, runsPerDay: 1 / 30 };
    if (kind < 0.9) {
      const [cron, perDay] = pick([['0 */6 * * *', 4], ['15 1,13 * * *', 2], ['30 2 * * 1-5', 5 / 7]] as Array<[string, number]>);
      return { schedule: { frequency: 'cron', cron, timeZone }, runsPerDay: perDay };
    }
    const [every, perDay] = pick([['4h', 6], ['12h', 2], ['8h', 3]] as Array<[string, number]>);
    return { schedule: { frequency: 'interval', every }, runsPerDay: perDay };
  }

  const windowStart = seededAt.getTime() - WINDOW_DAYS * DAY_MS;
  const activeSpan = (t: PlanTraits) => [Math.max(windowStart, t.plan.createdAt.getTime()), t.plan.deletedAt?.getTime() ?? seededAt.getTime()] as const;

  // 95 % of the drills are scheduled, spread over the plans by how often and how long each ran.
  const scheduledTotal = Math.round(shape.drills * 0.95);
  const weights = traits.map((t) => {
    const [from, to] = activeSpan(t);
    return t.plan.paused ? 0.3 * t.runsPerDay * ((to - from) / DAY_MS) : t.runsPerDay * ((to - from) / DAY_MS);
  });
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / weightSum) * scheduledTotal));
  for (let i = 0, short = scheduledTotal - counts.reduce((a, b) => a + b, 0); short > 0; i = (i + 1) % counts.length, short -= 1) counts[i] = (counts[i] ?? 0) + 1;

  const drills: SeedDrill[] = [];
  const usedIds = new Set<string>();
  function drillId(prefix: string, at: Date): string {
    const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    for (;;) {
      const id = `${prefix}-${stamp}-${hex(6)}`;
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  }

  function makeDrill(t: PlanTraits | null, startedAt: Date, trigger: DrillTrigger, outcome: Outcome): SeedDrill {
    const spec: Plan = t?.plan.spec ?? planSchema.parse({ name: 'ad hoc: file:///tmp/restore-me.dump', engine: 'postgres', source: { kind: 'file', path: '/tmp/restore-me.dump' } });
    const snapshot: PlanSnapshot = { planId: t?.plan.id ?? null, planVersion: t?.plan.version ?? null, plan: spec, trigger, requestedBy: trigger === 'schedule' ? `schedule restore-drill-plan-${t?.plan.id}` : trigger === 'api' ? 'api 10.0.4.17' : 'cli:alice' };
    const id = drillId(trigger === 'canary' ? 'canary' : 'drill', startedAt);
    const bytes = Math.round((t?.backupBytes ?? 2e8) * between(0.95, 1.05));
    const source = spec.source;
    const stamp = startedAt.toISOString().slice(0, 10);
    const extension = spec.engine === 'postgres' ? 'dump' : spec.engine === 'mysql' ? 'sql.gz' : 'archive.gz';
    const file = `${spec.name.split(' ')[0]}-${stamp}.${extension}`;
    const uri = source.kind === 'uri' ? `${source.uri.replace(/\/?$/, '/')}${file}` : source.pattern ? `file://${source.path}/${file}` : `file://${source.path}`;
    const backup: BackupRef = {
      path: source.kind === 'file' ? uri.slice('file://'.length) : null,
      uri,
      sizeBytes: bytes,
      modifiedAt: new Date(startedAt.getTime() - between(0.5, 5) * 3_600_000).toISOString(),
      sha256: hex(64),
      sidecarVerified: source.kind === 'uri' || random() < 0.3,
      ...(source.kind === 'uri' ? { sha256From: 'sidecar' as const } : {}),
    };

    // A canary's damage is a truncated copy: caught at restore.
    const failure =
      trigger === 'canary'
        ? { step: 'restore', check: 'restore', message: CANARY_DAMAGE, reason: failureReason({ name: 'restore', message: CANARY_DAMAGE }) }
        : outcome === 'failed' || outcome === 'error' || outcome === 'cancelled'
          ? failurePoint(outcome, spec)
          : null;
    const steps: StepRecord[] = [];
    const checks: Check[] = [];
    let clock = startedAt.getTime();
    const deep = spec.checks.rowDrift !== undefined || spec.checks.freshness.length > 0 || spec.checks.assertions.length > 0 || spec.checks.nativeIntegrity;
    const order: StepName[] = ['locate', 'provision', 'restore', 'inspect', ...(deep ? (['verify'] as const) : [])];
    const durations: Record<string, number> = {
      locate: 50 + bytes / 4e8 * 1000 * random(),
      provision: between(450, 1400),
      restore: 400 + (bytes / between(2e7, 6e7)) * 1000,
      inspect: between(200, 800) + bytes / 2e9 * 1000,
      verify: between(300, 6000),
    };
    let reachedInspect = false;
    for (const name of order) {
      const failedHere = failure?.step === name;
      const running = outcome === 'running' && name === 'restore';
      const duration = Math.round(failedHere ? durations[name]! * random() : durations[name]!);
      steps.push({
        name,
        status: running ? 'running' : failedHere ? (outcome === 'failed' ? 'failed' : outcome === 'cancelled' ? 'cancelled' : 'error') : 'passed',
        startedAt: new Date(clock).toISOString(),
        ...(running ? {} : { finishedAt: new Date(clock + duration).toISOString(), durationMs: duration }),
        ...(name === 'locate' || name === 'restore' ? { bytes } : {}),
        ...(failedHere ? { message: failure.message } : {}),
      });
      if (running) break;
      clock += duration + 15;
      if (name === 'inspect' && !failedHere) reachedInspect = true;
      if (failedHere) break;
    }
    if (outcome !== 'running') {
      // No sandbox host is claimed before locate succeeds, so there is nothing to tear down.
      for (const name of failure?.step === 'locate' ? (['report'] as const) : (['teardown', 'report'] as const)) {
        const duration = Math.round(name === 'teardown' ? between(80, 300) : between(25, 90));
        steps.push({ name, status: 'passed', startedAt: new Date(clock).toISOString(), finishedAt: new Date(clock + duration).toISOString(), durationMs: duration });
        clock += duration + 10;
      }
    }

    const add = (name: string, passed: boolean, observed: string, expected: string, message: string) => checks.push({ name, passed, observed, expected, message });
    const stoppedAt = failure?.step;
    add('size', !(failure?.check === 'size'), failure?.check === 'size' ? '0 B' : `${Math.round(bytes / 1e6)} MB`, `≥ ${spec.checks.minSizeBytes} B`, failure?.check === 'size' ? failure.message : 'backup is not empty');
    if (stoppedAt !== 'locate') {
      add('size-change', true, `${between(-3, 6).toFixed(1)} %`, `within ±${spec.checks.maxSizeChangePercent ?? 50} %`, 'size close to the last passing drill');
      if (stoppedAt !== 'provision') {
        add('format', true, spec.engine === 'postgres' ? 'custom' : spec.engine === 'mysql' ? 'plain' : 'archive', 'a dump this engine restores', 'format read from the bytes');
        add('restore', failure?.check !== 'restore', failure?.check === 'restore' ? 'incomplete' : 'exit code 0', 'exit code 0', failure?.check === 'restore' ? failure.message : 'restored without errors');
      }
    }
    const tables: TableStat[] = [];
    if (reachedInspect) {
      const rowsTotal = Math.round(bytes / 120);
      for (const [database, schema, name, share] of TABLES[spec.engine]) tables.push({ database, schema, name, rows: Math.round(rowsTotal * share) });
      const totalRows = tables.reduce((n, x) => n + x.rows, 0);
      add('readable', true, `${tables.length} table(s) scanned`, 'every table reads', 'every table read back');
      add('tables', true, `${tables.length} table(s)`, `≥ ${spec.checks.minTables}`, `${tables.length} table(s)`);
      add('rows', true, `${totalRows} row(s)`, `≥ ${spec.checks.minRows}`, `${totalRows} row(s)`);
      if (spec.checks.rowDrift) add('row-drift', failure?.check !== 'row-drift', failure?.check === 'row-drift' ? 'orders −50.0 %' : 'largest loss 0.4 %', `loss ≤ ${spec.checks.rowDrift.maxLossPercent} %`, failure?.check === 'row-drift' ? failure.message : 'no table shrank beyond its limit');
      for (const f of spec.checks.freshness) add(`freshness:${f.table}.${f.column}`, true, `newest ${between(0.2, 20).toFixed(1)} h before the backup`, `≤ ${f.maxAgeHours} h`, 'data is fresh');
      for (const a of spec.checks.assertions) add(`assertion:${a.name}`, true, String(1 + Math.floor(random() * 9)), a.expect, `${a.name} holds`);
      if (spec.checks.nativeIntegrity) add('native-integrity', true, 'no damage found', 'no damage', 'indexes and tables check clean');
    }

    const finished = outcome !== 'running';
    const finishedAt = finished ? new Date(clock) : null;
    const canary: CanaryRecord | null = trigger === 'canary' ? { detected: true, alerted: true, deliveries: spec.notify.map((r) => ({ channel: r.channel, status: 'sent' as const, detail: '250 2.0.0 queued' })) } : null;
    return {
      id,
      planId: snapshot.planId,
      snapshot,
      engine: spec.engine,
      sourceUri: failure?.step === 'locate' ? describeSource(spec.source) : uri,
      outcome,
      failedStep: failure?.step ?? null,
      reason: failure?.reason ?? null,
      format: stoppedAt === 'locate' || stoppedAt === 'provision' ? null : spec.engine === 'postgres' ? 'custom' : spec.engine === 'mysql' ? 'plain' : 'archive',
      backup: failure?.step === 'locate' ? null : backup,
      canary,
      tableCount: finished ? tables.length : null,
      totalRows: finished ? tables.reduce((n, x) => n + x.rows, 0) : null,
      startedAt,
      finishedAt,
      durationMs: finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
      steps,
      checks,
      tables,
    };
  }

  function failurePoint(outcome: 'failed' | 'error' | 'cancelled', spec: Plan): { step: string; check: string | null; message: string; reason: string } {
    if (outcome === 'cancelled') return { step: 'restore', check: null, message: 'the drill was cancelled', reason: 'the drill was cancelled' };
    if (outcome === 'error') {
      const [step, message] = pick([
        ['provision', 'sandbox: PostgreSQL did not start within 60 s (port in use)'],
        ['locate', 'S3 GetObject: read ECONNRESET after 3 attempts'],
        ['restore', 'activity heartbeat timed out: the worker running the restore was lost'],
      ] as Array<[string, string]>);
      return { step, check: null, message, reason: message };
    }
    const options: Array<[string, string, string]> = [
      ['restore', 'restore', 'the plain SQL dump is incomplete: it ends without pg_dump\'s "dump complete" trailer, so the backup job was cut short'],
      ['restore', 'restore', 'pg_restore: error: could not read input file: end of file (the archive is truncated)'],
      ['locate', 'size', 'the backup is 0 B: the backup job wrote nothing'],
    ];
    if (spec.checks.rowDrift) options.push(['verify', 'row-drift', 'table public.orders lost 50.0% of its rows since the last passing drill']);
    const [step, check, message] = pick(options);
    return { step, check, message, reason: failureReason({ name: check, message }) };
  }

  function outcomeFor(health: Health, brokenNow: boolean): Outcome {
    if (brokenNow) return random() < 0.9 ? 'failed' : 'error';
    const r = random();
    const [failed, error] = health === 'flaky' ? [0.18, 0.06] : [0.015, 0.015];
    if (r < failed) return 'failed';
    if (r < failed + error) return 'error';
    if (r < failed + error + 0.01) return 'cancelled';
    return 'passed';
  }

  traits.forEach((t, index) => {
    const [from, to] = activeSpan(t);
    const n = counts[index] ?? 0;
    const spacing = (to - from) / Math.max(n, 1);
    const brokenFrom = t.health === 'broken' ? n - (3 + Math.floor(random() * 12)) : Infinity;
    for (let k = 0; k < n; k += 1) {
      const startedAt = new Date(Math.round(from + (k + 0.5 + between(-0.2, 0.2)) * spacing));
      drills.push(makeDrill(t, startedAt, 'schedule', outcomeFor(t.health, k >= brokenFrom)));
    }
  });
  const live = traits.filter((t) => !t.plan.deletedAt);
  const randomTime = (t: PlanTraits | null) => {
    const [from, to] = t ? activeSpan(t) : [windowStart, seededAt.getTime()];
    return new Date(Math.round(between(from, to - 3_600_000)));
  };
  const runningNow = Math.min(12, live.length);
  const extra = shape.drills - drills.length - runningNow;
  for (let i = 0; i < extra; i += 1) {
    const share = i / extra;
    if (share < 0.4) {
      const t = pick(live);
      drills.push(makeDrill(t, randomTime(t), 'manual', outcomeFor(t.health, false)));
    } else if (share < 0.7) {
      const t = pick(live);
      drills.push(makeDrill(t, randomTime(t), 'api', outcomeFor(t.health, false)));
    } else if (share < 0.8) {
      const t = pick(live.filter((p) => p.plan.spec.notify.length > 0));
      drills.push(makeDrill(t, randomTime(t), 'canary', 'failed'));
    } else {
      drills.push(makeDrill(null, randomTime(null), 'manual', random() < 0.8 ? 'passed' : 'failed'));
    }
  }
  // Drills in progress right now: what the summary's "running" and a polling UI see.
  for (let i = 0; i < runningNow; i += 1) {
    const t = live[(i * 37) % live.length]!;
    drills.push(makeDrill(t, new Date(seededAt.getTime() - between(1, 20) * 60_000), 'schedule', 'running'));
  }

  const { events, attempts } = raiseEvents(drills, new Map(traits.map((t) => [t.plan.id, t.plan])), random);
  return {
    seededAt,
    channels: CHANNELS,
    livePlans: traits.filter((t) => !t.plan.deletedAt).map((t) => t.plan),
    deletedPlans: traits.filter((t) => t.plan.deletedAt).map((t) => t.plan),
    drills,
    events,
    attempts,
  };
}

/** What the alert path would have recorded for this history: per plan, in time order, as verdictAlerts decides. */
function raiseEvents(drills: SeedDrill[], plans: Map<string, SeedPlan>, random: () => number): { events: SeedEvent[]; attempts: SeedAttempt[] } {
  const events: SeedEvent[] = [];
  const attempts: SeedAttempt[] = [];
  const seen = new Set<string>();
  const byPlan = new Map<string, SeedDrill[]>();
  for (const d of drills) {
    if (!d.planId) continue;
    const list = byPlan.get(d.planId) ?? [];
    list.push(d);
    byPlan.set(d.planId, list);
  }

  const raise = (drill: SeedDrill, kind: NotifyEvent, eventId: string, channelKinds: (k: ChannelKind) => boolean, at: Date) => {
    if (seen.has(eventId)) return;
    const routes = drill.snapshot.plan.notify.filter((r) => {
      const channel = CHANNEL_BY_NAME.get(r.channel);
      return channel && channelKinds(channel.kind) && routeEvents(r, channel.kind).includes(kind);
    });
    if (routes.length === 0) return;
    seen.add(eventId);
    const facts = { ...baseFacts(kind, eventId, drill.snapshot, at), drill: drill.finishedAt ? drillFacts(drill.snapshot, asResult(drill)) : null, links: drillLinks(LINKS, drill.id), canary: drill.snapshot.trigger === 'canary' };
    events.push({ id: eventId, kind, planId: drill.planId, drillId: drill.id, canary: facts.canary, subject: renderMessage(facts).subject, facts: facts as unknown as Record<string, unknown>, createdAt: at });
    for (const route of routes) {
      const channel = CHANNEL_BY_NAME.get(route.channel)!;
      const failedFirst = random() < 0.02;
      const first = new Date(at.getTime() + 150 + Math.round(random() * 300));
      attempts.push({ id: `${eventId}/${channel.id}/1`, eventId, channelId: channel.id, attempt: 1, status: failedFirst ? 'failed' : 'sent', detail: failedFirst ? 'connect ECONNREFUSED' : channel.kind === 'email' ? '250 2.0.0 Ok: queued' : 'HTTP 200', startedAt: first, durationMs: 40 + Math.round(random() * 200) });
      if (failedFirst) attempts.push({ id: `${eventId}/${channel.id}/2`, eventId, channelId: channel.id, attempt: 2, status: 'sent', detail: channel.kind === 'email' ? '250 2.0.0 Ok: queued' : 'HTTP 200', startedAt: new Date(first.getTime() + 1000), durationMs: 60 });
    }
  };
  const isPing = (k: ChannelKind) => k === 'ping';
  const isMessage = (k: ChannelKind) => k !== 'ping';
  const any = () => true;

  for (const [planId, planDrills] of byPlan) {
    const plan = plans.get(planId)!;
    let streakFirst: string | null = null;
    let previousVerdict: string | null = null;
    for (const drill of [...planDrills].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())) {
      raise(drill, 'started', `${drill.id}:started`, any, new Date(drill.startedAt.getTime() + 120));
      if (!drill.finishedAt) continue;
      const at = new Date(drill.finishedAt.getTime() + 200 + Math.round(random() * 300));
      if (drill.snapshot.trigger === 'canary') {
        raise(drill, 'failed', `${drill.id}:canary`, any, at);
        continue;
      }
      if (drill.outcome === 'passed') {
        raise(drill, 'passed', `${drill.id}:passed`, any, at);
        if (previousVerdict === 'failed' || previousVerdict === 'error') raise(drill, 'recovered', `${drill.id}:recovered`, any, at);
        streakFirst = null;
        previousVerdict = 'passed';
      } else if (drill.outcome === 'failed' || drill.outcome === 'error') {
        streakFirst ??= drill.id;
        raise(drill, drill.outcome, `${drill.id}:${drill.outcome}:ping`, isPing, at);
        const eventId = plan.spec.alertRepeat === 'once-per-streak' ? `${planId}:${drill.outcome}:streak-${streakFirst}` : `${drill.id}:${drill.outcome}`;
        raise(drill, drill.outcome, eventId, isMessage, at);
        previousVerdict = drill.outcome;
      }
    }
  }
  return { events, attempts };
}

function asResult(drill: SeedDrill): DrillResult {
  return {
    drillId: drill.id,
    planId: drill.planId,
    planName: drill.snapshot.plan.name,
    trigger: drill.snapshot.trigger,
    engine: drill.engine,
    outcome: drill.outcome as DrillResult['outcome'],
    failedStep: drill.failedStep as DrillResult['failedStep'],
    reason: drill.reason,
    backup: drill.backup,
    format: drill.format as DrillResult['format'],
    checks: drill.checks,
    tables: drill.tables,
    tablesTruncated: false,
    tableCount: drill.tableCount ?? 0,
    totalRows: drill.totalRows ?? 0,
    steps: drill.steps,
    startedAt: drill.startedAt.toISOString(),
    finishedAt: drill.finishedAt!.toISOString(),
    durationMs: drill.durationMs ?? 0,
  };
}
