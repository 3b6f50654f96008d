/**
 * A notification channel's config from a JSON file (--from-json) and/or flags per kind. Anything
 * secret is named by its vault credential, so every secret flag ends in -credential.
 */
import { CHANNEL_KINDS, channelConfigSchema, type ChannelConfigInput, type ChannelKind } from '../core/notify.js';
import { nonNegativeInt, readJsonObject } from './args.js';
import { CliError } from './exit-codes.js';

export const CHANNEL_FLAGS = {
  name: { type: 'string' },
  kind: { type: 'string' },
  'from-json': { type: 'string' },
  'smtp-host': { type: 'string' },
  'smtp-port': { type: 'string' },
  'smtp-security': { type: 'string' },
  'smtp-credential': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'webhook-url-credential': { type: 'string' },
  url: { type: 'string' },
  'signing-secret-credential': { type: 'string' },
  'url-credential': { type: 'string' },
} as const;

type ConfigFlag = Exclude<keyof typeof CHANNEL_FLAGS, 'name' | 'kind' | 'from-json'>;
export type ChannelFlagValues = Partial<Record<keyof typeof CHANNEL_FLAGS, string>>;

const FLAGS_OF_KIND: Record<ChannelKind, readonly ConfigFlag[]> = {
  email: ['smtp-host', 'smtp-port', 'smtp-security', 'smtp-credential', 'from', 'to'],
  slack: ['webhook-url-credential'],
  webhook: ['url', 'signing-secret-credential'],
  ping: ['url-credential'],
};

/** Where each config field comes from on the command line, for messages about it. */
const FLAG_OF_FIELD: Record<ChannelKind, Record<string, string>> = {
  email: { 'smtp.host': '--smtp-host', 'smtp.port': '--smtp-port', 'smtp.security': '--smtp-security', 'smtp.credential': '--smtp-credential', from: '--from', to: '--to' },
  slack: { webhookUrl: '--webhook-url-credential' },
  webhook: { url: '--url', signingSecret: '--signing-secret-credential' },
  ping: { url: '--url-credential' },
};

const REQUIRED_FIELDS: Record<ChannelKind, string[]> = { email: ['smtp.host', 'from', 'to'], slack: ['webhookUrl'], webhook: ['url', 'signingSecret'], ping: ['url'] };

export const CHANNEL_FLAGS_HELP = `  --from-json FILE      the channel's config as JSON (see docs/notifications.md); flags override it
  email:   --smtp-host HOST [--smtp-port N (587)] [--smtp-security starttls|tls|none]
           [--smtp-credential NAME (an smtp credential)] --from ADDRESS --to ADDRESS,ADDRESS
  slack:   --webhook-url-credential NAME   (a secret-url credential holding the incoming-webhook URL)
  webhook: --url URL --signing-secret-credential NAME   (a webhook-secret credential, whsec_…)
  ping:    --url-credential NAME   (a secret-url credential holding the ping URL)
Secrets live in the vault: drill vault add --kind secret-url|webhook-secret|smtp --name NAME --from-file FILE`;

export function channelConfig(values: ChannelFlagValues): ChannelConfigInput {
  const file = values['from-json'] ? readJsonObject('--from-json', values['from-json'], 'a channel config') : {};
  const kindText = values.kind ?? (typeof file.kind === 'string' ? file.kind : undefined);
  if (!kindText) throw new CliError(`--kind is required: ${CHANNEL_KINDS.join(', ')}`);
  if (!(CHANNEL_KINDS as readonly string[]).includes(kindText)) throw new CliError(`--kind must be one of ${CHANNEL_KINDS.join(', ')}, got "${kindText}"`);
  const kind = kindText as ChannelKind;
  if (values.kind && file.kind !== undefined && file.kind !== kind) throw new CliError(`--kind ${kind} disagrees with the --from-json file's kind "${String(file.kind)}"`);
  for (const other of CHANNEL_KINDS.filter((k) => k !== kind)) {
    const stray = FLAGS_OF_KIND[other].find((flag) => values[flag] !== undefined && !FLAGS_OF_KIND[kind].includes(flag));
    if (stray) throw new CliError(`--${stray} is for --kind ${other} channels, not ${kind}`);
  }
  const config = { ...file, kind, ...fieldsOf(kind, values, file) } as Record<string, unknown>;

  const missing = REQUIRED_FIELDS[kind].filter((field) => valueAt(config, field) === undefined).map((field) => FLAG_OF_FIELD[kind][field]!);
  if (missing.length) throw new CliError(`a ${kind} channel needs ${missing.join(', ')}`);
  const parsed = channelConfigSchema.safeParse(config);
  if (!parsed.success) throw new CliError(`invalid ${kind} channel: ${parsed.error.issues.map((i) => `${FLAG_OF_FIELD[kind][i.path.join('.')] ?? i.path.join('.')}: ${i.message}`).join('; ')}`);
  return config as ChannelConfigInput;
}

function fieldsOf(kind: ChannelKind, values: ChannelFlagValues, file: Record<string, unknown>): Record<string, unknown> {
  switch (kind) {
    case 'email': {
      const smtp = {
        ...(file.smtp as Record<string, unknown> | undefined),
        ...(values['smtp-host'] !== undefined ? { host: values['smtp-host'] } : {}),
        ...(values['smtp-port'] !== undefined ? { port: nonNegativeInt('--smtp-port', values['smtp-port']) } : {}),
        ...(values['smtp-security'] !== undefined ? { security: values['smtp-security'] } : {}),
        ...(values['smtp-credential'] !== undefined ? { credential: values['smtp-credential'] } : {}),
      };
      return {
        ...(Object.keys(smtp).length ? { smtp } : {}),
        ...(values.from !== undefined ? { from: values.from } : {}),
        ...(values.to !== undefined ? { to: values.to.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
      };
    }
    case 'slack':
      return values['webhook-url-credential'] !== undefined ? { webhookUrl: values['webhook-url-credential'] } : {};
    case 'webhook':
      return {
        ...(values.url !== undefined ? { url: values.url } : {}),
        ...(values['signing-secret-credential'] !== undefined ? { signingSecret: values['signing-secret-credential'] } : {}),
      };
    case 'ping':
      return values['url-credential'] !== undefined ? { url: values['url-credential'] } : {};
  }
}

function valueAt(config: Record<string, unknown>, field: string): unknown {
  return field.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), config);
}
