/**
 * What Restore Drill tells people about, and through what: notification events, and channels
 * configured once (email, Slack, signed webhook, healthchecks-style ping) that plans route events
 * to. Channel configs hold vault names for anything secret (SMTP password, Slack webhook URL,
 * signing secret, ping URL), never the secret.
 */
import { z } from 'zod';
import { vaultNameSchema } from './credentials.js';

/**
 * - failed: a drill found the backup would not give its data back.
 * - error: a drill could not decide (infrastructure, missing tools).
 * - recovered: the first pass after a failing streak.
 * - overdue: a scheduled plan has no finished drill within twice its interval.
 * - rpo-breached: the newest backup proven restorable is older than the plan's target.
 * - passed / started: every verdict and every start (what ping channels want).
 * - digest: the weekly summary.
 */
export const NOTIFY_EVENTS = ['failed', 'error', 'recovered', 'overdue', 'rpo-breached', 'passed', 'started', 'digest'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** What a route delivers when it names no events, by channel kind. */
export const DEFAULT_ROUTE_EVENTS: Record<ChannelKind, readonly NotifyEvent[]> = {
  email: ['failed', 'error', 'recovered', 'overdue', 'rpo-breached'],
  slack: ['failed', 'error', 'recovered', 'overdue', 'rpo-breached'],
  webhook: ['failed', 'error', 'recovered', 'overdue', 'rpo-breached', 'passed'],
  ping: ['started', 'passed', 'failed', 'error'],
};

/** Events a ping channel can express: a start, a success, a failure. */
export const PING_EVENTS: readonly NotifyEvent[] = ['started', 'passed', 'failed', 'error'];

export const CHANNEL_KINDS = ['email', 'slack', 'webhook', 'ping'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const channelNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a channel name (letters, digits, ".", "_", "-"; at most 63)');

/** A message template: `{{plan.name}}`-style placeholders (see docs/notifications.md). */
export const templateSchema = z.object({ subject: z.string().min(1).max(500).optional(), body: z.string().min(1).max(20_000).optional() }).strict();
const templatesSchema = z.partialRecord(z.enum(NOTIFY_EVENTS), templateSchema).default({});

const emailAddress = z.email('an email address');

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export const emailChannelSchema = z
  .object({
    kind: z.literal('email'),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** starttls: upgrade required (port 587); tls: implicit TLS (port 465); none: loopback relays only. */
        security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
        /** Vault name of an `smtp` credential (username + password); omit for relays without auth. */
        credential: vaultNameSchema.optional(),
      })
      .strict(),
    from: emailAddress,
    to: z.array(emailAddress).min(1, 'at least one recipient'),
    templates: templatesSchema,
  })
  .strict()
  .superRefine((channel, ctx) => {
    if (channel.smtp.security === 'none' && !isLoopbackHost(channel.smtp.host)) {
      ctx.addIssue({ code: 'custom', path: ['smtp', 'security'], message: 'unencrypted SMTP is allowed only to a relay on this host (localhost/127.x): use "starttls" or "tls"' });
    }
  });

export const slackChannelSchema = z
  .object({
    kind: z.literal('slack'),
    /** Vault name of a `secret-url` credential holding the incoming-webhook URL (it is a secret). */
    webhookUrl: vaultNameSchema,
    templates: templatesSchema,
  })
  .strict();

export const webhookChannelSchema = z
  .object({
    kind: z.literal('webhook'),
    url: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL' })
      .refine((url) => !new URL(url).username && !new URL(url).password, 'no credentials in the URL: the body is signed with the vault\'s signing secret'),
    /** Vault name of a `webhook-secret` credential (whsec_…): bodies are signed per Standard Webhooks. */
    signingSecret: vaultNameSchema,
  })
  .strict();

export const pingChannelSchema = z
  .object({
    kind: z.literal('ping'),
    /** Vault name of a `secret-url` credential holding the check's ping URL (healthchecks.io style). */
    url: vaultNameSchema,
  })
  .strict();

export const channelConfigSchema = z.discriminatedUnion('kind', [emailChannelSchema, slackChannelSchema, webhookChannelSchema, pingChannelSchema]);
export type ChannelConfig = z.infer<typeof channelConfigSchema>;
export type ChannelConfigInput = z.input<typeof channelConfigSchema>;

/** A plan's route: which events go to which channel. */
export const notifyRouteSchema = z
  .object({
    channel: channelNameSchema,
    /** Defaults by channel kind (see DEFAULT_ROUTE_EVENTS). */
    events: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1)
      .refine((events) => new Set(events).size === events.length, 'each event at most once')
      .optional(),
  })
  .strict();
export type NotifyRoute = z.infer<typeof notifyRouteSchema>;

export function routeEvents(route: NotifyRoute, kind: ChannelKind): readonly NotifyEvent[] {
  const events = route.events ?? DEFAULT_ROUTE_EVENTS[kind];
  return kind === 'ping' ? events.filter((e) => PING_EVENTS.includes(e)) : events;
}
