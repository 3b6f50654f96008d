/** How the API shows a channel: its (non-secret) config and its delivery health. */
import { z } from 'zod';
import { channelConfigSchema } from '../../core/notify.js';
import type { ChannelRow } from '../../db/schema/index.js';

const iso = z.iso.datetime({ offset: true });

/** Consecutive failed attempts from which a channel is reported failing. */
export const FAILING_AFTER = 3;

export const channelViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    config: channelConfigSchema.describe('vault names only: secrets never leave the vault'),
    health: z.object({
      status: z.enum(['ok', 'failing', 'unused']),
      lastSuccessAt: iso.nullable(),
      lastFailureAt: iso.nullable(),
      consecutiveFailures: z.number().int(),
      lastError: z.string().nullable(),
    }),
    usedBy: z.array(z.object({ planId: z.string(), name: z.string() })),
    createdAt: iso,
    updatedAt: iso,
  })
  .meta({ id: 'ChannelView' });
export type ChannelView = z.infer<typeof channelViewSchema>;

/** A webhook URL's query string often carries a token: shown as "?…", like the secrets it stands beside. */
function shownConfig(config: ChannelRow['config']): ChannelRow['config'] {
  if (config.kind !== 'webhook') return config;
  const url = new URL(config.url);
  return { ...config, url: url.search ? `${url.origin}${url.pathname}?…` : config.url };
}

export function toChannelView(row: ChannelRow, usedBy: Array<{ planId: string; name: string }>): ChannelView {
  const status = row.consecutiveFailures >= FAILING_AFTER ? 'failing' : row.lastSuccessAt || row.lastFailureAt ? 'ok' : 'unused';
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    config: shownConfig(row.config),
    health: {
      status,
      lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
      lastFailureAt: row.lastFailureAt?.toISOString() ?? null,
      consecutiveFailures: row.consecutiveFailures,
      lastError: row.lastError,
    },
    usedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
