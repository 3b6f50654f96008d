/**
 * Sampling several ways of answering several queries on a shared, noisy machine: round after
 * round, every query is run every way, in an order that rotates each round, so that a burst of
 * load elsewhere lands on all of them alike and none always runs on a cache its neighbour warmed.
 * The first rounds are warm-up (JIT, connection pools, PostgreSQL's buffers) and are not kept.
 */
import { performance } from 'node:perf_hooks';
import { log } from './datasets/dataset.js';

export interface Way {
  name: string;
  /** One run; `round` picks the query's variant (e.g. which drill id) so variants are cycled. */
  run(round: number): Promise<unknown>;
}

export interface Contender {
  query: string;
  ways: Way[];
}

/** Milliseconds per query, then per way, in the order sampled. */
export type Samples = Map<string, Map<string, number[]>>;

export interface Rounds {
  warmup: number;
  timed: number;
  /**
   * A way stops being sampled once its timed runs took this long in all and it has `minSamples`:
   * a path that takes minutes is measured a few times, not hundreds (the report says how often).
   */
  budgetMs: number;
  minSamples: number;
}

/** A warm-up run this slow says JIT and caches are not what is being measured: one is enough. */
const SLOW_WARMUP_MS = 1000;

export async function sampleInterleaved(contenders: Contender[], rounds: Rounds): Promise<Samples> {
  const samples: Samples = new Map(contenders.map((c) => [c.query, new Map(c.ways.map((w) => [w.name, [] as number[]]))]));
  const spent = new Map<string, number>();
  const slowWarmup = new Set<string>();
  const total = rounds.warmup + rounds.timed;
  let lastLog = performance.now();
  for (let round = 0; round < total; round += 1) {
    const warming = round < rounds.warmup;
    for (const contender of contenders) {
      const ways = contender.ways;
      for (let k = 0; k < ways.length; k += 1) {
        const way = ways[(round + k) % ways.length]!;
        const key = `${contender.query}\u0000${way.name}`;
        const kept = samples.get(contender.query)!.get(way.name)!;
        if (warming ? slowWarmup.has(key) : kept.length >= rounds.minSamples && (spent.get(key) ?? 0) >= rounds.budgetMs) continue;
        const started = performance.now();
        await way.run(round);
        const took = performance.now() - started;
        if (warming) {
          if (took > SLOW_WARMUP_MS) slowWarmup.add(key);
        } else {
          kept.push(took);
          spent.set(key, (spent.get(key) ?? 0) + took);
        }
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`round ${round + 1}/${total}${warming ? ' (warm-up)' : ''}: ${contender.query}, ${way.name} ${Math.round(took)} ms`);
        }
      }
    }
  }
  return samples;
}
