/**
 * A backup that suddenly shrinks (a table no longer dumped, a job that stopped half-way and still
 * exited 0) or balloons is worth a look before anyone needs it. Compared with the plan's last
 * passing drill; before any pass there is nothing trustworthy to compare with, and it passes.
 */
import type { Check } from '../../core/drill.js';
import { formatBytes } from '../../core/duration.js';
import type { PreviousBackup } from '../../db/queries/plan-baselines.js';

/**
 * `refusedBefore`: the plan's previous drill, when it too was refused for its size. A change that
 * the next backup confirms (a data import, a new compression) is the plan's new normal: the
 * baseline would otherwise stay behind and fail every sound backup from then on.
 */
export function sizeChangeCheck(sizeBytes: number, previous: PreviousBackup | undefined, maxChangePercent: number, refusedBefore?: PreviousBackup): Check {
  const expected = `within ±${maxChangePercent}% of the last passing drill's backup`;
  if (!previous || previous.sizeBytes <= 0) {
    return { name: 'size-change', passed: true, observed: formatBytes(sizeBytes), expected, message: 'no passing drill of this plan yet: no trustworthy size to compare with' };
  }
  const changePercent = ((sizeBytes - previous.sizeBytes) / previous.sizeBytes) * 100;
  const observed = `${formatBytes(sizeBytes)}, ${changePercent >= 0 ? '+' : ''}${changePercent.toFixed(1)}% vs ${formatBytes(previous.sizeBytes)} in drill ${previous.drillId}`;
  const passed = Math.abs(changePercent) <= maxChangePercent;
  const direction = changePercent < 0 ? 'shrank' : 'grew';
  if (!passed && refusedBefore && refusedBefore.sizeBytes > 0 && (Math.abs(sizeBytes - refusedBefore.sizeBytes) / refusedBefore.sizeBytes) * 100 <= maxChangePercent) {
    return {
      name: 'size-change',
      passed: true,
      observed,
      expected: `${expected}, or the size the previous drill found`,
      message: `the backup ${direction} by ${Math.abs(changePercent).toFixed(1)}% since the last passing drill, and drill ${refusedBefore.drillId} found it at this size too (${formatBytes(refusedBefore.sizeBytes)}): taken as its new size`,
    };
  }
  return {
    name: 'size-change',
    passed,
    observed,
    expected,
    message: passed
      ? `backup size ${formatBytes(sizeBytes)} is ${changePercent >= 0 ? '+' : ''}${changePercent.toFixed(1)}% vs the last passing drill`
      : `the backup ${direction} by ${Math.abs(changePercent).toFixed(1)}% since the last passing drill (${formatBytes(previous.sizeBytes)} → ${formatBytes(sizeBytes)}), more than the allowed ${maxChangePercent}%`,
  };
}
