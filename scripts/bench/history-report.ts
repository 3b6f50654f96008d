/** What the read suites share: their settings from the environment and the dataset's description. */
import { formatBytes } from '../../core/duration.js';
import type { HistoryDataset } from './datasets/history.js';
import type { HistoryShape } from './datasets/history-generator.js';
import type { Rounds } from './interleaved-samples.js';

const count = (n: number) => n.toLocaleString('en-US');
const breakdown = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${count(v)}`)
    .join(', ');

export function historyShapeFromEnv(): HistoryShape {
  return { plans: positive('BENCH_PLANS', 1000), drills: positive('BENCH_DRILLS', 100_000) };
}

/** BENCH_WARMUP, BENCH_REQUESTS, BENCH_BUDGET_S (seconds of timed runs per way, 120 by default). */
export function readRounds(defaults: { warmup: number; timed: number }): Rounds {
  return { warmup: positive('BENCH_WARMUP', defaults.warmup, true), timed: positive('BENCH_REQUESTS', defaults.timed), budgetMs: positive('BENCH_BUDGET_S', 120) * 1000, minSamples: 3 };
}

function positive(variable: string, fallback: number, zeroAllowed = false): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) throw new Error(`${variable} must be a whole number${zeroAllowed ? '' : ' above 0'}, not "${process.env[variable]}"`);
  return value;
}

export function describeDataset(dataset: HistoryDataset): string {
  const d = dataset.description;
  return [
    `${count(d.livePlans)} live plans (+ ${count(d.deletedPlans)} deleted; schedules ${breakdown(d.schedules)})`,
    `${count(d.drills)} drills over the 90 days before ${d.seededAt.slice(0, 10)} (${breakdown(d.outcomes)}; triggers ${breakdown(d.triggers)}; engines ${breakdown(d.engines)}; ${count(d.adHocDrills)} ad hoc)`,
    `${count(d.steps)} steps, ${count(d.checks)} checks, ${count(d.tables)} table counts, ${count(d.events)} notification events, ${count(d.attempts)} delivery attempts`,
    `${formatBytes(d.databaseBytes)} on disk after \`VACUUM ANALYZE\` (generated and loaded with COPY in ${d.loadSeconds} s, cached as database \`${dataset.database}\`)`,
  ].join('; ');
}
