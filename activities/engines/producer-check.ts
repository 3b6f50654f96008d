/**
 * The plan says which server version its backups come from; the dump says which one it was taken
 * from. When they disagree, the backup job is pointed at the wrong server (or a server was
 * upgraded and nobody told the restore plan): a verdict before anything is restored.
 */
import type { Check } from '../../core/drill.js';
import { backupRejected } from '../failures.js';
import type { Producer } from './engine.js';

/** True when `actual` is the version `declared` names: "16" matches 16.x, "10.11" matches 10.11.x. */
export function versionMatches(declared: string, actual: string): boolean {
  const want = declared.split('.');
  const have = actual.split('.');
  return want.every((part, i) => Number(part) === Number(have[i]));
}

/** Leading dotted number of a version banner: "16.4 (Debian 16.4-1)" → "16.4". */
export function versionNumber(text: string | null | undefined): string | null {
  return text?.match(/\d+(?:\.\d+){0,2}/)?.[0] ?? null;
}

/** The passing `producer` check, or a rejection when the plan's declared version disagrees. */
export function producerCheck(engineLabel: string, producer: Producer, declared: string | undefined, note?: string): Check {
  const made = [producer.serverVersion ? `${engineLabel} ${producer.serverVersion} server` : null, producer.tool].filter(Boolean).join(', by ');
  const observed = made || 'producer not recorded in the dump';
  const actual = versionNumber(producer.serverVersion) ?? (producer.serverVersion === null ? versionNumber(producer.tool) : null);
  if (declared !== undefined && actual !== null && !versionMatches(declared, actual)) {
    throw backupRejected({
      name: 'producer',
      observed,
      expected: `a backup of ${engineLabel} ${declared}`,
      message: `the dump was taken from ${engineLabel} ${actual}${producer.tool ? ` (${producer.tool})` : ''}, but the plan says its backups come from ${engineLabel} ${declared}: the backup job may be pointed at the wrong server, or the plan is out of date`,
    });
  }
  return {
    name: 'producer',
    passed: true,
    observed,
    expected: declared !== undefined ? `a backup of ${engineLabel} ${declared}` : 'restore tools able to read it',
    message: `dump made from ${observed}${note ? `; ${note}` : ''}`,
  };
}
