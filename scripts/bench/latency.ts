/**
 * Latency samples and how the latency suites report them: nearest-rank percentiles (no
 * interpolation, so p99 of 500 samples is a latency that really happened) and millisecond text.
 */
import { performance } from 'node:perf_hooks';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function percentiles(values: number[]): Percentiles {
  return { p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99), max: percentile(values, 100), count: values.length };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable with Date and database timestamps. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value < 10 ? `${value.toFixed(2)} ms` : value < 100 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

export function ratio(a: number, b: number): string {
  return b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : 'n/a';
}

/** "met" or "missed by X ms (Y %)": how a measured figure compares with its target. */
export function againstTarget(value: number, targetMs: number): string {
  if (value <= targetMs) return `met (target ≤ ${ms(targetMs)})`;
  return `**missed** by ${ms(value - targetMs)} (${Math.round(((value - targetMs) / targetMs) * 100)} % over the ${ms(targetMs)} target)`;
}
