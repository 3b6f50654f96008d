/**
 * `BENCH_SUITE=plans npm run bench`: is "where every plan stands" fast enough with many plans
 * (target: ≤ 100 ms with 1,000 plans)? Over the cached history dataset (datasets/history.ts: the
 * plans carry schedules of every kind in their spec; no Temporal Schedules are needed to read),
 * it times `GET /api/plans/summary` and `GET /api/plans/{id}/summary` over HTTP against the
 * baseline `planStatuses(db)` alone, interleaved, and splits the all-plans answer into its parts
 * (the two queries, the per-plan view, JSON) so a miss says where the time goes.
 *
 * Settings as for BENCH_SUITE=api (BENCH_PLANS, BENCH_DRILLS, BENCH_REQUESTS, default 100 here,
 * BENCH_WARMUP, default 10, BENCH_EXPLAIN=1).
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { HistoryDb } from '../../db/client.js';
import { planStatuses, type PlanStatus } from '../../db/queries/plan-status.js';
import { findLivePlan, listPlanRows } from '../../db/queries/plans.js';
import type { PlanRow } from '../../db/schema/index.js';
import { toPlanSummary } from '../../api/views/plan-view.js';
import { nextRunTimes } from '../../core/schedule.js';
import { overdueState } from '../../activities/alerting/overdue.js';
import { planSchema } from '../../core/plan.js';
import { startBenchApi, startBenchInfrastructure } from './api-stack.js';
import { log } from './datasets/dataset.js';
import { ensureHistoryDataset, type HistoryDataset } from './datasets/history.js';
import { describeDataset, historyShapeFromEnv, readRounds } from './history-report.js';
import { httpTimer, type HttpTimer } from './http-timer.js';
import { sampleInterleaved, type Contender, type Rounds, type Samples } from './interleaved-samples.js';
import { againstTarget, ms, percentiles, ratio, type Percentiles } from './latency.js';
import { machine } from './harness.js';
import { sqlReplay } from './sql-replay.js';

const TARGET_MS = 100;
const PLAN_SAMPLE = 200;
const ALL = 'all live plans';
const ONE = 'one plan';

export async function runPlansSummaryBench(benchDir: string): Promise<void> {
  const shape = historyShapeFromEnv();
  const rounds = readRounds({ warmup: 10, timed: 100 });
  const infrastructure = await startBenchInfrastructure(benchDir);
  let http: HttpTimer | undefined;
  let api: Awaited<ReturnType<typeof startBenchApi>> | undefined;
  try {
    const dataset = await ensureHistoryDataset(infrastructure.history.url, shape);
    api = await startBenchApi(infrastructure, dataset.url);
    http = httpTimer(api.url, api.headers);
    const db = api.history.db;
    const timer = http;
    const planIds = ((await db.execute<{ id: string }>(sql`SELECT id FROM plans WHERE deleted_at IS NULL ORDER BY md5(id) LIMIT ${PLAN_SAMPLE}`)) as unknown as Array<{ id: string }>).map((r) => r.id);
    const first = await timer.getOk('/api/plans/summary');
    const all = JSON.parse(first.body.toString('utf8')) as { plans: unknown[] };
    if (all.plans.length !== dataset.description.livePlans) throw new Error(`the summary lists ${all.plans.length} plans, the dataset has ${dataset.description.livePlans} live ones`);
    const oneBytes = (await timer.getOk(`/api/plans/${planIds[0]}/summary`)).body.length;

    const contenders: Contender[] = [
      {
        query: ALL,
        ways: [
          { name: 'api', run: () => timer.getOk('/api/plans/summary') },
          { name: 'planStatuses', run: () => planStatuses(db) },
          { name: 'listPlanRows', run: () => listPlanRows(db) },
        ],
      },
      {
        query: ONE,
        ways: [
          { name: 'api', run: (round) => timer.getOk(`/api/plans/${planIds[round % planIds.length]}/summary`) },
          { name: 'planStatuses', run: (round) => planStatuses(db, [planIds[round % planIds.length]!]) },
          { name: 'handler', run: (round) => oneSummary(db, planIds[round % planIds.length]!) },
        ],
      },
    ];
    log(`timing the plan summaries: ${rounds.warmup} warm-up + ${rounds.timed} timed rounds…`);
    const samples = await sampleInterleaved(contenders, rounds);
    log('timing the per-plan view, piece by piece…');
    const [rows, statuses] = await Promise.all([listPlanRows(db), planStatuses(db)]);
    const view = profileView(rows, statuses, all);
    if (process.env.BENCH_EXPLAIN === '1') {
      const replay = sqlReplay(dataset.url, { max: 1 });
      try {
        for (const plan of await replay.explain((await replay.capture((d) => planStatuses(d))).groups)) log(`EXPLAIN planStatuses (all live plans):\n${plan}`);
      } finally {
        await replay.close();
      }
    }
    console.log(report(dataset, samples, rounds, { allBytes: first.body.length, oneBytes }, view, infrastructure.describe()));
  } finally {
    http?.close();
    await api?.close();
    await infrastructure.stop();
  }
}

/** What GET /api/plans/{id}/summary does, without HTTP. */
async function oneSummary(db: HistoryDb, planId: string) {
  const row = await findLivePlan(db, planId);
  if (!row) throw new Error(`plan ${planId} vanished`);
  return toPlanSummary(row, (await planStatuses(db, [row.id])).get(row.id));
}

interface ViewPart {
  name: string;
  ms: number;
}

interface ViewProfile {
  view: ViewPart;
  /** Pieces the view calls, timed on their own. */
  inside: ViewPart[];
  json: number;
}

/**
 * Where the all-plans answer's CPU time goes, each piece over every plan once (after a pass over
 * a few plans, for the JIT): the whole per-plan view, then the pieces of it that walk schedules
 * (overdue, next run) or re-validate specs, and serialising the answer.
 */
function profileView(rows: PlanRow[], statuses: Map<string, PlanStatus>, answer: unknown): ViewProfile {
  const now = new Date();
  const time = (name: string, each: (row: PlanRow) => void): ViewPart => {
    rows.slice(0, 20).forEach(each);
    const started = performance.now();
    rows.forEach(each);
    return { name, ms: performance.now() - started };
  };
  JSON.stringify(answer);
  const jsonStarted = performance.now();
  JSON.stringify(answer);
  const json = performance.now() - jsonStarted;
  return {
    view: time('`toPlanSummary`', (row) => toPlanSummary(row, statuses.get(row.id), now)),
    inside: [
      time('`overdueState` (the watchdog\'s rule)', (row) => overdueState(row.spec, row, statuses.get(row.id), now)),
      time('`nextRunTimes(…, 1)` (next run)', (row) => row.spec.schedule && nextRunTimes(row.spec.schedule, now, 1)),
      time('`planSchema.safeParse` of the stored spec', (row) => planSchema.safeParse(row.spec)),
    ],
    json,
  };
}

function report(dataset: HistoryDataset, samples: Samples, rounds: Rounds, sizes: { allBytes: number; oneBytes: number }, view: ViewProfile, services: string): string {
  const p = (query: string, way: string) => percentiles(samples.get(query)!.get(way)!);
  const allApi = p(ALL, 'api');
  const allBase = p(ALL, 'planStatuses');
  const allRows = p(ALL, 'listPlanRows');
  const oneApi = p(ONE, 'api');
  const oneBase = p(ONE, 'planStatuses');
  const oneHandler = p(ONE, 'handler');
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const n = (x: Percentiles) => (x.count < rounds.timed ? ` (n = ${x.count})` : '');
  const row = (name: string, answer: string, a: Percentiles, b: Percentiles) =>
    `| ${name} | ${answer} | ${ms(a.p50)} | **${ms(a.p95)}**${n(a)} | ${ms(a.p99)} | ${ms(b.p50)} | ${ms(b.p95)}${n(b)} | ${ratio(a.p50, b.p50)} | ${ratio(a.p95, b.p95)} |`;
  return [
    `### Plan summaries over ${dataset.description.livePlans.toLocaleString('en-US')} plans, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine(services)}.`,
    `Dataset: ${describeDataset(dataset)}.`,
    `Method: up to ${rounds.timed} timed rounds after up to ${rounds.warmup} warm-up rounds, each way of each query once per round in rotating order; a way whose timed runs passed ${rounds.budgetMs / 1000} s in all stops after ${rounds.minSamples} samples, and one whose warm-up run took over a second is warmed once (n says how many samples a figure has). **A**: the API over HTTP (one keep-alive loopback connection, request written → last byte read). **B** (baseline): \`planStatuses(db)\` from \`db/queries/plan-status.ts\` alone, in-process: all live plans for the summary, \`planStatuses(db, [id])\` for one plan (cycling through ${PLAN_SAMPLE} plans, all schedule kinds).`,
    '',
    '| query | answer | A p50 | A p95 | A p99 | B p50 | B p95 | A/B p50 | A/B p95 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    row('`GET /api/plans/summary`', kib(sizes.allBytes), allApi, allBase),
    row('`GET /api/plans/{id}/summary`', kib(sizes.oneBytes), oneApi, oneBase),
    '',
    `- all live plans, API p95 **${ms(allApi.p95)}**: ${againstTarget(allApi.p95, TARGET_MS)}`,
    `- one plan, API p95 **${ms(oneApi.p95)}**: ${againstTarget(oneApi.p95, TARGET_MS)} (the route's work in-process: p50 ${ms(oneHandler.p50)}, p95 ${ms(oneHandler.p95)})`,
    `- where the all-plans answer's time goes: the route runs \`planStatuses(db)\` (p50 ${ms(allBase.p50)}) and \`listPlanRows(db)\` (p50 ${ms(allRows.p50)}) concurrently, then the per-plan view. Over all ${dataset.description.livePlans.toLocaleString('en-US')} plans once: ${view.view.name} ${ms(view.view.ms)}, of which ${view.inside.map((v) => `${v.name} ${ms(v.ms)}`).join(', ')}; \`JSON.stringify\` of the answer ${ms(view.json)}`,
  ].join('\n');
}
