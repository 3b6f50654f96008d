/**
 * A backup that suddenly shrinks (a table no longer dumped, a job that stopped half-way and still
 * exited 0) or balloons is worth a look before anyone needs it. Compared with the plan's previous
 * drill; the first drill of a plan has nothing to compare with and passes.
 */
import type { Check } from '../../core/drill.js';
import { formatBytes } from '../../core/duration.js';
import type { PreviousBackup } from '../../db/queries/plan-baselines.js';

export function sizeChangeCheck(sizeBytes: number, previous: PreviousBackup | undefined, maxChangePercent: number): Check {
  const expected = `within ±${maxChangePercent}% of the previous drill's backup`;
  if (!previous || previous.sizeBytes <= 0) {
    return { name: 'size-change', passed: true, observed: formatBytes(sizeBytes), expected, message: 'first drill of this plan: no earlier size to compare with' };
  }
  const changePercent = ((sizeBytes - previous.sizeBytes) / previous.sizeBytes) * 100;
  const observed = `${formatBytes(sizeBytes)}, ${changePercent >= 0 ? '+' : ''}${changePercent.toFixed(1)}% vs ${formatBytes(previous.sizeBytes)} in drill ${previous.drillId}`;
  const passed = Math.abs(changePercent) <= maxChangePercent;
  const direction = changePercent < 0 ? 'shrank' : 'grew';
  return {
    name: 'size-change',
    passed,
    observed,
    expected,
    message: passed
      ? `backup size ${formatBytes(sizeBytes)} is ${changePercent >= 0 ? '+' : ''}${changePercent.toFixed(1)}% vs the previous drill`
      : `the backup ${direction} by ${Math.abs(changePercent).toFixed(1)}% since the previous drill (${formatBytes(previous.sizeBytes)} → ${formatBytes(sizeBytes)}), more than the allowed ${maxChangePercent}%`,
  };
}
