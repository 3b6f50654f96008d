/** Reads and writes of notification channels and their delivery health. */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ChannelConfig } from '../../core/notify.js';
import type { HistoryDb } from '../client.js';
import { channels, type ChannelRow } from '../schema/index.js';
import type { Tx } from './plans.js';

type Db = HistoryDb | Tx;

export async function listChannelRows(db: Db): Promise<ChannelRow[]> {
  return db.select().from(channels).where(isNull(channels.deletedAt)).orderBy(asc(sql`lower(${channels.name})`));
}

export async function getChannelRow(db: Db, id: string, options: { includeDeleted?: boolean } = {}): Promise<ChannelRow | undefined> {
  const [row] = await db
    .select()
    .from(channels)
    .where(options.includeDeleted ? eq(channels.id, id) : and(eq(channels.id, id), isNull(channels.deletedAt)))
    .limit(1);
  return row;
}

/** Live channels by name (case-insensitive), keyed by the lower-cased name. */
export async function liveChannelsNamed(db: Db, names: string[]): Promise<Map<string, ChannelRow>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .select()
    .from(channels)
    .where(and(isNull(channels.deletedAt), inArray(sql`lower(${channels.name})`, names.map((n) => n.toLowerCase()))));
  return new Map(rows.map((row) => [row.name.toLowerCase(), row]));
}

export async function findLiveChannel(db: Db, idOrName: string): Promise<ChannelRow | undefined> {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(isNull(channels.deletedAt), sql`(${channels.id} = ${idOrName} OR lower(${channels.name}) = lower(${idOrName}))`))
    .limit(1);
  return row;
}

export async function insertChannel(db: Db, values: { id: string; name: string; config: ChannelConfig }): Promise<ChannelRow> {
  const [row] = await db.insert(channels).values({ id: values.id, name: values.name, kind: values.config.kind, config: values.config }).returning();
  return row!;
}

export async function updateChannelConfig(db: Db, id: string, config: ChannelConfig): Promise<ChannelRow> {
  const [row] = await db.update(channels).set({ config, kind: config.kind, updatedAt: sql`now()` }).where(eq(channels.id, id)).returning();
  return row!;
}

export async function softDeleteChannel(db: Db, id: string): Promise<void> {
  await db.update(channels).set({ deletedAt: sql`now()`, updatedAt: sql`now()` }).where(eq(channels.id, id));
}

/** One delivery attempt's effect on the channel's health. */
export async function recordChannelAttempt(db: Db, id: string, outcome: { sent: boolean; detail: string | null; at: Date }): Promise<void> {
  await db
    .update(channels)
    .set(
      outcome.sent
        ? { lastSuccessAt: outcome.at, consecutiveFailures: 0 }
        : { lastFailureAt: outcome.at, consecutiveFailures: sql`${channels.consecutiveFailures} + 1`, lastError: outcome.detail },
    )
    .where(eq(channels.id, id));
}
