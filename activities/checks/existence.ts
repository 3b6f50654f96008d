/**
 * Level 1 on any source: the backup is there, is not empty or too small, and is recent enough.
 * "No backup newer than the max age" is already a failed drill: a stale backup is not a backup.
 */
import type { Check } from '../../core/drill.js';
import { formatBytes, formatDuration } from '../../core/duration.js';
import { backupRejected } from '../failures.js';

export interface ExistenceOptions {
  maxAgeSeconds?: number;
  minSizeBytes: number;
  now: Date;
}

/** The passing checks for `found`, or a BackupRejected failure naming what is wrong. */
export function existenceChecks(found: { where: string; sizeBytes: number; modifiedAt: Date }, options: ExistenceOptions): Check[] {
  const checks: Check[] = [];
  const minSize = Math.max(1, options.minSizeBytes);
  const expectedSize = `>= ${formatBytes(minSize)}`;
  if (found.sizeBytes === 0) {
    throw backupRejected({ name: 'size', observed: '0 bytes', expected: expectedSize, message: `the backup ${found.where} is empty (0 bytes): the backup job wrote nothing` });
  }
  if (found.sizeBytes < minSize) {
    throw backupRejected({ name: 'size', observed: formatBytes(found.sizeBytes), expected: expectedSize, message: `the backup ${found.where} is only ${formatBytes(found.sizeBytes)}, below the plan's minimum of ${formatBytes(minSize)}` });
  }
  checks.push({ name: 'size', passed: true, observed: formatBytes(found.sizeBytes), expected: expectedSize, message: `found ${found.where} (${formatBytes(found.sizeBytes)})` });

  if (options.maxAgeSeconds !== undefined) {
    const ageMs = options.now.getTime() - found.modifiedAt.getTime();
    const maxAgeMs = options.maxAgeSeconds * 1000;
    const observed = `${formatDuration(Math.max(0, ageMs))} old (modified ${found.modifiedAt.toISOString()})`;
    if (ageMs > maxAgeMs) {
      throw backupRejected({ name: 'age', observed, expected: `<= ${formatDuration(maxAgeMs)} old`, message: `no backup newer than the max age of ${formatDuration(maxAgeMs)}: the newest, ${found.where}, is ${formatDuration(ageMs)} old` });
    }
    checks.push({ name: 'age', passed: true, observed, expected: `<= ${formatDuration(maxAgeMs)} old`, message: `backup is ${formatDuration(Math.max(0, ageMs))} old` });
  }
  return checks;
}
