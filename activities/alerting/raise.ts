/**
 * Raising an event: who it goes to (the plan's routes for that event kind, live channels only),
 * recorded once under its deterministic id, and handed back for delivery only when this call (or
 * a crashed attempt of it, retried soon after) created it: an event is never delivered twice.
 */
import { routeEvents, type NotifyEvent, type NotifyRoute } from '../../core/notify.js';
import type { HistoryDb } from '../../db/client.js';
import { liveChannelsNamed } from '../../db/queries/channels.js';
import { eventHasAttempts, getEvent, insertEventOnce } from '../../db/queries/notifications.js';
import type { AlertDispatch } from '../../workflows/definitions.js';
import type { ChannelRow } from '../../db/schema/index.js';
import type { ChannelKind } from '../../core/notify.js';
import type { EventFacts } from '../notify/channel.js';
import { renderMessage } from '../notify/templates.js';

/**
 * An event that exists with no delivery attempt at all is a decision that crashed before handing
 * it over: it is handed over again, within a week (a notification workflow that did start is
 * never started twice: its id is the event's).
 */
const REDISPATCH_WINDOW_MS = 7 * 86_400_000;

export interface RoutedChannel {
  row: ChannelRow;
  kind: ChannelKind;
}

/** The live channels the routes send `kind` to. */
export async function routedChannels(db: HistoryDb, routes: NotifyRoute[], kind: NotifyEvent): Promise<RoutedChannel[]> {
  const rows = await liveChannelsNamed(db, routes.map((r) => r.channel));
  const routed: RoutedChannel[] = [];
  for (const route of routes) {
    const row = rows.get(route.channel.toLowerCase());
    if (!row) continue;
    const channelKind = row.kind as ChannelKind;
    if (routeEvents(route, channelKind).includes(kind)) routed.push({ row, kind: channelKind });
  }
  return routed;
}

export async function raiseEvent(
  db: HistoryDb,
  event: { facts: EventFacts; planId: string | null; drillId: string | null },
  channels: RoutedChannel[],
): Promise<AlertDispatch | null> {
  if (channels.length === 0) return null;
  const { facts } = event;
  const created = await insertEventOnce(db, {
    id: facts.eventId,
    kind: facts.kind,
    planId: event.planId,
    drillId: event.drillId,
    canary: facts.canary,
    subject: renderMessage(facts).subject,
    facts: facts as unknown as Record<string, unknown>,
  });
  if (!created) {
    const existing = await getEvent(db, facts.eventId);
    const recent = existing !== undefined && Date.now() - existing.createdAt.getTime() < REDISPATCH_WINDOW_MS;
    if (!recent || (await eventHasAttempts(db, facts.eventId))) return null;
  }
  return { eventId: facts.eventId, kind: facts.kind, channels: channels.map((c) => ({ id: c.row.id, name: c.row.name })) };
}
