/** Drill ids readable in lists and the Temporal UI: drill-20261201-031500-3f9a2c. */
import { randomBytes } from 'node:crypto';

export function newDrillId(prefix = 'drill', now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${stamp}-${randomBytes(3).toString('hex')}`;
}
