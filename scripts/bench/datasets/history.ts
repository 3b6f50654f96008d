/**
 * The read suites' history database: history-generator.ts's plans, drills, steps, checks, table
 * counts, events and delivery attempts, loaded with COPY into a database of its own in the bench
 * history cluster. Cached there between runs: a `bench_dataset` row, written last, marks a
 * complete load and describes it; a database without it is a load that died, and is redone.
 * Migrations are applied before every use, so a cached dataset follows the schema.
 */
import postgres from 'postgres';
import { checkLevel } from '../../../core/checks.js';
import { migrateHistoryDatabase } from '../../../db/client.js';
import { copyRows } from './copy-rows.js';
import { log } from './dataset.js';
import { generateHistory, type HistoryShape, type SeedPlan } from './history-generator.js';

/** Bump when the generator changes what it makes: the cached database is then rebuilt. */
const GENERATOR_VERSION = 1;

export interface HistoryDescription {
  seededAt: string;
  livePlans: number;
  deletedPlans: number;
  drills: number;
  adHocDrills: number;
  steps: number;
  checks: number;
  tables: number;
  events: number;
  attempts: number;
  outcomes: Record<string, number>;
  triggers: Record<string, number>;
  engines: Record<string, number>;
  schedules: Record<string, number>;
  busiestPlan: { id: string; name: string; drills: number };
  databaseBytes: number;
  loadSeconds: number;
}

export interface HistoryDataset {
  url: string;
  database: string;
  description: HistoryDescription;
}

export function databaseUrl(historyUrl: string, database: string): string {
  return historyUrl.replace(/\/[^/]*$/, `/${database}`);
}

export async function ensureHistoryDataset(historyUrl: string, shape: HistoryShape): Promise<HistoryDataset> {
  const database = `bench_history_v${GENERATOR_VERSION}_${shape.plans}p_${shape.drills}d`;
  const url = databaseUrl(historyUrl, database);
  const cached = await cachedDescription(historyUrl, database);
  if (cached) {
    await migrateHistoryDatabase(url);
    log(`history dataset: cached in database ${database} (seeded ${cached.seededAt})`);
    return { url, database, description: cached };
  }
  log(`history dataset: generating ${shape.plans.toLocaleString('en-US')} plans and ${shape.drills.toLocaleString('en-US')} drills into database ${database} (once; cached)…`);
  const admin = postgres(databaseUrl(historyUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database}`);
    await admin.unsafe(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  await migrateHistoryDatabase(url);
  const description = await load(url, shape);
  return { url, database, description };
}

async function cachedDescription(historyUrl: string, database: string): Promise<HistoryDescription | undefined> {
  const admin = postgres(databaseUrl(historyUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (exists.length === 0) return undefined;
  } finally {
    await admin.end({ timeout: 5 });
  }
  const sql = postgres(databaseUrl(historyUrl, database), { max: 1, onnotice: () => {} });
  try {
    const [marker] = await sql`SELECT description FROM bench_dataset`.catch(() => [] as Array<{ description: HistoryDescription }>);
    return marker?.description as HistoryDescription | undefined;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function load(url: string, shape: HistoryShape): Promise<HistoryDescription> {
  const started = Date.now();
  const history = generateHistory(shape, new Date(Math.floor(Date.now() / 1000) * 1000));
  log(`history dataset: generated in ${((Date.now() - started) / 1000).toFixed(1)} s; loading…`);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Every row is consistent by construction: skip the per-row foreign-key triggers, as a restore does.
    await sql.unsafe('SET session_replication_role = replica');
    const planRows = (plans: SeedPlan[]) => plans.map((p) => [p.id, p.name, p.spec, p.version, p.paused, p.pauseNote, p.scheduleSince, 'bench', p.createdAt, p.deletedAt ?? p.createdAt, p.deletedAt]);
    await copyRows(sql, 'channels', ['id', 'name', 'kind', 'config', 'created_at', 'updated_at'], history.channels.map((c) => [c.id, c.name, c.kind, c.config, history.seededAt, history.seededAt]));
    await copyRows(sql, 'plans', ['id', 'name', 'spec', 'version', 'paused', 'pause_note', 'schedule_since', 'created_by', 'created_at', 'updated_at', 'deleted_at'], planRows([...history.livePlans, ...history.deletedPlans]));
    await copyRows(
      sql,
      'drills',
      ['id', 'plan_id', 'plan_name', 'plan_version', 'trigger', 'engine', 'source_uri', 'outcome', 'failed_step', 'reason', 'format', 'backup', 'request', 'canary', 'table_count', 'total_rows', 'started_at', 'finished_at', 'duration_ms', 'updated_at'],
      history.drills.map((d) => [d.id, d.planId, d.snapshot.plan.name, d.snapshot.planVersion, d.snapshot.trigger, d.engine, d.sourceUri, d.outcome, d.failedStep, d.reason, d.format, d.backup, d.snapshot, d.canary, d.tableCount, d.totalRows, d.startedAt, d.finishedAt, d.durationMs, d.finishedAt ?? d.startedAt]),
    );
    const steps = await copyRows(
      sql,
      'drill_steps',
      ['drill_id', 'name', 'position', 'status', 'started_at', 'finished_at', 'duration_ms', 'bytes', 'message'],
      (function* () {
        for (const d of history.drills) for (const [position, s] of d.steps.entries()) yield [d.id, s.name, position, s.status, s.startedAt, s.finishedAt, s.durationMs, s.bytes, s.message];
      })(),
    );
    const checks = await copyRows(
      sql,
      'drill_checks',
      ['drill_id', 'name', 'level', 'position', 'passed', 'observed', 'expected', 'message'],
      (function* () {
        for (const d of history.drills) for (const [position, c] of d.checks.entries()) yield [d.id, c.name, checkLevel(c.name), position, c.passed, c.observed, c.expected, c.message];
      })(),
    );
    const tables = await copyRows(
      sql,
      'drill_tables',
      ['drill_id', 'database', 'schema', 'name', 'rows'],
      (function* () {
        for (const d of history.drills) for (const t of d.tables) yield [d.id, t.database, t.schema, t.name, t.rows];
      })(),
    );
    await copyRows(sql, 'notification_events', ['id', 'kind', 'plan_id', 'drill_id', 'canary', 'subject', 'facts', 'created_at'], history.events.map((e) => [e.id, e.kind, e.planId, e.drillId, e.canary, e.subject, e.facts, e.createdAt]));
    await copyRows(sql, 'notifications', ['id', 'event_id', 'channel_id', 'attempt', 'status', 'detail', 'started_at', 'duration_ms'], history.attempts.map((a) => [a.id, a.eventId, a.channelId, a.attempt, a.status, a.detail, a.startedAt, a.durationMs]));
    await sql.unsafe('SET session_replication_role = DEFAULT');
    log('history dataset: loaded; VACUUM ANALYZE…');
    // What autovacuum would long have done on a 90-day-old database: statistics and a visibility map.
    await sql.unsafe('VACUUM ANALYZE');

    const count = <T extends string>(values: T[]) => values.reduce<Record<string, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
    const liveIds = new Set(history.livePlans.map((p) => p.id));
    const perPlan = count(history.drills.filter((d) => d.planId && liveIds.has(d.planId)).map((d) => d.planId!));
    const [busiestId, busiestDrills] = Object.entries(perPlan).sort((a, b) => b[1] - a[1])[0]!;
    const [{ bytes }] = (await sql`SELECT pg_database_size(current_database())::bigint AS bytes`) as unknown as [{ bytes: string }];
    const description: HistoryDescription = {
      seededAt: history.seededAt.toISOString(),
      livePlans: history.livePlans.length,
      deletedPlans: history.deletedPlans.length,
      drills: history.drills.length,
      adHocDrills: history.drills.filter((d) => !d.planId).length,
      steps,
      checks,
      tables,
      events: history.events.length,
      attempts: history.attempts.length,
      outcomes: count(history.drills.map((d) => d.outcome)),
      triggers: count(history.drills.map((d) => d.snapshot.trigger)),
      engines: count(history.drills.map((d) => d.engine)),
      schedules: count(history.livePlans.map((p) => p.spec.schedule?.frequency ?? 'none')),
      busiestPlan: { id: busiestId, name: history.livePlans.find((p) => p.id === busiestId)!.name, drills: busiestDrills },
      databaseBytes: Number(bytes),
      loadSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
    await sql`CREATE TABLE bench_dataset (description jsonb NOT NULL)`;
    await sql`INSERT INTO bench_dataset ${sql({ description: sql.json(description as never) })}`;
    log(`history dataset: ready in ${description.loadSeconds} s`);
    return description;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
