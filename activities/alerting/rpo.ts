/**
 * The verified recovery point: the age of the newest backup a drill proved restorable. Without a
 * pass yet, the plan has nothing proven since it was created.
 */
import type { PlanStatus } from '../../db/queries/plan-status.js';
import type { EventFacts } from '../notify/channel.js';

const HOUR_MS = 3_600_000;

export function verifiedRecoveryPoint(status: PlanStatus): Date | null {
  return status.lastPass?.backupModifiedAt ?? null;
}

/** Age of the verified recovery point, in hours; null when nothing was ever proven. */
export function verifiedAgeHours(status: PlanStatus, now: Date): number | null {
  const point = verifiedRecoveryPoint(status);
  return point ? (now.getTime() - point.getTime()) / HOUR_MS : null;
}

export function rpoBreachFacts(targetHours: number, status: PlanStatus, now: Date): { rpo: NonNullable<EventFacts['rpo']>; eventId: (planId: string) => string } | null {
  const point = verifiedRecoveryPoint(status);
  const since = point ?? status.planCreatedAt;
  const ageHours = (now.getTime() - since.getTime()) / HOUR_MS;
  if (ageHours <= targetHours) return null;
  return {
    rpo: { targetHours, verifiedBackupAt: point?.toISOString() ?? null, verifiedAgeHours: point ? Math.round(ageHours * 10) / 10 : null },
    // One alert per proven point: drilling the same stale backup again says nothing new; a newer
    // backup that is still too old does.
    eventId: (planId) => `${planId}:rpo-breached:${point?.toISOString() ?? 'never-passed'}`,
  };
}
