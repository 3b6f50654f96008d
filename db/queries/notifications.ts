/** Notification events and their delivery attempts. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { HistoryDb } from '../client.js';
import { channels, notificationEvents, notifications, type NotificationEventRow } from '../schema/index.js';
import type { Tx } from './plans.js';

type Db = HistoryDb | Tx;

export type NewEvent = Omit<NotificationEventRow, 'createdAt'>;

/** Inserts the event unless one with its id exists; returns whether this call created it. */
export async function insertEventOnce(db: Db, event: NewEvent): Promise<boolean> {
  const inserted = await db.insert(notificationEvents).values(event).onConflictDoNothing({ target: notificationEvents.id }).returning({ id: notificationEvents.id });
  return inserted.length > 0;
}

export async function getEvent(db: Db, id: string): Promise<NotificationEventRow | undefined> {
  const [row] = await db.select().from(notificationEvents).where(eq(notificationEvents.id, id)).limit(1);
  return row;
}

export async function wasDelivered(db: Db, eventId: string, channelId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.eventId, eventId), eq(notifications.channelId, channelId), eq(notifications.status, 'sent')))
    .limit(1);
  return row !== undefined;
}

export async function recordAttempt(
  db: Db,
  attempt: { eventId: string; channelId: string; attempt: number; status: 'sent' | 'failed'; detail: string | null; startedAt: Date; durationMs: number },
): Promise<void> {
  const id = `${attempt.eventId}/${attempt.channelId}/${attempt.attempt}`;
  const { eventId: _e, channelId: _c, attempt: _a, ...update } = attempt;
  await db.insert(notifications).values({ id, ...attempt }).onConflictDoUpdate({ target: notifications.id, set: update });
}

export interface DrillNotification {
  eventId: string;
  kind: string;
  subject: string;
  createdAt: Date;
  channel: string;
  channelKind: string;
  status: 'sent' | 'failed' | 'pending';
  attempts: number;
  detail: string | null;
  lastAttemptAt: Date | null;
}

/** Every event a drill raised, per channel: its final status, attempts so far and last answer. */
export async function notificationsOfDrills(db: Db, drillIds: string[]): Promise<Map<string, DrillNotification[]>> {
  const byDrill = new Map<string, DrillNotification[]>();
  if (drillIds.length === 0) return byDrill;
  const events = await db.select().from(notificationEvents).where(inArray(notificationEvents.drillId, drillIds)).orderBy(asc(notificationEvents.createdAt));
  if (events.length === 0) return byDrill;
  const attempts = await db
    .select({ eventId: notifications.eventId, channel: channels.name, channelKind: channels.kind, attempt: notifications.attempt, status: notifications.status, detail: notifications.detail, startedAt: notifications.startedAt })
    .from(notifications)
    .innerJoin(channels, eq(channels.id, notifications.channelId))
    .where(inArray(notifications.eventId, events.map((e) => e.id)))
    .orderBy(asc(notifications.startedAt));
  for (const event of events) {
    const perChannel = new Map<string, DrillNotification>();
    for (const attempt of attempts.filter((a) => a.eventId === event.id)) {
      const entry = perChannel.get(attempt.channel) ?? {
        eventId: event.id,
        kind: event.kind,
        subject: event.subject,
        createdAt: event.createdAt,
        channel: attempt.channel,
        channelKind: attempt.channelKind,
        status: 'pending' as const,
        attempts: 0,
        detail: null,
        lastAttemptAt: null,
      };
      entry.attempts += 1;
      // Once sent, it stays sent; otherwise the last attempt says how it stands.
      if (entry.status !== 'sent') {
        entry.status = attempt.status as 'sent' | 'failed';
        entry.detail = attempt.detail;
      }
      entry.lastAttemptAt = attempt.startedAt;
      perChannel.set(attempt.channel, entry);
    }
    const list = byDrill.get(event.drillId!) ?? [];
    list.push(...perChannel.values());
    byDrill.set(event.drillId!, list);
  }
  return byDrill;
}

/** Delivery failures per channel since the start (for /metrics). */
export async function failedAttemptsByChannel(db: Db): Promise<Array<{ channel: string; kind: string; failures: number }>> {
  const rows = await db
    .select({ channel: channels.name, kind: channels.kind, failures: sql<number>`count(*)::int` })
    .from(notifications)
    .innerJoin(channels, eq(channels.id, notifications.channelId))
    .where(eq(notifications.status, 'failed'))
    .groupBy(channels.name, channels.kind);
  return rows;
}

export async function recentEventsOfPlan(db: Db, planId: string, limit: number): Promise<NotificationEventRow[]> {
  return db.select().from(notificationEvents).where(eq(notificationEvents.planId, planId)).orderBy(desc(notificationEvents.createdAt)).limit(limit);
}

export async function eventHasAttempts(db: Db, eventId: string): Promise<boolean> {
  const [row] = await db.select({ id: notifications.id }).from(notifications).where(eq(notifications.eventId, eventId)).limit(1);
  return row !== undefined;
}
