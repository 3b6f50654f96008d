/**
 * `BENCH_SUITE=api npm run bench`: is `GET /api/drills` fast enough over a long history (target:
 * p95 ≤ 50 ms with 100,000 drills)? Over the cached history dataset (datasets/history.ts), the
 * real API on loopback answers the queries a UI makes: the first page, a page deep in the cursor
 * chain, filters by plan, outcome, date range and plan + outcome, and one drill in full. Each is
 * timed three ways, interleaved: A over HTTP, Q the route's db/queries calls in this process, B
 * the statements Q sends replayed through the bare driver (the baseline: what the database costs).
 *
 * BENCH_PLANS (1000) and BENCH_DRILLS (100000) size the dataset; BENCH_REQUESTS (500) timed
 * rounds after BENCH_WARMUP (50); BENCH_DEEP_PAGES (500) is how far the deep page is;
 * BENCH_EXPLAIN=1 prints EXPLAIN (ANALYZE, BUFFERS) of every statement to stderr.
 */
import { sql } from 'drizzle-orm';
import { getDrill, listDrills, type DrillFilter, type DrillCursor } from '../../db/queries/drill-reads.js';
import { notificationsOfDrills } from '../../db/queries/notifications.js';
import type { HistoryDb } from '../../db/client.js';
import { startBenchApi, startBenchInfrastructure } from './api-stack.js';
import { log } from './datasets/dataset.js';
import { ensureHistoryDataset, type HistoryDataset } from './datasets/history.js';
import { describeDataset, historyShapeFromEnv, readRounds } from './history-report.js';
import { httpTimer, type HttpTimer } from './http-timer.js';
import { sampleInterleaved, type Contender, type Rounds, type Samples } from './interleaved-samples.js';
import { againstTarget, ms, percentiles, ratio, type Percentiles } from './latency.js';
import { machine } from './harness.js';
import { sqlReplay, type SqlReplay, type StatementGroups } from './sql-replay.js';

const TARGET_P95_MS = 50;
const PAGE = 50;
const DAY_MS = 86_400_000;
const DETAIL_SAMPLE = 200;

interface DrillQuery {
  name: string;
  /** HTTP path per variant. */
  paths: string[];
  /** The route's db/queries calls for the same variant. */
  queries: Array<(db: HistoryDb) => Promise<unknown>>;
  groups: StatementGroups[];
  answerBytes: number;
  rows: number;
}

export async function runDrillsApiBench(benchDir: string): Promise<void> {
  const shape = historyShapeFromEnv();
  const rounds = readRounds({ warmup: 50, timed: 500 });
  const deepPages = Number(process.env.BENCH_DEEP_PAGES ?? 500);
  const infrastructure = await startBenchInfrastructure(benchDir);
  let http: HttpTimer | undefined;
  let replay: SqlReplay | undefined;
  let api: Awaited<ReturnType<typeof startBenchApi>> | undefined;
  try {
    const dataset = await ensureHistoryDataset(infrastructure.history.url, shape);
    api = await startBenchApi(infrastructure, dataset.url);
    http = httpTimer(api.url, api.headers);
    replay = sqlReplay(dataset.url, { max: 5 });
    const db = api.history.db;
    const queries = await drillQueries(dataset, db, http, replay, deepPages);
    const timer = http;
    const driver = replay;
    const contenders: Contender[] = queries.map((q) => ({
      query: q.name,
      ways: [
        { name: 'api', run: (round) => timer.getOk(q.paths[round % q.paths.length]!) },
        { name: 'queries', run: (round) => q.queries[round % q.queries.length]!(db) },
        { name: 'driver', run: (round) => driver.replay(q.groups[round % q.groups.length]!) },
      ],
    }));
    log(`timing ${queries.length} queries × 3 ways: ${rounds.warmup} warm-up + ${rounds.timed} timed rounds…`);
    const samples = await sampleInterleaved(contenders, rounds);
    if (process.env.BENCH_EXPLAIN === '1') {
      for (const q of queries) for (const plan of await replay.explain(q.groups[0]!)) log(`EXPLAIN ${q.name}:\n${plan}`);
    }
    console.log(report(dataset, queries, samples, rounds, deepPages, infrastructure.describe()));
  } finally {
    http?.close();
    await replay?.close();
    await api?.close();
    await infrastructure.stop();
  }
}

interface ListAnswer {
  drills: Array<{ id: string; startedAt: string }>;
  nextCursor: string | null;
}

async function drillQueries(dataset: HistoryDataset, db: HistoryDb, http: HttpTimer, replay: SqlReplay, deepPages: number): Promise<DrillQuery[]> {
  const seededAt = new Date(dataset.description.seededAt).getTime();
  // A real cursor, from walking the pages as a client would (and warming the list path on the way).
  log(`walking ${deepPages} pages of ${PAGE} to get a deep cursor…`);
  let cursor: string | null = null;
  let after: DrillCursor | undefined;
  for (let page = 0; page < deepPages; page += 1) {
    const answer: ListAnswer = await http.getJson<ListAnswer>(`/api/drills${cursor ? `?cursor=${cursor}` : ''}`);
    const last = answer.drills.at(-1);
    if (!answer.nextCursor || !last) throw new Error(`the drill list ended after ${page + 1} pages: seed more drills or lower BENCH_DEEP_PAGES`);
    cursor = answer.nextCursor;
    after = { startedAt: new Date(last.startedAt), id: last.id };
  }
  const from = new Date(seededAt - 30 * DAY_MS).toISOString();
  const to = new Date(seededAt - 23 * DAY_MS).toISOString();
  const busiest = dataset.description.busiestPlan;
  const lists: Array<{ name: string; query: string; filter: DrillFilter & { after?: DrillCursor } }> = [
    { name: 'first page', query: '', filter: {} },
    { name: `page ${deepPages + 1} (cursor)`, query: `cursor=${cursor}`, filter: { after } },
    { name: `plan (${busiest.drills.toLocaleString('en-US')} drills)`, query: `planId=${busiest.id}`, filter: { planId: busiest.id } },
    { name: 'outcome = failed', query: 'outcome=failed', filter: { outcome: 'failed' } },
    { name: 'one week, 30 days ago', query: `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, filter: { from: new Date(from), to: new Date(to) } },
    { name: 'plan + outcome = failed', query: `planId=${busiest.id}&outcome=failed`, filter: { planId: busiest.id, outcome: 'failed' } },
  ];
  const queries: DrillQuery[] = [];
  for (const list of lists) {
    const path = `/api/drills${list.query ? `?${list.query}` : ''}`;
    const run = (db: HistoryDb) => listDrills(db, { limit: PAGE, ...list.filter });
    const captured = await replay.capture(run);
    const answer = await http.getOk(path);
    const ids = (JSON.parse(answer.body.toString('utf8')) as ListAnswer).drills.map((d) => d.id);
    // The baseline must be the API's query, not a look-alike: same rows, same order.
    if (ids.join() !== captured.value.drills.map((d) => d.id).join()) throw new Error(`${list.name}: the API and the captured query returned different drills`);
    queries.push({ name: list.name, paths: [path], queries: [run], groups: [captured.groups], answerBytes: answer.body.length, rows: ids.length });
  }

  // One drill in full, cycling through a fixed sample: mostly passes, some failures with their alerts.
  const sample = (await db.execute<{ id: string }>(sql.raw(sampleSql()))) as unknown as Array<{ id: string }>;
  const detail: DrillQuery = { name: 'one drill, in full', paths: [], queries: [], groups: [], answerBytes: 0, rows: 0 };
  for (const { id } of sample) {
    const run = async (db: HistoryDb) => {
      const drill = await getDrill(db, id);
      return { drill, notifications: await notificationsOfDrills(db, [id]) };
    };
    detail.paths.push(`/api/drills/${encodeURIComponent(id)}`);
    detail.queries.push(run);
    detail.groups.push((await replay.capture(run)).groups);
    detail.answerBytes += (await http.getOk(detail.paths.at(-1)!)).body.length;
  }
  detail.answerBytes = Math.round(detail.answerBytes / sample.length);
  detail.rows = 1;
  queries.push(detail);
  return queries;
}

function sampleSql(): string {
  // md5 order: a fixed pseudo-random sample, the same on every run of the same dataset.
  return `(SELECT id FROM drills WHERE outcome = 'passed' ORDER BY md5(id) LIMIT ${DETAIL_SAMPLE * 0.75})
          UNION ALL (SELECT id FROM drills WHERE outcome IN ('failed', 'error') ORDER BY md5(id) LIMIT ${DETAIL_SAMPLE * 0.25})`;
}

function report(dataset: HistoryDataset, queries: DrillQuery[], samples: Samples, rounds: Rounds, deepPages: number, services: string): string {
  const rows = queries.map((q) => {
    const ways = samples.get(q.name)!;
    const a = percentiles(ways.get('api')!);
    const qs = percentiles(ways.get('queries')!);
    const b = percentiles(ways.get('driver')!);
    const statements = q.groups[0]!.flat().length;
    return { q, a, qs, b, statements };
  });
  const worst = rows.reduce((w, r) => (r.a.p95 > w.a.p95 ? r : w));
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const n = (x: Percentiles) => (x.count < rounds.timed ? ` (n = ${x.count})` : '');
  return [
    `### \`GET /api/drills\` over ${dataset.description.drills.toLocaleString('en-US')} drills, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `${machine(services)}.`,
    `Dataset: ${describeDataset(dataset)}.`,
    `Method: ${rounds.timed} timed rounds after ${rounds.warmup} warm-up rounds (a way whose timed runs pass ${rounds.budgetMs / 1000} s stops after ${rounds.minSamples}; n says so); in each round every query runs three ways, in an order that rotates per round: **A** \`GET\` over HTTP, one request at a time on one keep-alive loopback connection, to the API (\`createApp\` behind \`@hono/node-server\`, in the bench process, pool of 5), timed from writing the request to the last byte of the answer; **Q** the route's \`db/queries\` calls in-process (drizzle); **B** (baseline) the SQL statements Q sends, captured with their parameters and replayed through the bare \`postgres\` driver with the same parallelism. The deep page's cursor comes from walking ${deepPages} pages through the API; "one drill" cycles through ${DETAIL_SAMPLE} drills (¾ passed, ¼ failed or error, with their notifications).`,
    '',
    '| query | statements | rows | answer | A p50 | A p95 | A p99 | Q p50 | Q p95 | B p50 | B p95 | B p99 | A/B p50 | A/B p95 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(({ q, a, qs, b, statements }) => `| ${q.name} | ${statements} | ${q.rows} | ${kib(q.answerBytes)} | ${ms(a.p50)} | **${ms(a.p95)}**${n(a)} | ${ms(a.p99)} | ${ms(qs.p50)} | ${ms(qs.p95)}${n(qs)} | ${ms(b.p50)} | ${ms(b.p95)}${n(b)} | ${ms(b.p99)} | ${ratio(a.p50, b.p50)} | ${ratio(a.p95, b.p95)} |`),
    '',
    `- slowest API p95: **${ms(worst.a.p95)}** (${worst.q.name}): ${againstTarget(worst.a.p95, TARGET_P95_MS)}`,
    `- API overhead over the driver (A − B, p50): ${rows.map((r) => `${r.q.name} ${ms(r.a.p50 - r.b.p50)}`).join('; ')}`,
    `- of which drizzle and the query functions (Q − B, p50): ${rows.map((r) => `${r.q.name} ${ms(r.qs.p50 - r.b.p50)}`).join('; ')}`,
  ].join('\n');
}
