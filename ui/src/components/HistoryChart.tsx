/**
 * A plan's recent drills as one SVG: a bar per drill, oldest on the left, its height the drill's
 * duration and its colour the verdict. The same facts are in the history table for screen readers.
 */
import { For } from 'solid-js';

const WIDTH = 600;
const HEIGHT = 80;
/** Bars keep a sensible width while a plan has few drills. */
const MIN_SLOTS = 30;

export function HistoryChart(props: { drills: Array<{ id: string; outcome: string; durationMs: number | null; startedAt: string }> }) {
  const drills = () => [...props.drills].reverse();
  const longest = () => Math.max(1, ...drills().map((d) => d.durationMs ?? 0));
  const slot = () => WIDTH / Math.max(drills().length, MIN_SLOTS);
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Durations and verdicts of the last ${drills().length} drills`} preserveAspectRatio="none">
      <For each={drills()}>
        {(drill, index) => {
          const height = () => Math.max(3, ((drill.durationMs ?? 0) / longest()) * (HEIGHT - 4));
          return (
            <rect class={`bar ${drill.outcome}`} x={index() * slot() + 1} y={HEIGHT - height()} width={Math.max(slot() - 2, 1)} height={height()}>
              <title>{`${drill.startedAt}: ${drill.outcome}, ${drill.durationMs ?? '?'} ms`}</title>
            </rect>
          );
        }}
      </For>
    </svg>
  );
}
